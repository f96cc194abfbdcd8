export const handler = async (): Promise<void> => undefined; // replaced by the real handler shortly
