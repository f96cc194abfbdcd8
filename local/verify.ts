/**
 * `q2c verify`: the ledger audits its own invariants (lambdas/domain/audit/ledger-invariants.ts).
 * Locally it asks the running runtime (GET /ops/verify, which runs the VerifyLedger handler against
 * its tables); with `--target aws --stack <name>` it reads that stack's ledger and crosswalk tables
 * itself through the AWS SDK (names from the stack outputs) and runs the same checks here.
 * Exit code: 0 clean, 2 violations, 1 the audit could not run.
 */
import Table from 'cli-table3';
import { Command, Option } from 'commander';
import { INVARIANTS, type VerificationReport } from '../lambdas/domain/audit/ledger-invariants';
import { OpsClient } from './ops-client';
import { revenuePeriodProblem } from './period-input';

/** One row per violation, the objects involved beside it; then the verdict. */
export function verificationTable(report: VerificationReport & { violationCount?: number }): string {
  const c = report.checked;
  const scope = report.period ? ` (entries and periods of ${report.period})` : '';
  const head =
    `Ledger verification${scope}: ${c.entries} entries, ${c.ratableLines} ratable lines, ${c.schedules} schedules, ` +
    `${c.releases} releases, ${c.closedPeriods} closed periods, ${c.crosswalkLinks} crosswalk links`;
  const count = report.violationCount ?? report.violations.length;
  if (count === 0)
    return `${head}\nCLEAN ✓ — every invariant holds (${Object.keys(INVARIANTS).length} checked)`;
  const table = new Table({
    head: ['Invariant', 'Violation', 'Objects'],
    style: { head: [], border: [] },
    colWidths: [26, 70, 50],
    wordWrap: true,
  });
  for (const v of report.violations) table.push([v.invariant, v.message, v.objects.join('\n')]);
  const shown = report.violations.length < count ? ` (first ${report.violations.length} shown)` : '';
  return `${head}\n${table.toString()}\n${count} VIOLATION(S) ✗${shown}`;
}

export function verifyCommand(urlOption: () => Option): Command {
  return new Command('verify')
    .description(
      'Audit the ledger against its own invariants (entries balance, every ratable line has one schedule with its ' +
        'DUE index, releases match schedules, deferred revenue matches the schedules, payments apply to posted ' +
        'invoices, nothing posted into closed periods, crosswalk complete). Exit 0 clean, 2 violations, 1 failed.',
    )
    .option('--period <YYYY-MM>', 'narrow the per-entry and per-period checks to one month')
    .option('--json', 'print JSON')
    .addOption(new Option('--target <target>', 'which books').choices(['local', 'aws']).default('local'))
    .option('--stack <name>', 'CloudFormation stack name (with --target aws)')
    .option('--region <region>', 'AWS region (default: the SDK default chain)')
    .addOption(urlOption())
    .action(
      async (opts: {
        period?: string;
        json?: boolean;
        target: 'local' | 'aws';
        stack?: string;
        region?: string;
        url: string;
      }) => {
        try {
          const problem = opts.period === undefined ? undefined : revenuePeriodProblem(opts.period);
          if (problem) throw new Error(`--${problem}`);
          if (opts.target === 'aws' && !opts.stack) throw new Error('--target aws needs --stack <name>');
          // The AWS SDK is loaded only for --target aws: the local read stays a small, fast command.
          const report =
            opts.target === 'aws'
              ? await (
                  await import('./verify-aws')
                ).verifyAwsStackWith(opts.stack as string, opts.region, opts.period)
              : await new OpsClient(opts.url).verify(opts.period);
          console.log(opts.json ? JSON.stringify(report, null, 2) : verificationTable(report));
          process.exitCode = report.clean ? 0 : 2;
        } catch (err) {
          console.error(`q2c verify: ${(err as Error).message}`);
          process.exitCode = 1;
        }
      },
    );
}
