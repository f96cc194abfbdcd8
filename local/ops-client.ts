/** A tiny client for the local ops API, used by the CLI and the demo. */
import type { RecordedEntry } from '../lambdas/adapters/erp/ledger/ledger-adapter';
import type { TrialBalanceRow } from '../lambdas/domain/accounting/trial-balance';
import type { ArchivedEvent } from './bus/local-event-bus';
import type { QueueView, StatusView } from './report';
import type { WaterfallRow } from '../lambdas/domain/revenue/waterfall';
import type { ExecutionStats } from './runtime';
import type { ExecutionRecord } from './stepfunctions';
import type { LocalReconciliation } from './reconciliation';
import { readOpsToken } from './ops-token';

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
    if (!res.ok) throw new Error(`GET ${path} → ${res.status}`);
    return (await res.json()) as T;
  }

  /** A run the runtime carries out and reports (any status but a 4xx, whose message is thrown). */
  private async post<T>(path: string, body: unknown): Promise<T> {
    const res = await this.send(path, {
      method: 'POST',
      headers: this.actionHeaders(),
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as T & { error?: { message: string } };
    if (res.status >= 400 && res.status < 500)
      throw new Error(answer.error?.message ?? `POST ${path} → ${res.status}`);
    return answer;
  }

  trialBalance() {
    return this.get<{ accounts: TrialBalanceRow[]; unbalancedCurrencies: string[] }>('/ops/trial-balance');
  }
  journal() {
    return this.get<{ entries: RecordedEntry[] }>('/ops/journal');
  }
  queues() {
    return this.get<{ queues: QueueView[] }>('/ops/queues');
  }
  events() {
    return this.get<{ received: number; unhandled: number; events: ArchivedEvent[] }>('/ops/events');
  }
  revenue(period: string) {
    return this.get<{ period: string; waterfall: WaterfallRow[] }>(
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
  health() {
    return this.get<{ status: string; executions: ExecutionStats }>('/ops/health');
  }
}
