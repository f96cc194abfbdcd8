#!/usr/bin/env node
/**
 * q2c — the quote-to-cash command line.
 *   q2c serve [--port 4242] [--data-dir .q2c] [--no-demo]   run the local runtime (npm start)
 *   q2c trial-balance [--json]                               print the trial balance of a running runtime
 *   q2c journal [--json]                                     print the journal
 *   q2c queues [--json]                                      print parked exceptions and dead letters
 *   q2c reconcile --period YYYY-MM[-DD] [--json]             billing vs ERP; the report goes to the data dir
 *   q2c status [--json]                                      print business metrics, latency and backlog
 */
import { Command, Option } from 'commander';
import { OpsClient } from './ops-client';
import { journalTable, queuesTable, statusTable, trialBalanceTable, waterfallTable } from './report';
import { DEFAULT_DATA_DIR, DEFAULT_MAX_CONCURRENT_EXECUTIONS, DEFAULT_PORT } from './defaults';
import { runDemo } from './demo';
import { reconciliationTable } from './reconciliation-report';
import type { ReconciliationSummary } from '../lambdas/domain/reconciliation/report';
import { replayCommand } from './replay/command';
import { releaseDataDir } from './data-dir-lock';
import { startLocalRuntime, type LocalRuntime } from './runtime';

/** How long Ctrl-C lets in-flight executions finish before the runtime stops under them. */
const SHUTDOWN_GRACE_MS = 3_000;
/** Signals this close to the first are copies of the same Ctrl-C (terminal group, npm and tsx relaying it). */
const REPEATED_SIGNAL_MS = 1_000;

const program = new Command('q2c').description('Quote-to-cash integration: local runtime and operations');

program
  .command('serve')
  .description('Run the embedded local runtime (webhooks, bus, state machines, ledger) and the demo')
  .option('-p, --port <port>', 'HTTP port (0 = any free port)', String(DEFAULT_PORT))
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('-d, --data-dir <dir>', 'where DynamoDB, queues and the event log persist', DEFAULT_DATA_DIR)
  .option('--no-demo', 'do not replay the bundled demo scenario')
  .addOption(
    new Option('--erp <target>', 'where postings go').choices(['ledger', 'netsuite']).default('ledger'),
  )
  .addOption(
    new Option(
      '--log-level <level>',
      'Powertools log level of the handlers (default: POWERTOOLS_LOG_LEVEL or WARN)',
    ).default(process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN'),
  )
  .addOption(new Option('--retry-interval-ms <ms>', 'override state machine retry intervals').hideHelp())
  .addOption(
    new Option(
      '--drain-interval-ms <ms>',
      'how often parked dependency-outage (and, paced, rate-limited) work is re-driven',
    ).default('30000'),
  )
  .addOption(
    new Option('--breaker-open-ms <ms>', 'override how long an open circuit refuses calls').hideHelp(),
  )
  .option(
    '--max-concurrent-executions <n>',
    'rule-started executions run at once; the rest wait their turn',
    String(DEFAULT_MAX_CONCURRENT_EXECUTIONS),
  )
  .action(
    async (opts: {
      port: string;
      host: string;
      dataDir: string;
      demo: boolean;
      logLevel: string;
      erp: 'ledger' | 'netsuite';
      retryIntervalMs?: string;
      drainIntervalMs: string;
      breakerOpenMs?: string;
      maxConcurrentExecutions: string;
    }) => {
      // Read by the handlers when they load (local runs and tests only).
      if (opts.breakerOpenMs) process.env.Q2C_BREAKER_OPEN_MS = opts.breakerOpenMs;
      // Ctrl-C is handled from the first moment (while starting, during the demo, once ready): the runtime
      // stops, in-flight work gets a few seconds, the data dir is released. Whatever did not finish is
      // re-delivered by the next start (a second Ctrl-C exits at once; that is a crash, and safe too).
      const started: { runtime?: LocalRuntime } = {};
      let stopping = false;
      const stop = (started: LocalRuntime) =>
        started.stop({ graceMs: SHUTDOWN_GRACE_MS }).then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`stopping failed: ${(err as Error).message}\n`);
            process.exit(1);
          },
        );
      let firstSignalAt = 0;
      const shutdown = (signal: NodeJS.Signals) => {
        if (stopping) {
          // Ctrl-C reaches every process of the terminal's group, and npm / tsx relay it too: copies of the
          // same keystroke arrive within moments. A second Ctrl-C after that exits at once (still unlocked).
          if (Date.now() - firstSignalAt < REPEATED_SIGNAL_MS) return;
          if (started.runtime) releaseDataDir(started.runtime.dataDir);
          process.exit(130);
        }
        stopping = true;
        firstSignalAt = Date.now();
        process.stdout.write(`\n${signal}: stopping; unfinished work is re-delivered on the next start…\n`);
        // While starting, the start's continuation stops it (the emulators and the lock are not all up yet).
        if (started.runtime) void stop(started.runtime);
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
      const runtime = await startLocalRuntime({
        port: Number(opts.port),
        host: opts.host,
        dataDir: opts.dataDir,
        logLevel: opts.logLevel,
        erp: opts.erp,
        retryIntervalMs: opts.retryIntervalMs === undefined ? undefined : Number(opts.retryIntervalMs),
        drainIntervalMs: Number(opts.drainIntervalMs),
        maxConcurrentExecutions: Number(opts.maxConcurrentExecutions),
      });
      started.runtime = runtime;
      const print = (line: string) => process.stdout.write(line + '\n');
      print(`Quote-to-cash local runtime listening on ${runtime.url}`);
      print(
        `  POST ${runtime.url}/webhooks/stripe   Stripe webhooks (signing secret: ${runtime.webhookSecret})`,
      );
      print(
        `  GET  ${runtime.url}/ops/trial-balance | /ops/journal | /ops/queues | /ops/events | /ops/health`,
      );
      print(`  data dir: ${runtime.dataDir}`);
      if (stopping) return void stop(runtime); // interrupted while starting
      if (opts.demo) {
        print('');
        try {
          await runDemo(runtime, print);
        } catch (err) {
          if (stopping) return; // the runtime went away under the demo: the shutdown exits
          throw err;
        }
      }
      if (stopping) return;
      print('');
      print(
        `Ready. Send more events (e.g. stripe listen --forward-to ${runtime.url}/webhooks/stripe); Ctrl-C to stop.`,
      );
    },
  );

const urlOption = () =>
  new Option('--url <url>', 'base URL of the running local runtime').default(
    `http://127.0.0.1:${DEFAULT_PORT}`,
  );

program
  .command('trial-balance')
  .description('Print the trial balance (debits and credits per account and currency)')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .action(async (opts: { json?: boolean; url: string }) => {
    const tb = await new OpsClient(opts.url).trialBalance();
    console.log(opts.json ? JSON.stringify(tb, null, 2) : trialBalanceTable(tb.accounts));
  });

program
  .command('journal')
  .description('Print the journal entries with their source event and correlation ids')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .action(async (opts: { json?: boolean; url: string }) => {
    const journal = await new OpsClient(opts.url).journal();
    console.log(opts.json ? JSON.stringify(journal, null, 2) : journalTable(journal.entries));
  });

program
  .command('queues')
  .description('Print the exception queue and dead-letter queue with classified reasons')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .action(async (opts: { json?: boolean; url: string }) => {
    const q = await new OpsClient(opts.url).queues();
    console.log(opts.json ? JSON.stringify(q, null, 2) : queuesTable(q.queues));
  });

program
  .command('close')
  .description('Run month-end close for a period: release deferred revenue, then close the period')
  .requiredOption('--period <YYYY-MM>', 'the period to close ("previous" = last month)')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .action(async (opts: { period: string; json?: boolean; url: string }) => {
    const ops = new OpsClient(opts.url);
    const record = await ops.close(opts.period);
    if (opts.json) return console.log(JSON.stringify(record, null, 2));
    if (record.status !== 'SUCCEEDED') {
      console.error(`Close of ${opts.period} failed: ${record.error ?? ''} ${record.cause ?? ''}`);
      process.exitCode = 1;
      return;
    }
    const summary = record.output as { period: string; scheduleLines: number; releasesPosted: number };
    console.log(
      `Closed ${summary.period}: ${summary.releasesPosted} revenue releases posted over ${summary.scheduleLines} schedule lines.`,
    );
    const { waterfall } = await ops.revenue(summary.period);
    console.log(waterfallTable(summary.period, waterfall));
  });

program
  .command('status')
  .description(
    'Print the pipeline in business terms: events, postings, amounts by currency, latency, backlog',
  )
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .action(async (opts: { json?: boolean; url: string }) => {
    const status = await new OpsClient(opts.url).status();
    console.log(opts.json ? JSON.stringify(status, null, 2) : statusTable(status));
  });

program
  .command('reconcile')
  .description(
    'Reconcile billing (Stripe) with the ERP for a period: missing postings, amount/currency/tax mismatches, ' +
      'unapplied payments, unposted refunds and credit notes, undeposited payouts, duplicates. ' +
      "A day (YYYY-MM-DD, 'yesterday') reconciles that day's billing activity only. " +
      'Exit code 2 when anything is unexplained.',
  )
  .requiredOption(
    '--period <YYYY-MM|YYYY-MM-DD>',
    'the month or day ("current", "previous" or "yesterday" also work)',
  )
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .action(async (opts: { period: string; json?: boolean; url: string }) => {
    const record = await new OpsClient(opts.url).reconcile(opts.period);
    const summary = record.output as ReconciliationSummary | undefined;
    if (opts.json) console.log(JSON.stringify(record, null, 2));
    if (record.status !== 'SUCCEEDED' || !summary) {
      if (!opts.json)
        console.error(`Reconciliation of ${opts.period} failed: ${record.error ?? ''} ${record.cause ?? ''}`);
      process.exitCode = 1;
      return;
    }
    if (!opts.json) console.log(reconciliationTable(summary, record.files));
    if (!summary.clean) process.exitCode = 2;
  });

program
  .command('revenue')
  .description(
    'Print the revenue waterfall of a period (deferred at start, billed, adjustments, recognised, deferred at end)',
  )
  .requiredOption('--period <YYYY-MM>', 'the period')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .action(async (opts: { period: string; json?: boolean; url: string }) => {
    const r = await new OpsClient(opts.url).revenue(opts.period);
    console.log(opts.json ? JSON.stringify(r, null, 2) : waterfallTable(r.period, r.waterfall));
  });

program.addCommand(replayCommand(urlOption()));

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`q2c: ${(err as Error).message}`);
  process.exit(1);
});
