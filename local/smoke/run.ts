/**
 * `q2c smoke`: one signed event followed hop by hop — API → bus archive → execution → ERP posting →
 * crosswalk — then its void followed to its reversing posting, so the books net to zero. Each hop is
 * polled until it answers or its deadline passes; its status and its latency since the event was sent
 * are printed; the first hop that fails stops the run and is named in the result (the CLI exits 1).
 */
import { randomUUID } from 'node:crypto';
import type { MappingConfig } from '../../lambdas/domain/config';
import { signStripePayload } from '../webhook-client';
import { smokeEvents, type SmokeEvents } from './smoke-events';

export const HOPS = ['api', 'bus archive', 'execution', 'erp posting', 'crosswalk'] as const;
export type HopName = (typeof HOPS)[number] | 'reversal api' | 'reversal posting';

/** One poll of a hop: done (with what was seen), failed (with why), or not yet. */
export type HopCheck =
  { state: 'ok'; detail: string } | { state: 'failed'; detail: string } | { state: 'pending' };

/** What a smoke run needs from where it runs (the local runtime, or a deployed stack). */
export interface SmokeTarget {
  readonly name: string;
  /** The webhook endpoint's signing secret (AWS: from Secrets Manager). */
  signingSecret(): Promise<string>;
  webhookUrl(): string;
  archived(eventId: string): Promise<HopCheck>;
  execution(events: SmokeEvents, eventId: string): Promise<HopCheck>;
  /** The ledger entry (erp ledger) or, for NetSuite, the crosswalk link naming the ERP record. */
  posting(entryId: string, link: { sourceRef: string; target: string }): Promise<HopCheck>;
  crosswalk(sourceRef: string, target: string): Promise<HopCheck>;
  close(): void;
}

export interface HopResult {
  hop: HopName;
  ok: boolean;
  detail: string;
  latencyMs: number;
}

export interface SmokeReport {
  runId: string;
  eventId: string;
  invoiceId: string;
  hops: HopResult[];
  /** The first hop that failed, if any. */
  failedHop?: HopName;
}

export interface SmokeOptions {
  mapping: MappingConfig;
  livemode: boolean;
  /** Per-hop deadline (ms). */
  timeoutMs: number;
  pollMs: number;
  onHop?: (result: HopResult) => void;
  now?: () => Date;
}

export async function runSmoke(target: SmokeTarget, opts: SmokeOptions): Promise<SmokeReport> {
  const now = opts.now ?? (() => new Date());
  const runId = `${now()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomUUID().slice(0, 8)}`;
  const events = smokeEvents({ runId, now: now(), livemode: opts.livemode, mapping: opts.mapping });
  const report: SmokeReport = {
    runId,
    eventId: events.finalized.id,
    invoiceId: events.invoiceId,
    hops: [],
  };
  const secret = await target.signingSecret();
  let sentAt = Date.now();

  const record = (hop: HopName, ok: boolean, detail: string): boolean => {
    const result = { hop, ok, detail, latencyMs: Date.now() - sentAt };
    report.hops.push(result);
    opts.onHop?.(result);
    if (!ok) report.failedHop ??= hop;
    return ok;
  };
  const poll = async (hop: HopName, check: () => Promise<HopCheck>): Promise<boolean> => {
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      let answer: HopCheck;
      try {
        answer = await check();
      } catch (err) {
        answer = { state: 'failed', detail: err instanceof Error ? err.message : String(err) };
      }
      if (answer.state !== 'pending') return record(hop, answer.state === 'ok', answer.detail);
      if (Date.now() >= deadline) return record(hop, false, `not seen within ${opts.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, opts.pollMs));
    }
  };
  const send = async (hop: HopName, event: { id: string }): Promise<boolean> => {
    const payload = JSON.stringify(event);
    sentAt = Date.now();
    try {
      const res = await fetch(target.webhookUrl(), {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signStripePayload(payload, secret),
          'user-agent': 'q2c-smoke (Stripe/1.0 compatible)',
        },
        body: payload,
      });
      const text = await res.text();
      return record(hop, res.status === 200, `HTTP ${res.status} ${text.slice(0, 200)}`);
    } catch (err) {
      return record(
        hop,
        false,
        `cannot reach ${target.webhookUrl()}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };

  const steps: (() => Promise<boolean>)[] = [
    () => send('api', events.finalized),
    () => poll('bus archive', () => target.archived(events.finalized.id)),
    () => poll('execution', () => target.execution(events, events.finalized.id)),
    () => poll('erp posting', () => target.posting(events.invoiceEntryId, events.crosswalk)),
    () => poll('crosswalk', () => target.crosswalk(events.crosswalk.sourceRef, events.crosswalk.target)),
    // Leave nothing in the books: void the smoke invoice and follow the reversal to its posting.
    () => send('reversal api', events.voided),
    () =>
      poll('reversal posting', () =>
        target.posting(events.voidEntryId, { ...events.crosswalk, target: 'erp:invoice_void' }),
      ),
  ];
  for (const step of steps) if (!(await step())) break;
  return report;
}

export function hopLine(r: HopResult): string {
  return `  ${r.ok ? 'ok  ' : 'FAIL'}  ${r.hop.padEnd(17)} ${String(r.latencyMs).padStart(6)} ms  ${r.detail}`;
}
