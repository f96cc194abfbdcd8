/**
 * Secrets come from Secrets Manager (cached by Powertools for 5 minutes). The local runtime has
 * no Secrets Manager: it passes the value in the secret's local variable instead; CDK never sets
 * that variable (test/infra asserts no secret values in Lambda environments).
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

export async function secretValue(arnVar: string, localVar: string): Promise<string> {
  const arn = process.env[arnVar];
  if (arn) {
    const value = await getSecret(arn, { maxAge: 300 });
    if (typeof value !== 'string' || value.length === 0)
      throw new Error(`secret ${arnVar} has no string value`);
    return value;
  }
  const local = process.env[localVar];
  if (local) return local;
  throw new Error(`neither ${arnVar} nor ${localVar} is set`);
}
