/**
 * `q2c replay`: the operator's re-drive of parked work, the same against AWS and the local runtime
 * (the target decides where, local/replay/targets.ts). Modes:
 *   --from dlq|exceptions      re-publish parked messages; each deleted only after its re-publish succeeded
 *                              (the Salesforce Event Relay DLQ: re-invoke the relay function instead)
 *   --archive --since --until  re-deliver the bus archive's events of a window (EventBridge StartReplay)
 *   --executions failed        Standard flows: RedriveExecution (locally: re-run from the stored input);
 *                              Express flows: re-start from the stored input their park carries
 * Safe to repeat: every posting is idempotent (Powertools idempotency + one conditional write per
 * document key), so a replayed event that was already posted posts nothing new.
 */
import Table from 'cli-table3';
import { redriveQueue, type SelectedMessage } from '../../lambdas/adapters/replay/queue-redrive';
import { type ReplayFilter, ReplayTally } from '../../lambdas/domain/replay';
import {
  PARTNER_RULES,
  type PartnerRuleDef,
  RULES,
  STATE_MACHINES,
  type QueueKey,
  type RuleDef,
} from '../../lib/topology';
import { machineKeyOf } from './machines';
import type { FollowedMessage } from './outcomes';
import type { ArchiveReplayResult, ReplayTarget } from './targets';

export type ReplayRequest =
  | { kind: 'queue'; from: 'dlq' | 'exceptions'; filter: ReplayFilter; dryRun: boolean }
  | { kind: 'archive'; since: Date; until: Date; dryRun: boolean }
  | { kind: 'executions'; filter: ReplayFilter; dryRun: boolean };

/** One parked message a replay selected, named by its source id as `q2c queues` names it. */
export interface ReplayedMessage {
  queue: QueueKey;
  messageId: string;
  eventType: string | null;
  /** The source's own id: evt_… (Stripe), sf:om:… / sf:flow:… (Salesforce), else the correlation id. */
  sourceId: string | null;
  parkedReason: string;
  outcome: SelectedMessage['outcome'];
  detail?: string;
}

export interface ReplayReport {
  target: string;
  request: string;
  tally: ReplayTally;
  /** Every message selected (replayed, skipped or failed), in scan order. */
  messages: ReplayedMessage[];
  archive?: ArchiveReplayResult;
}

export interface Progress {
  update(done: number, total: number, label?: string): void;
  finish(): void;
}

/** The dead-letter queues of the bus rules (events EventBridge could not deliver to a flow). */
export const RULE_DEAD_LETTER_QUEUES: QueueKey[] = [
  ...new Set((Object.values(RULES) as RuleDef[]).map((r) => r.deadLetterQueue)),
];

/**
 * The dead-letter queues of the partner-bus rules, with the function each rule targets. A partner event
 * bus takes no PutEvents from an account (only its SaaS partner puts events on it), so these dead
 * letters are re-driven by invoking the target function with the partner event, as EventBridge would.
 */
export const PARTNER_DEAD_LETTER_QUEUES: { queue: QueueKey; targetFunction: string }[] = (
  Object.values(PARTNER_RULES) as PartnerRuleDef[]
).map((r) => ({ queue: r.deadLetterQueue, targetFunction: r.targetFunction }));

export async function runReplay(
  target: ReplayTarget,
  request: ReplayRequest,
  progress: Progress = silentProgress,
): Promise<ReplayReport> {
  const tally = new ReplayTally();
  const report: ReplayReport = { target: target.name, request: describe(request), tally, messages: [] };
  const record =
    (queue: QueueKey) =>
    ({ messageId, parked, outcome, detail }: SelectedMessage) =>
      report.messages.push({
        queue,
        messageId,
        eventType: parked.eventType,
        sourceId: parked.sourceEventId ?? parked.correlationId,
        parkedReason: `${parked.classification}: ${parked.reason}`,
        outcome,
        detail,
      });
  if (request.kind === 'queue') {
    const queues: QueueKey[] = request.from === 'dlq' ? RULE_DEAD_LETTER_QUEUES : ['exceptions'];
    for (const q of queues) {
      tally.merge(
        await redriveQueue({
          sqs: target.sqs,
          queueUrl: target.queueUrl(q),
          sink: target,
          markers: target.markers,
          mode: 'republish',
          filter: request.filter,
          dryRun: request.dryRun,
          onSelected: record(q),
          onProgress: (done, total) => progress.update(done, total, q),
        }),
      );
    }
    if (request.from === 'dlq') {
      for (const { queue, targetFunction } of PARTNER_DEAD_LETTER_QUEUES) {
        tally.merge(
          await redriveQueue({
            sqs: target.sqs,
            queueUrl: target.queueUrl(queue),
            sink: target,
            reinvoke: targetFunction,
            filter: request.filter,
            dryRun: request.dryRun,
            onSelected: record(queue),
            onProgress: (done, total) => progress.update(done, total, queue),
          }),
        );
      }
    }
  } else if (request.kind === 'archive') {
    if (request.dryRun) {
      tally.add('skipped', 'archive window', 'dry run — would start an archive replay of the window');
    } else {
      report.archive = await target.replayArchive(request.since, request.until, (f) =>
        progress.update(Math.round(f * 100), 100, 'archive'),
      );
      const a = report.archive;
      if (a.state !== 'COMPLETED')
        tally.add('failed', 'archive window', `${a.replayName}: ${a.state} ${a.reason ?? ''}`);
      else if (a.replayed === undefined) tally.add('replayed', 'archive window');
      else {
        for (let i = 0; i < a.replayed; i++) tally.add('replayed', 'archive: routed to a flow');
        for (let i = 0; i < (a.unmatched ?? 0); i++) tally.add('skipped', 'archive: no rule matches');
        if (a.notStored) {
          for (let i = 0; i < a.notStored; i++) tally.add('skipped', 'archive: event not stored');
          tally.notes.push(
            `${a.notStored} events were logged before whole events were kept and cannot be replayed`,
          );
        }
      }
    }
  } else {
    const failed = await target.failedStandardExecutions();
    let done = 0;
    for (const execution of failed) {
      const label = `${STATE_MACHINES[execution.stateMachine].id}: ${execution.error}`;
      if (request.dryRun) tally.add('skipped', label, `dry run — would redrive ${execution.executionArn}`);
      else {
        try {
          await target.redrive(execution);
          tally.add('replayed', label);
        } catch (err) {
          tally.add('failed', label, `${execution.executionArn}: ${(err as Error).message}`);
        }
      }
      progress.update(++done, failed.length, 'standard executions');
    }
    // Express executions keep no history to redrive: every failed one parked its input on the
    // exception queue (Catch → Park…), from where it is re-started on the same state machine.
    tally.merge(
      await redriveQueue({
        sqs: target.sqs,
        queueUrl: target.queueUrl('exceptions'),
        sink: target,
        markers: target.markers,
        mode: 'restart',
        filter: request.filter,
        dryRun: request.dryRun,
        select: ({ stateMachine }) => {
          const key = stateMachine ? machineKeyOf(stateMachine) : undefined;
          return key !== undefined && STATE_MACHINES[key].type === 'EXPRESS';
        },
        onSelected: record('exceptions'),
        onProgress: (d, total) => progress.update(d, total, 'express executions'),
      }),
    );
  }
  progress.finish();
  return report;
}

function describe(request: ReplayRequest): string {
  const dry = request.dryRun ? ' (dry run)' : '';
  if (request.kind === 'archive')
    return `archive ${request.since.toISOString()} … ${request.until.toISOString()}${dry}`;
  const filters = [
    request.filter.reason ? `reason ${request.filter.reason}` : '',
    request.filter.eventType ? `event type ${request.filter.eventType}` : '',
  ].filter(Boolean);
  const what = request.kind === 'queue' ? `from ${request.from}` : 'failed executions';
  return `${what}${filters.length ? ` (${filters.join(', ')})` : ''}${dry}`;
}

export const silentProgress: Progress = { update: () => undefined, finish: () => undefined };

/**
 * A one-line progress bar on a TTY (redrawn in place); elsewhere (CI logs, pipes) a line per
 * quarter, so logs stay short.
 */
export function lineProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  let lastQuarter = -1;
  let drawn = false;
  return {
    update(done, total, label = '') {
      const t = Math.max(total, done, 1);
      const fraction = done / t;
      if (stream.isTTY) {
        const width = 24;
        const filled = Math.round(fraction * width);
        stream.write(
          `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${t} ${label}`.padEnd(72),
        );
        drawn = true;
      } else {
        const quarter = Math.floor(fraction * 4);
        if (quarter !== lastQuarter && done > 0) {
          lastQuarter = quarter;
          stream.write(`replay: ${done}/${t} ${label}\n`);
        }
      }
    },
    finish() {
      if (drawn && stream.isTTY) stream.write('\n');
    },
  };
}

export function summaryTable(report: ReplayReport): string {
  const table = new Table({
    head: ['Reason', 'Replayed', 'Skipped', 'Failed'],
    style: { head: [], border: [] },
    colAligns: ['left', 'right', 'right', 'right'],
  });
  for (const r of report.tally.rows()) table.push([r.reason, r.replayed, r.skipped, r.failed]);
  const t = report.tally.totals();
  table.push(['Total', t.replayed, t.skipped, t.failed]);
  const lines = [`Replay ${report.request} on ${report.target}`, table.toString()];
  if (report.archive)
    lines.push(
      `Archive replay ${report.archive.replayName}: ${report.archive.state} ${report.archive.reason ?? ''}`.trim(),
    );
  if (report.tally.notes.length) lines.push(...report.tally.notes.map((n) => `  · ${n}`));
  return lines.join('\n');
}

/**
 * The replay event by event, by source id as `q2c queues` shows them: a dry run lists what would be
 * replayed; a replay whose outcomes were followed says where each ended.
 */
export function eventsTable(
  messages: readonly ReplayedMessage[],
  followed?: readonly FollowedMessage[],
): string {
  if (messages.length === 0) return 'No parked message matched.';
  const table = new Table({
    head: ['Event', 'Source id', followed ? 'Outcome' : 'Replay', followed ? 'Why' : 'Parked for'],
    style: { head: [], border: [] },
    colWidths: [30, 34, 18, 70],
    wordWrap: true,
  });
  for (const [i, m] of messages.entries()) {
    const f = followed?.[i];
    table.push([
      m.eventType ?? '?',
      m.sourceId ?? m.messageId,
      f ? f.result : m.outcome === 'skipped' && m.detail?.startsWith('dry run') ? 'would replay' : m.outcome,
      f ? f.because : m.parkedReason,
    ]);
  }
  const lines = [table.toString()];
  if (followed) {
    const counts = new Map<string, number>();
    for (const f of followed) counts.set(f.result, (counts.get(f.result) ?? 0) + 1);
    lines.push(`Outcomes: ${[...counts].map(([k, n]) => `${k} ${n}`).join(' · ')}`);
  }
  return lines.join('\n');
}
