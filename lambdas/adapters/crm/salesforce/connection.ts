/**
 * One jsforce Connection per process, authorised with the OAuth 2.0 client credentials flow of the
 * integration's connected app. Credentials come from Secrets Manager (SECRETS.salesforceApi, JSON
 * `{"loginUrl"|"instanceUrl","clientId","clientSecret"}`); locally from its localEnvVar, pointing at
 * the Salesforce sandbox. The flow has no refresh token: on an expired session jsforce re-runs the grant.
 */
import { Connection } from 'jsforce';
import * as z from 'zod';
import { SECRETS } from '../../../../lib/topology';
import { secretValue } from '../../store/secrets';
import { SALESFORCE_API_VERSION } from './fields';
import { circuitBreaker } from '../../circuit-breaker/dynamodb-breaker';
import { classifySalesforceError, isSalesforceOutage } from './errors';

export const SalesforceCredentials = z
  .object({
    loginUrl: z.string().url().optional(),
    instanceUrl: z.string().url().optional(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
  })
  .refine((c) => c.loginUrl ?? c.instanceUrl, 'loginUrl or instanceUrl is required');
export type SalesforceCredentials = z.infer<typeof SalesforceCredentials>;

export async function connectSalesforce(credentials: SalesforceCredentials): Promise<Connection> {
  const loginUrl = (credentials.loginUrl ?? credentials.instanceUrl) as string;
  const conn = new Connection({
    loginUrl,
    version: SALESFORCE_API_VERSION,
    oauth2: { loginUrl, clientId: credentials.clientId, clientSecret: credentials.clientSecret },
    refreshFn: (c, callback) => {
      c.oauth2
        .requestToken({ grant_type: 'client_credentials' })
        .then((res) => callback(null, res.access_token, res))
        .catch((err: Error) => callback(err));
    },
  });
  try {
    await conn.authorize({ grant_type: 'client_credentials' });
  } catch (err) {
    throw classifySalesforceError(err, 'authorising the integration user');
  }
  return conn;
}

let shared: Promise<Connection> | undefined;

/** The process-wide connection (created on first use; a failed attempt is not cached). */
export function salesforce(): Promise<Connection> {
  shared ??= secretValue(SECRETS.salesforceApi.envVar, SECRETS.salesforceApi.localEnvVar)
    .then((raw) => {
      const parsed = SalesforceCredentials.safeParse(JSON.parse(raw));
      if (!parsed.success) throw new Error(`Salesforce credentials secret: ${z.prettifyError(parsed.error)}`);
      return connectSalesforce(parsed.data);
    })
    .catch((err: unknown) => {
      shared = undefined;
      throw err;
    });
  return shared;
}

/**
 * Runs `fn` with the connection through the salesforce circuit breaker: when it is open,
 * DependencyOutageError parks the work without a call (not even the OAuth grant). 5xx, timeouts and
 * an unreachable org count towards opening it; REQUEST_LIMIT_EXCEEDED and lock contention do not.
 */
export function withSalesforce<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
  return circuitBreaker().guard('salesforce', async () => fn(await salesforce()), isSalesforceOutage);
}

/** Forget the cached connection (tests that restart the sandbox; rotated credentials). */
export function resetSalesforceConnection(): void {
  shared = undefined;
}
