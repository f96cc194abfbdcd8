/** The `q2c replay` subcommand (options → request → target → summary). */
import { Command, Option } from 'commander';
import { DEFAULT_DATA_DIR } from '../defaults';
import { instantMs } from '../../lambdas/domain/revenue/periods';
import type { ReplayRequest } from './run';

interface ReplayOptions {
  from?: 'dlq' | 'exceptions';
  archive?: boolean;
  since?: string;
  until?: string;
  executions?: 'failed';
  reason?: string;
  eventType?: string;
  dryRun?: boolean;
  target: 'local' | 'aws';
  stack?: string;
  region?: string;
  url: string;
  /** The local runtime's data dir (its ops token); commander gives the default. */
  dataDir?: string;
  json?: boolean;
}

export function parseReplayRequest(opts: ReplayOptions): ReplayRequest {
  const modes = [opts.from !== undefined, opts.archive === true, opts.executions !== undefined].filter(
    Boolean,
  );
  if (modes.length !== 1)
    throw new Error('give exactly one of --from dlq|exceptions, --archive, --executions failed');
  const filter = { reason: opts.reason, eventType: opts.eventType };
  const dryRun = opts.dryRun === true;
  if (opts.from) return { kind: 'queue', from: opts.from, filter, dryRun };
  if (opts.executions) return { kind: 'executions', filter, dryRun };
  if (opts.since === undefined) throw new Error(`--archive needs --since <time>: ${TIME_FORMATS}`);
  const since = archiveTime('--since', opts.since);
  const until = opts.until === undefined ? new Date() : archiveTime('--until', opts.until);
  if (until <= since) throw new Error('--until must be after --since');
  return { kind: 'archive', since, until, dryRun };
}

const TIME_FORMATS =
  'give an ISO 8601 date (2026-11-30, midnight UTC) or a time with its zone (2026-11-30T08:00:00Z, 2026-11-30T09:00:00+01:00)';

/** A window bound: a zone-less time would be read in this machine's zone, so it is refused too. */
function archiveTime(flag: string, value: string): Date {
  try {
    return new Date(instantMs(value));
  } catch {
    throw new Error(`${flag} "${value}" is not a time: ${TIME_FORMATS}`);
  }
}

export function replayCommand(urlOption: Option, dataDirOption: Option): Command {
  return new Command('replay')
    .description(
      'Re-drive parked work: dead letters or exceptions (deleted only after a successful re-publish), ' +
        'an archive window, or failed executions. Safe to repeat: postings are idempotent.',
    )
    .addOption(
      new Option('--from <queue>', 're-publish the messages of a queue').choices(['dlq', 'exceptions']),
    )
    .option('--archive', 're-deliver the bus archive of a time window (--since, --until)')
    .option(
      '--since <time>',
      'archive window start (ISO 8601 date or time with zone, e.g. 2026-11-30T08:00:00Z)',
    )
    .option('--until <time>', 'archive window end, exclusive (same formats; default now)')
    .addOption(
      new Option(
        '--executions <status>',
        'redrive (Standard) / re-start (Express) failed executions',
      ).choices(['failed']),
    )
    .option(
      '--reason <reason>',
      'only messages of this classification (business, technical, dependency-outage, rate-limited) or reason word',
    )
    .option('--event-type <type>', 'only events of this detail-type (e.g. invoice.finalized)')
    .option('--dry-run', 'show what would be replayed; change nothing')
    .addOption(new Option('--target <target>', 'where').choices(['local', 'aws']).default('local'))
    .option('--stack <name>', 'CloudFormation stack name (with --target aws)')
    .option('--region <region>', 'AWS region (default: the SDK default chain)')
    .option('--json', 'print JSON')
    .addOption(urlOption)
    .addOption(dataDirOption)
    .action(async (opts: ReplayOptions) => {
      const request = parseReplayRequest(opts);
      if (opts.target === 'aws' && !opts.stack) throw new Error('--target aws needs --stack <name>');
      // Loaded when replaying only: the AWS SDK clients would slow every other q2c command.
      const { awsClients, awsTarget, localTarget } = await import('./targets');
      const { eventsTable, lineProgress, runReplay, summaryTable } = await import('./run');
      const { followLocally } = await import('./outcomes');
      const { OpsClient } = await import('../ops-client');
      const target =
        opts.target === 'aws'
          ? await awsTarget(opts.stack as string, awsClients(opts.region))
          : await localTarget(opts.url, opts.dataDir ?? DEFAULT_DATA_DIR);
      try {
        const sinceMs = Date.now();
        const report = await runReplay(target, request, opts.json ? undefined : lineProgress());
        // Follow each replayed event to its end (locally: once the runtime's executions settle).
        const replayed = report.messages.some((m) => m.outcome === 'replayed');
        const followed =
          replayed && opts.target === 'local'
            ? await followLocally(
                new OpsClient(opts.url, opts.dataDir ?? DEFAULT_DATA_DIR),
                report.messages,
                sinceMs,
                waitingProgress(opts.json),
              )
            : undefined;
        if (opts.json)
          console.log(
            JSON.stringify({ ...report, tally: report.tally.toJSON(), outcomes: followed }, null, 2),
          );
        else {
          console.log(summaryTable(report));
          if (report.messages.length) console.log(eventsTable(report.messages, followed));
          if (replayed && !followed)
            console.log(
              '  · outcomes are not followed in AWS: watch the exception queue (q2c queues) and the ERP postings',
            );
        }
        const parkedAgain = followed?.some((f) => f.result === 'parked again') ?? false;
        if (report.tally.totals().failed > 0 || parkedAgain) process.exitCode = 1;
      } finally {
        target.close();
      }
    });
}

/** While replayed work runs: a line every few seconds (no silent gaps), redrawn in place on a TTY. */
function waitingProgress(json: boolean | undefined, stream: NodeJS.WriteStream = process.stderr) {
  let lastLine = -Infinity;
  return (inFlight: number, waitedMs: number) => {
    if (json) return;
    const line = `replay: following the replayed events — ${inFlight} execution${inFlight === 1 ? '' : 's'} running (${Math.round(waitedMs / 1000)} s)`;
    if (stream.isTTY) stream.write(`\r${line}`.padEnd(80) + (inFlight === 0 ? '\n' : ''));
    else if (waitedMs - lastLine >= 2000) {
      lastLine = waitedMs;
      stream.write(`${line}\n`);
    }
  };
}
