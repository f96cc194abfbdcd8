/**
 * The SuiteTalk REST wire: record create/upsert (`204 No Content` + `Location`), SuiteQL (paginated),
 * authentication, the client-side timeout and, around every request, the concurrency permits.
 * Knows nothing of invoices or journals; netsuite-adapter.ts does.
 */
import { toNetSuiteJson } from './amounts';
import type { NetSuiteAuth } from './auth';
import { defaultBaseUrl } from './auth';
import { withPermits, type ConcurrencyPermits } from './concurrency';
import { ErpRateLimitedError } from '../../../domain/errors';
import {
  classifyNetSuiteError,
  isGovernanceRefusal,
  type NetSuiteTransientError,
  networkError,
} from './errors';
import type { NetSuiteRecordType } from './external-ids';

export interface NetSuiteClientOptions {
  accountId: string;
  /** Default `https://<account>.suitetalk.api.netsuite.com`; the simulator's URL locally. */
  baseUrl?: string;
  auth: NetSuiteAuth;
  /** Held around every request, in order (the local limiter first, then the shared budget). */
  permits: readonly ConcurrencyPermits[];
  /** Per request; a timed-out write may still have landed, which the externalId guard absorbs. */
  requestTimeoutMs?: number;
  /** SuiteQL page size (NetSuite serves at most 1000 rows a page). */
  suiteqlPageSize?: number;
  /**
   * Governance refusals (429) are retried here, outside the permits, after NetSuite's `Retry-After`
   * (or a jittered backoff when it sends none), so a burst of 429s — another integration eating the
   * shared budget — is absorbed without burning the flow's retries. Refusals beyond it reach the caller
   * as ErpRateLimitedError; other errors go to the caller as they are.
   */
  governanceRetry?: Partial<GovernanceRetry>;
  /** Told of every governance refusal (429) NetSuite answers, absorbed or not: the ErpThrottled metric. */
  onGovernanceRefusal?: () => void;
  fetch?: typeof fetch;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface GovernanceRetry {
  /** Attempts per request in all, the first included (1 = never retry here). */
  attempts: number;
  /** First backoff when NetSuite sends no Retry-After; doubles per attempt, full jitter. */
  baseDelayMs: number;
  /**
   * Most time spent waiting per request, well inside the posting Lambda's timeout; a Retry-After
   * that does not fit is handed to the flow's own (slower) retries instead.
   */
  budgetMs: number;
}

export const DEFAULT_GOVERNANCE_RETRY: GovernanceRetry = { attempts: 6, baseDelayMs: 250, budgetMs: 8_000 };

const RECORD_PATH = '/services/rest/record/v1';
const SUITEQL_PATH = '/services/rest/query/v1/suiteql';
const MAX_PAGE = 1000;

export type SuiteQlRow = Record<string, string>;

interface SuiteQlPage {
  items: (SuiteQlRow & { links?: unknown })[];
  hasMore: boolean;
  offset?: number;
  count?: number;
  totalResults?: number;
}

export class NetSuiteClient {
  readonly baseUrl: string;
  private readonly pageSize: number;
  private readonly governance: GovernanceRetry;
  /** Governance refusals absorbed by waiting and sending again (for metrics and tests). */
  governanceRetries = 0;

  constructor(private readonly options: NetSuiteClientOptions) {
    this.baseUrl = (options.baseUrl ?? defaultBaseUrl(options.accountId)).replace(/\/+$/, '');
    this.pageSize = Math.min(options.suiteqlPageSize ?? MAX_PAGE, MAX_PAGE);
    this.governance = { ...DEFAULT_GOVERNANCE_RETRY, ...options.governanceRetry };
  }

  /** POST a new record; resolves to its internal id (parsed from `Location`). */
  async create(type: NetSuiteRecordType, body: unknown): Promise<string> {
    const res = await this.send('POST', `${RECORD_PATH}/${type}`, `POST ${type}`, toNetSuiteJson(body));
    await res.body?.cancel();
    return internalIdFrom(res, type);
  }

  /** PUT by externalId: NetSuite creates the record or updates the one with that externalId. */
  async upsert(type: NetSuiteRecordType, externalId: string, body: unknown): Promise<string> {
    const path = `${RECORD_PATH}/${type}/eid:${encodeURIComponent(externalId)}`;
    const res = await this.send('PUT', path, `PUT ${type} eid:${externalId}`, toNetSuiteJson(body));
    await res.body?.cancel();
    return internalIdFrom(res, type);
  }

  /** One SuiteQL page. Values come back as strings, column names in lower case, nulls omitted. */
  async suiteqlPage(q: string, offset = 0, limit = this.pageSize): Promise<SuiteQlPage> {
    const res = await this.send(
      'POST',
      `${SUITEQL_PATH}?limit=${limit}&offset=${offset}`,
      'SuiteQL',
      JSON.stringify({ q }),
      // Without it NetSuite refuses the query: results are computed per request, not stored.
      { Prefer: 'transient' },
    );
    return (await res.json()) as SuiteQlPage;
  }

  /** Every row of a SuiteQL query, page after page until `hasMore` is false. */
  async suiteql(q: string): Promise<SuiteQlRow[]> {
    const rows: SuiteQlRow[] = [];
    for (let offset = 0; ;) {
      const page = await this.suiteqlPage(q, offset);
      for (const { links: _links, ...row } of page.items) rows.push(row as SuiteQlRow);
      if (!page.hasMore || page.items.length === 0) return rows;
      offset += page.items.length;
    }
  }

  /** One request; governance refusals are sent again after Retry-After, without holding a permit. */
  private async send(
    method: string,
    path: string,
    operation: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sendOnce(method, path, operation, body, headers);
      } catch (err) {
        if (!isGovernanceRefusal(err)) throw err;
        this.options.onGovernanceRefusal?.();
        const wait = this.governanceWait(err.retryAfterMs, attempt);
        if (wait === undefined || waited + wait > this.governance.budgetMs) throw rateLimited(err, attempt);
        waited += wait;
        this.governanceRetries++;
        await (this.options.sleep ?? sleep)(wait);
      }
    }
  }

  /** How long to wait before attempt `attempt + 1` (Retry-After, else jittered backoff), or give up. */
  private governanceWait(retryAfterMs: number | undefined, attempt: number): number | undefined {
    const { attempts, baseDelayMs } = this.governance;
    if (attempt >= attempts) return undefined;
    if (retryAfterMs !== undefined) return retryAfterMs;
    return Math.round((this.options.random ?? Math.random)() * baseDelayMs * 2 ** (attempt - 1));
  }

  private async sendOnce(
    method: string,
    path: string,
    operation: string,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<Response> {
    const url = this.baseUrl + path;
    return withPermits(this.options.permits, async () => {
      const authorization = await this.options.auth.authorization({ method, url });
      let res: Response;
      try {
        res = await (this.options.fetch ?? fetch)(url, {
          method,
          headers: {
            Authorization: authorization,
            Accept: 'application/json',
            ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...headers,
          },
          body,
          signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 30_000),
        });
      } catch (err) {
        throw networkError(operation, err);
      }
      if (res.ok) return res;
      const text = await res.text().catch(() => '');
      if (res.status === 401) this.options.auth.invalidate();
      throw classifyNetSuiteError({
        status: res.status,
        body: text,
        retryAfter: res.headers.get('retry-after'),
        operation,
      });
    });
  }
}

/**
 * Governance refusals outlived this request's attempts or wait budget: ErpRateLimitedError, which the
 * flows retry on its own budget and then park as `rate-limited` (not `technical`) for the paced drain.
 */
function rateLimited(err: NetSuiteTransientError, attempts: number): ErpRateLimitedError {
  return new ErpRateLimitedError(
    `erp: rate limited, still refused after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${err.message}`,
    err.status,
    err.errorCode,
    err.retryAfterMs,
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `Location: https://…/services/rest/record/v1/invoice/1234` → `1234`. */
export function internalIdFrom(res: Response, type: string): string {
  const location = res.headers.get('location');
  const id = location ? /\/([^/?#]+)\/?(?:[?#].*)?$/.exec(location)?.[1] : undefined;
  if (!id || !/^\d+$/.test(id)) {
    throw new Error(`NetSuite created a ${type} but sent no usable Location header (${location ?? 'none'})`);
  }
  return id;
}
