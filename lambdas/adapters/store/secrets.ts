/**
 * Secrets come from Secrets Manager, cached for 5 minutes per secret (as Powertools' getSecret did with
 * maxAge 300; its parameters package added ~6 KB to the webhook ingest bundle for this one call). The
 * local runtime has no Secrets Manager: it passes the value in the secret's local variable instead; CDK
 * never sets that variable (test/infra asserts no secret values in Lambda environments).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const MAX_AGE_MS = 300_000;
let client: SecretsManagerClient | undefined;
const cache = new Map<string, { value: Promise<string>; expiresAt: number }>();

async function fetchSecret(arn: string, arnVar: string): Promise<string> {
  client ??= new SecretsManagerClient({});
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (typeof SecretString !== 'string' || SecretString.length === 0)
    throw new Error(`secret ${arnVar} has no string value`);
  return SecretString;
}

export async function secretValue(arnVar: string, localVar: string): Promise<string> {
  const arn = process.env[arnVar];
  if (arn) {
    const now = Date.now();
    const hit = cache.get(arn);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = fetchSecret(arn, arnVar);
    cache.set(arn, { value, expiresAt: now + MAX_AGE_MS });
    // A failed read is not cached: the next invocation asks again.
    value.catch(() => cache.delete(arn));
    return value;
  }
  const local = process.env[localVar];
  if (local) return local;
  throw new Error(`neither ${arnVar} nor ${localVar} is set`);
}
