#!/usr/bin/env node
/**
 * q2c — the quote-to-cash command line.
 *   q2c serve [--port 4242] [--data-dir .q2c] [--no-demo]   run the local runtime (npm start)
 *   q2c trial-balance [--json]                               print the trial balance of a running runtime
 *   q2c journal [--json]                                     print the journal
 *   q2c queues [--json]                                      print parked exceptions and dead letters
 *   q2c reconcile --period YYYY-MM[-DD] [--json]             billing vs ERP; the report goes to the data dir
 *   q2c status [--json]                                      print business metrics, latency and backlog
 *   q2c verify [--period YYYY-MM] [--json] [--target aws --stack <name>]   audit the ledger's invariants
 *   q2c smoke [--target local|aws] [--stack <name>]          follow one event hop by hop (exit 1: failed hop)
 */
import { Command, InvalidArgumentError, Option } from 'commander';
// A JSON import, not a file read at run time: it stays right wherever the CLI is bundled to.
import packageJson from '../package.json';
import { OpsClient } from './ops-client';
import { trialBalanceFromJson } from '../lambdas/domain/accounting/trial-balance';
import { waterfallFromJson } from '../lambdas/domain/revenue/waterfall';
import {
  discardedTable,
  exceptionsTable,
  journalTable,
  queuesTable,
  statusTable,
  trialBalanceTable,
  waterfallTable,
} from './report';
import { DEFAULT_DATA_DIR, DEFAULT_MAX_CONCURRENT_EXECUTIONS, DEFAULT_PORT } from './defaults';
import { reconciliationTable } from './reconciliation-report';
import type { ReconciliationSummary } from '../lambdas/domain/reconciliation/report';
import { replayCommand } from './replay/command';
import type { ServeOptions } from './serve';
import { explainError } from './cli-errors';
import { whileRunning } from './progress';
import { journalFilterProblem, type JournalFilter } from './journal-filter';
import { closePeriodProblem, reconcilePeriodProblem, revenuePeriodProblem } from './period-input';
import { verifyCommand } from './verify';
import { smokeCommand } from './smoke/command';

/** A --period checked before anything is sent: a bad one is refused here, with what to type instead. */
const periodOption = (flags: string, description: string, problem: (value: string) => string | undefined) =>
  new Option(flags, description).makeOptionMandatory().argParser((value: string) => {
    const reason = problem(value);
    if (reason) throw new InvalidArgumentError(reason);
    return value;
  });

const program = new Command('q2c')
  .description('Quote-to-cash integration: local runtime and operations')
  .version(packageJson.version, '-V, --version', 'print the q2c version');

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
  .description('Print the trial balance per subsidiary (debits and credits per account and currency)')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(async (opts: { json?: boolean; url: string; dataDir: string }) => {
    const tb = await new OpsClient(opts.url, opts.dataDir).trialBalance();
    if (opts.json) return console.log(JSON.stringify(tb, null, 2));
    for (const { subsidiary, accounts } of tb.bySubsidiary)
      console.log(`Trial balance — ${subsidiary}\n${trialBalanceTable(trialBalanceFromJson(accounts))}`);
    console.log(
      tb.bySubsidiary.length === 0
        ? 'The ledger is empty.'
        : tb.unbalancedCurrencies.length === 0
          ? 'Every currency balances: debits = credits.'
          : `UNBALANCED: ${tb.unbalancedCurrencies.join(', ')}`,
    );
  });

program
  .command('journal')
  .description(
    'Print the journal entries with their source event and correlation ids (late postings marked LATE)',
  )
  .option('--period <YYYY-MM>', 'only entries booked in this period')
  .option('--account <account>', 'only entries posting to this account (e.g. deferred_revenue)')
  .option('--customer <cus_…>', "only entries of this Stripe customer's documents")
  .option('--document <id>', 'only entries of this Stripe document or referring to it (in_…, ch_…, po_…)')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(async (opts: JournalFilter & { json?: boolean; url: string; dataDir: string }) => {
    const filter: JournalFilter = {
      period: opts.period,
      account: opts.account,
      customer: opts.customer,
      document: opts.document,
    };
    const problem = journalFilterProblem(filter);
    if (problem) throw new Error(problem);
    const journal = await new OpsClient(opts.url, opts.dataDir).journal(filter);
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
  .addOption(
    periodOption('--period <YYYY-MM>', 'the period to close ("previous" = last month)', closePeriodProblem),
  )
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(async (opts: { period: string; json?: boolean; url: string; dataDir: string }) => {
    const ops = new OpsClient(opts.url, opts.dataDir);
    const record = opts.json
      ? await ops.close(opts.period)
      : await whileRunning(
          `close ${opts.period}`,
          ops.close(opts.period),
          async () => (await ops.health()).executions,
        );
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
    console.log(waterfallTable(summary.period, waterfallFromJson(waterfall)));
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
  .addOption(
    periodOption(
      '--period <YYYY-MM|YYYY-MM-DD>',
      'the month or day ("current", "previous" or "yesterday" also work)',
      reconcilePeriodProblem,
    ),
  )
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(async (opts: { period: string; json?: boolean; url: string; dataDir: string }) => {
    const ops = new OpsClient(opts.url, opts.dataDir);
    const record = opts.json
      ? await ops.reconcile(opts.period)
      : await whileRunning(
          `reconcile ${opts.period}`,
          ops.reconcile(opts.period),
          async () => (await ops.health()).executions,
        );
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
  .addOption(periodOption('--period <YYYY-MM>', 'the period', revenuePeriodProblem))
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(async (opts: { period: string; json?: boolean; url: string; dataDir: string }) => {
    const r = await new OpsClient(opts.url, opts.dataDir).revenue(opts.period);
    console.log(
      opts.json ? JSON.stringify(r, null, 2) : waterfallTable(r.period, waterfallFromJson(r.waterfall)),
    );
  });

const exceptions = program
  .command('exceptions')
  .description('Parked exceptions: list them, or resolve one without a replay (discard, audited)');

exceptions
  .command('list')
  .description('List the exception queue with message ids, when each was parked and why')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(async (opts: { json?: boolean; url: string; dataDir: string }) => {
    const { queues } = await new OpsClient(opts.url, opts.dataDir).queues();
    const queue = queues.find((q) => q.queue === 'exceptions') ?? {
      queue: 'exceptions',
      depth: 0,
      messages: [],
    };
    console.log(opts.json ? JSON.stringify(queue, null, 2) : exceptionsTable(queue));
  });

exceptions
  .command('discard')
  .description(
    'Remove one parked exception without replaying it; it moves to the audited archive ' +
      '(<data-dir>/exceptions-archive.jsonl: when, why, who, the original event)',
  )
  .requiredOption('--id <messageId>', 'the message id (q2c exceptions list)')
  .requiredOption('--reason <text>', 'why it needs no replay (kept in the archive)')
  .option('--by <name>', 'who discards it (default: $USER)', process.env.USER)
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(
    async (opts: {
      id: string;
      reason: string;
      by?: string;
      json?: boolean;
      url: string;
      dataDir: string;
    }) => {
      if (!opts.reason.trim()) throw new Error('--reason must say why the exception needs no replay');
      const { discarded, archive } = await new OpsClient(opts.url, opts.dataDir).discardException(
        opts.id,
        opts.reason,
        opts.by,
      );
      if (opts.json) return console.log(JSON.stringify({ discarded, archive }, null, 2));
      const p = discarded.parked;
      console.log(
        `Discarded ${discarded.messageId} (${p.eventType ?? '?'} ${p.sourceEventId ?? p.correlationId ?? ''}, ` +
          `${p.classification}: ${p.reason.slice(0, 80)}) — archived in ${archive}`,
      );
    },
  );

exceptions
  .command('archive')
  .description('List the exceptions discarded so far (when, by whom, why)')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(dataDirOption())
  .action(async (opts: { json?: boolean; url: string; dataDir: string }) => {
    const { discarded } = await new OpsClient(opts.url, opts.dataDir).discardedExceptions();
    console.log(opts.json ? JSON.stringify(discarded, null, 2) : discardedTable(discarded));
  });

program.addCommand(replayCommand(urlOption(), dataDirOption()));
program.addCommand(verifyCommand(urlOption));
program.addCommand(smokeCommand(urlOption()));

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`q2c: ${explainError(err)}`);
  process.exit(1);
});
