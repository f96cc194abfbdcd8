/** A tiny client for the local ops API, used by the CLI and the demo. */
import type { RecordedEntry } from '../lambdas/adapters/erp/ledger/ledger-adapter';
import type { TrialBalanceRow } from '../lambdas/domain/accounting/trial-balance';
import type { ArchivedEvent } from './bus/local-event-bus';
import type { QueueView, StatusView } from './report';
import type { WaterfallRow } from '../lambdas/domain/revenue/waterfall';
import type { ExecutionStats } from './runtime';
import type { ExecutionRecord } from './stepfunctions';
import type { LocalReconciliation } from './reconciliation';

export class OpsClient {
  constructor(private readonly baseUrl: string) {}

  private async get<T>(path: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl));
    } catch {
      throw new Error(
        `cannot reach the local runtime at ${this.baseUrl} — is \`npm start\` (q2c serve) running?`,
      );
    }
    if (!res.ok) throw new Error(`GET ${path} → ${res.status}`);
    return (await res.json()) as T;
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
  async close(period: string): Promise<ExecutionRecord> {
    let res: Response;
    try {
      res = await fetch(new URL('/ops/close', this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ period }),
      });
    } catch {
      throw new Error(
        `cannot reach the local runtime at ${this.baseUrl} — is \`npm start\` (q2c serve) running?`,
      );
    }
    const body = (await res.json()) as ExecutionRecord & { error?: { message: string } };
    if (res.status === 400) throw new Error(body.error?.message ?? 'bad request');
    return body;
  }
  status() {
    return this.get<StatusView>('/ops/metrics');
  }
  /** Runs the reconciliation flow for a period and waits for its report. */
  async reconcile(period: string): Promise<LocalReconciliation> {
    let res: Response;
    try {
      res = await fetch(new URL('/ops/reconcile', this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ period }),
      });
    } catch {
      throw new Error(
        `cannot reach the local runtime at ${this.baseUrl} — is \`npm start\` (q2c serve) running?`,
      );
    }
    const body = (await res.json()) as LocalReconciliation & { error?: { message: string } };
    if (res.status === 400) throw new Error(body.error?.message ?? 'bad request');
    return body;
  }
  health() {
    return this.get<{ status: string; executions: ExecutionStats }>('/ops/health');
  }
}
