#!/usr/bin/env node
/**
 * q2c — the quote-to-cash command line.
 *   q2c serve [--port 4242] [--data-dir .q2c] [--no-demo]   run the local runtime (npm start)
 *   q2c trial-balance [--json]                               print the trial balance of a running runtime
 *   q2c journal [--json]                                     print the journal
 *   q2c queues [--json]                                      print parked exceptions and dead letters
 *   q2c reconcile --period YYYY-MM[-DD] [--json]             billing vs ERP; the report goes to the data dir
 *   q2c status [--json]                                      print business metrics, latency and backlog
 *   q2c smoke [--target local|aws] [--stack <name>]          follow one event hop by hop (exit 1: failed hop)
 */
import { Command, Option } from 'commander';
import { OpsClient } from './ops-client';
import { journalTable, queuesTable, statusTable, trialBalanceTable, waterfallTable } from './report';
import { DEFAULT_DATA_DIR, DEFAULT_MAX_CONCURRENT_EXECUTIONS, DEFAULT_PORT } from './defaults';
import { runDemo } from './demo';
import { reconciliationTable } from './reconciliation-report';
import type { ReconciliationSummary } from '../lambdas/domain/reconciliation/report';
import { replayCommand } from './replay/command';
import { smokeCommand } from './smoke/command';
import { startLocalRuntime } from './runtime';

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
      const print = (line: string) => process.stdout.write(line + '\n');
      print(`Quote-to-cash local runtime listening on ${runtime.url}`);
      print(
        `  POST ${runtime.url}/webhooks/stripe   Stripe webhooks (signing secret: ${runtime.webhookSecret})`,
      );
      print(
        `  GET  ${runtime.url}/ops/trial-balance | /ops/journal | /ops/queues | /ops/events | /ops/health`,
      );
      print(`  data dir: ${runtime.dataDir}`);
      if (opts.demo) {
        print('');
        await runDemo(runtime, print);
      }
      print('');
      print(
        `Ready. Send more events (e.g. stripe listen --forward-to ${runtime.url}/webhooks/stripe); Ctrl-C to stop.`,
      );
      const shutdown = () => {
        void runtime.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
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
program.addCommand(smokeCommand(urlOption()));

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`q2c: ${(err as Error).message}`);
  process.exit(1);
});
