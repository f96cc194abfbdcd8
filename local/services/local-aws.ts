/** Shared settings for every real AWS SDK client pointed at the local emulators. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Loopback only: the local runtime never listens beyond this machine unless asked to. */
export const LOOPBACK = '127.0.0.1';

export function listenUrl(server: import('node:http').Server | import('node:net').Server): string {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('server is not listening on TCP');
  return `http://${LOOPBACK}:${address.port}`;
}
