/** A tiny client for the local ops API, used by the CLI and the demo. */
import type { RecordedEntry } from '../lambdas/adapters/erp/ledger/ledger-adapter';
import type { TrialBalanceRowJson } from '../lambdas/domain/accounting/trial-balance';
import type { ArchivedEvent } from './bus/local-event-bus';
import type { QueueView, StatusView } from './report';
import type { WaterfallRowJson } from '../lambdas/domain/revenue/waterfall';
import type { ExecutionStats } from './runtime';
import type { ExecutionRecord } from './stepfunctions';
import type { LocalEndpoints, LoggedExecution } from './replay/local-ops';
import type { LocalReconciliation } from './reconciliation';
import { readOpsToken } from './ops-token';
import type { LedgerVerification } from '../lambdas/handlers/verify-ledger';
import type { DiscardedException } from './exception-archive';
import type { JournalFilter } from './journal-filter';

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The server's own reason for a failed request (its `error.message`), never just a status code. */
function reasonOf(request: string, res: Response, text: string): string {
  const body = parseJson(text) as { error?: { message?: unknown } | string; message?: unknown } | undefined;
  const message =
    (typeof body?.error === 'object' ? body.error.message : body?.error) ?? body?.message ?? text.trim();
  return `${request} → ${res.status}${message ? `: ${String(message)}` : ''}`;
}

const failure = async (request: string, res: Response) => reasonOf(request, res, await res.text());

export class OpsClient {
  /**
   * `dataDir`: the runtime's data dir, whose `ops.token` operator actions (POST /ops/*) send as a bearer
   * token — read when the first action is sent, so read commands need no access to it.
   */
  constructor(
    private readonly baseUrl: string,
    private readonly dataDir?: string,
  ) {}

  /** The headers of an operator action: JSON and the data dir's ops token. */
  actionHeaders(): Record<string, string> {
    if (this.dataDir === undefined)
      throw new Error('operator actions need the runtime data dir (--data-dir)');
    return { 'content-type': 'application/json', authorization: `Bearer ${readOpsToken(this.dataDir)}` };
  }

  /** Any operator action, its status and body as answered (tests and drills: faults, seeding). */
  async action(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const res = await this.send(path, {
      method: 'POST',
      headers: this.actionHeaders(),
      body: JSON.stringify(body),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as unknown };
    } catch {
      return { status: res.status, body: text };
    }
  }

  private async send(path: string, init?: RequestInit): Promise<Response> {
    try {
      return await fetch(new URL(path, this.baseUrl), init);
    } catch {
      throw new Error(
        `cannot reach the local runtime at ${this.baseUrl} — is \`npm start\` (q2c serve) running?`,
      );
    }
  }

  private async get<T>(path: string): Promise<T> {
    const res = await this.send(path);
    if (!res.ok) throw new Error(await failure(`GET ${path}`, res));
    return (await res.json()) as T;
  }

  /** A run the runtime carries out and reports (any status but a 4xx, whose message is thrown). */
  private async post<T>(path: string, body: unknown): Promise<T> {
    const res = await this.send(path, {
      method: 'POST',
      headers: this.actionHeaders(),
      body: JSON.stringify(body),
    });
    const text = await res.text();
    const answer = parseJson(text) as (T & { error?: unknown; status?: unknown }) | undefined;
    // A refused request (400) or any answer that is not the run's own record: the server's reason.
    const isRecord = typeof answer?.status === 'string';
    if (res.status === 400 || res.status === 404 || (!res.ok && !isRecord))
      throw new Error(reasonOf(`POST ${path}`, res, text));
    return answer as T;
  }

  trialBalance() {
    return this.get<{
      accounts: TrialBalanceRowJson[];
      bySubsidiary: { subsidiary: string; accounts: TrialBalanceRowJson[] }[];
      unbalancedCurrencies: string[];
    }>('/ops/trial-balance');
  }
  /** The journal, or the entries a filter selects (local/journal-filter.ts). */
  journal(filter: JournalFilter = {}) {
    const query = new URLSearchParams(
      Object.entries(filter).filter((kv): kv is [string, string] => typeof kv[1] === 'string'),
    ).toString();
    return this.get<{ entries: RecordedEntry[] }>(`/ops/journal${query ? `?${query}` : ''}`);
  }
  queues() {
    return this.get<{ queues: QueueView[] }>('/ops/queues');
  }
  events() {
    return this.get<{ received: number; unhandled: number; events: ArchivedEvent[] }>('/ops/events');
  }
  revenue(period: string) {
    return this.get<{ period: string; waterfall: WaterfallRowJson[] }>(
      `/ops/revenue?period=${encodeURIComponent(period)}`,
    );
  }
  /** Runs month-end close for a period and waits for it (a failed run is a record, not an error). */
  close(period: string): Promise<ExecutionRecord> {
    return this.post<ExecutionRecord>('/ops/close', { period });
  }
  status() {
    return this.get<StatusView>('/ops/metrics');
  }
  /** Runs the reconciliation flow for a period and waits for its report. */
  reconcile(period: string): Promise<LocalReconciliation> {
    return this.post<LocalReconciliation>('/ops/reconcile', { period });
  }
  /** The ledger's audit of its own invariants (GET: a read, no ops token needed). */
  verify(period?: string) {
    return this.get<LedgerVerification>(
      period ? `/ops/verify?period=${encodeURIComponent(period)}` : '/ops/verify',
    );
  }
  /** Moves one parked exception to the audited archive (a 404 or 400 is thrown with the server's reason). */
  discardException(messageId: string, reason: string, by?: string) {
    return this.post<{ discarded: DiscardedException; archive: string }>('/ops/exceptions/discard', {
      messageId,
      reason,
      by,
    });
  }
  discardedExceptions() {
    return this.get<{ discarded: DiscardedException[] }>('/ops/exceptions/archive');
  }
  health() {
    return this.get<{ status: string; executions: ExecutionStats }>('/ops/health');
  }
  /** Where the local emulators listen (SQS, EventBridge, DynamoDB) and the state machines. */
  endpoints() {
    return this.get<LocalEndpoints>('/ops/endpoints');
  }
  /** Finished executions (the runtime logs each when it ends). */
  executions() {
    return this.get<{ executions: (LoggedExecution & { redriven: boolean })[] }>('/ops/executions');
  }
}
