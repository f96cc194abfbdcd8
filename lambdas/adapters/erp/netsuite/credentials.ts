/**
 * NetSuite credentials live in Secrets Manager as one JSON secret (in AWS the function gets the
 * secret's ARN, never its value; locally the value comes from an environment variable), read through
 * `secretValue` so Powertools caches it for 5 minutes.
 *
 *   TBA:    {"consumerKey":"…","consumerSecret":"…","tokenId":"…","tokenSecret":"…"}
 *   OAuth2: {"clientId":"…","certificateId":"…","privateKey":"-----BEGIN PRIVATE KEY-----…","algorithm":"PS256"}
 */
import * as z from 'zod';
import { secretValue } from '../../store/secrets';
import { ClientCredentials, TbaCredentials } from './auth';

export const NETSUITE_SECRET_VARS = {
  tba: { arn: 'NETSUITE_TBA_SECRET_ARN', local: 'NETSUITE_TBA_CREDENTIALS' },
  oauth2: { arn: 'NETSUITE_OAUTH2_SECRET_ARN', local: 'NETSUITE_OAUTH2_CREDENTIALS' },
} as const;

function fromSecret<T>(schema: z.ZodType<T>, arnVar: string, localVar: string): () => Promise<T> {
  return async () => {
    const raw = await secretValue(arnVar, localVar);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new Error(`secret ${arnVar} is not JSON`);
    }
    const parsed = schema.safeParse(json);
    // Never echo the secret: name the missing fields only.
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
      throw new Error(`secret ${arnVar} lacks or has invalid fields: ${fields}`);
    }
    return parsed.data;
  };
}

export const tbaCredentialsFromSecrets = (
  arnVar: string = NETSUITE_SECRET_VARS.tba.arn,
  localVar: string = NETSUITE_SECRET_VARS.tba.local,
): (() => Promise<TbaCredentials>) => fromSecret(TbaCredentials, arnVar, localVar);

export const clientCredentialsFromSecrets = (
  arnVar: string = NETSUITE_SECRET_VARS.oauth2.arn,
  localVar: string = NETSUITE_SECRET_VARS.oauth2.local,
): (() => Promise<ClientCredentials>) => fromSecret(ClientCredentials, arnVar, localVar);
