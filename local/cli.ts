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
import { reconciliationTable } from './reconciliation-report';
import type { ReconciliationSummary } from '../lambdas/domain/reconciliation/report';
import { replayCommand } from './replay/command';
import type { ServeOptions } from './serve';

const program = new Command('q2c').description('Quote-to-cash integration: local runtime and operations');

program
  .command('serve')
  .description('Run the embedded local runtime (webhooks, bus, state machines, ledger) and the demo')
  .option('-p, --port <port>', 'HTTP port (0 = any free port)', String(DEFAULT_PORT))
  .addOption(
    new Option('--host <host>', 'loopback interface to listen on (never the network)')
      .choices(['127.0.0.1', '::1'])
      .default('127.0.0.1'),
  )
  .option('-d, --data-dir <dir>', 'where DynamoDB, queues and the event log persist', DEFAULT_DATA_DIR)
  .option('--no-demo', 'do not replay the bundled demo scenario')
  .option('--enable-fault-injection', 'serve the fault-injection routes (/ops/*/fault*) for test drills')
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
  .action(async (opts: ServeOptions) => {
    // Loaded only to serve: the read commands never load the runtime (see bin/cli-bundle.cjs).
    const { serve } = await import('./serve');
    await serve(opts);
  });

const urlOption = () =>
  new Option('--url <url>', 'base URL of the running local runtime')
    .env('Q2C_URL')
    .default(`http://127.0.0.1:${DEFAULT_PORT}`);
/** Where the runtime keeps its ops token (<data-dir>/ops.token), which operator actions send. */
const dataDirOption = () =>
  new Option('-d, --data-dir <dir>', 'data dir of the running runtime (its ops.token authorises actions)')
    .env('Q2C_DATA_DIR')
    .default(DEFAULT_DATA_DIR);

program
  .command('trial-balance')
  .description('Print the trial balance (debits and credits per account and currency)')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(async (opts: { json?: boolean; url: string; dataDir: string }) => {
    const tb = await new OpsClient(opts.url, opts.dataDir).trialBalance();
    console.log(opts.json ? JSON.stringify(tb, null, 2) : trialBalanceTable(tb.accounts));
  });

program
  .command('journal')
  .description('Print the journal entries with their source event and correlation ids')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(async (opts: { json?: boolean; url: string; dataDir: string }) => {
    const journal = await new OpsClient(opts.url, opts.dataDir).journal();
    console.log(opts.json ? JSON.stringify(journal, null, 2) : journalTable(journal.entries));
  });

program
  .command('queues')
  .description('Print the exception queue and dead-letter queue with classified reasons')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(async (opts: { json?: boolean; url: string; dataDir: string }) => {
    const q = await new OpsClient(opts.url, opts.dataDir).queues();
    console.log(opts.json ? JSON.stringify(q, null, 2) : queuesTable(q.queues));
  });

program
  .command('close')
  .description('Run month-end close for a period: release deferred revenue, then close the period')
  .requiredOption('--period <YYYY-MM>', 'the period to close ("previous" = last month)')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(async (opts: { period: string; json?: boolean; url: string; dataDir: string }) => {
    const ops = new OpsClient(opts.url, opts.dataDir);
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
  .addOption(dataDirOption())
  .action(async (opts: { json?: boolean; url: string; dataDir: string }) => {
    const status = await new OpsClient(opts.url, opts.dataDir).status();
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
  .addOption(dataDirOption())
  .action(async (opts: { period: string; json?: boolean; url: string; dataDir: string }) => {
    const record = await new OpsClient(opts.url, opts.dataDir).reconcile(opts.period);
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
  .addOption(dataDirOption())
  .action(async (opts: { period: string; json?: boolean; url: string; dataDir: string }) => {
    const r = await new OpsClient(opts.url, opts.dataDir).revenue(opts.period);
    console.log(opts.json ? JSON.stringify(r, null, 2) : waterfallTable(r.period, r.waterfall));
  });

program.addCommand(replayCommand(urlOption(), dataDirOption()));

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`q2c: ${(err as Error).message}`);
  process.exit(1);
});
