/**
 * The NetSuite ERP adapter and its wiring from the environment. In AWS the credentials come from a
 * Secrets Manager secret (ARN in the environment) and, when NETSUITE_PERMITS_TABLE is set, every
 * instance shares one concurrency budget through DynamoDB; locally the simulator's URL and the
 * credentials' JSON are passed as variables.
 *
 *   NETSUITE_ACCOUNT_ID            1234567 | 1234567_SB1
 *   NETSUITE_BASE_URL              default https://<account>.suitetalk.api.netsuite.com
 *   NETSUITE_AUTH                  tba (default) | oauth2
 *   NETSUITE_TBA_SECRET_ARN        or NETSUITE_TBA_CREDENTIALS (JSON, local only)
 *   NETSUITE_OAUTH2_SECRET_ARN     or NETSUITE_OAUTH2_CREDENTIALS (JSON, local only)
 *   NETSUITE_CONCURRENCY_LIMIT     this integration's share of the account limit (default 5)
 *   NETSUITE_PERMITS_TABLE         DynamoDB table (pk/sk) for the shared budget; unset = per instance
 *   NETSUITE_DEFAULT_CREDIT_ITEM   item for credit memo lines that name none
 *   NETSUITE_REQUEST_TIMEOUT_MS    client timeout per request (default 30000; tests shorten it)
 *   NETSUITE_REVENUE_RECOGNITION   integration (default: post revenue releases) | arm (NetSuite ARM does)
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MappingConfig } from '../../../domain/config';
import { ClientCredentialsAuth, TokenBasedAuth, type NetSuiteAuth } from './auth';
import { clientCredentialsFromSecrets, tbaCredentialsFromSecrets } from './credentials';
import { DynamoDbPermits } from './dynamodb-permits';
import { NetSuiteAdapter } from './netsuite-adapter';

export { NetSuiteAdapter, type NetSuiteAdapterOptions, type PostedRecord } from './netsuite-adapter';
export { TokenBasedAuth, ClientCredentialsAuth, type NetSuiteAuth } from './auth';
export { LocalPermits, type ConcurrencyPermits, type Permit } from './concurrency';
export { DynamoDbPermits } from './dynamodb-permits';
export { NetSuiteBusinessError, NetSuiteTransientError } from './errors';

const DEFAULT_CONCURRENCY = 5;
/** Client timeout per request; the permit lease outlives it so a slow request never loses its slot. */
const REQUEST_TIMEOUT_MS = 30_000;

export function netsuiteAdapterFromEnv(
  mapping: MappingConfig,
  deps: {
    env?: NodeJS.ProcessEnv;
    db?: () => DynamoDBDocumentClient;
    /** Told of every 429 NetSuite answers (the handlers count them as ErpThrottled). */
    onGovernanceRefusal?: () => void;
  } = {},
): NetSuiteAdapter {
  const env = deps.env ?? process.env;
  const accountId = env.NETSUITE_ACCOUNT_ID;
  if (!accountId) throw new Error('NETSUITE_ACCOUNT_ID is not set');
  const baseUrl = env.NETSUITE_BASE_URL || undefined;
  const limit = Number(env.NETSUITE_CONCURRENCY_LIMIT ?? DEFAULT_CONCURRENCY);
  const requestTimeoutMs = Number(env.NETSUITE_REQUEST_TIMEOUT_MS || REQUEST_TIMEOUT_MS);
  const revenueRecognition = env.NETSUITE_REVENUE_RECOGNITION || 'integration';
  if (revenueRecognition !== 'integration' && revenueRecognition !== 'arm')
    throw new Error(`NETSUITE_REVENUE_RECOGNITION must be integration or arm, got ${revenueRecognition}`);
  const auth: NetSuiteAuth =
    env.NETSUITE_AUTH === 'oauth2'
      ? new ClientCredentialsAuth({ accountId, baseUrl, credentials: clientCredentialsFromSecrets() })
      : new TokenBasedAuth({ accountId, credentials: tbaCredentialsFromSecrets() });
  const table = env.NETSUITE_PERMITS_TABLE;
  if (table && !deps.db) throw new Error('NETSUITE_PERMITS_TABLE is set but no DynamoDB client was given');
  return new NetSuiteAdapter({
    accountId,
    baseUrl,
    auth,
    mapping,
    concurrencyLimit: limit,
    sharedPermits:
      table && deps.db
        ? new DynamoDbPermits({
            db: deps.db(),
            tableName: table,
            budget: `netsuite:${accountId}`,
            limit,
            leaseMs: requestTimeoutMs + 15_000,
          })
        : undefined,
    requestTimeoutMs,
    revenueRecognition,
    defaultCreditItem: env.NETSUITE_DEFAULT_CREDIT_ITEM || undefined,
    onGovernanceRefusal: deps.onGovernanceRefusal,
  });
}
