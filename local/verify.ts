/**
 * `q2c verify`: the ledger audits its own invariants (lambdas/domain/audit/ledger-invariants.ts).
 * Locally it asks the running runtime (GET /ops/verify, which runs the VerifyLedger handler against
 * its tables); with `--target aws --stack <name>` it reads that stack's ledger and crosswalk tables
 * itself through the AWS SDK (names from the stack outputs) and runs the same checks here.
 * Exit code: 0 clean, 2 violations, 1 the audit could not run.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import Table from 'cli-table3';
import { Command, Option } from 'commander';
import { readLedgerFacts } from '../lambdas/adapters/audit/ledger-facts';
import { INVARIANTS, verifyLedger, type VerificationReport } from '../lambdas/domain/audit/ledger-invariants';
import { TABLES } from '../lib/topology';
import { OpsClient } from './ops-client';
import { stackOutputs } from './replay/targets';

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Reads a deployed stack's tables and audits them (the caller's AWS credentials need dynamodb:Scan on both). */
export async function verifyAwsStack(
  stackName: string,
  clients: { cloudFormation: CloudFormationClient; dynamo: DynamoDBDocumentClient },
  period?: string,
): Promise<VerificationReport> {
  const outputs = await stackOutputs(clients.cloudFormation, stackName);
  const table = (key: 'ledger' | 'crosswalk') => {
    const name = outputs[`${TABLES[key].id}Name`];
    if (!name)
      throw new Error(`stack ${stackName} has no output ${TABLES[key].id}Name (deploy the current version)`);
    return name;
  };
  const facts = await readLedgerFacts(clients.dynamo, {
    ledger: table('ledger'),
    crosswalk: table('crosswalk'),
  });
  return verifyLedger(facts, { period });
}

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
          if (opts.period !== undefined && !PERIOD.test(opts.period))
            throw new Error(`--period must be YYYY-MM, got ${opts.period}`);
          if (opts.target === 'aws' && !opts.stack) throw new Error('--target aws needs --stack <name>');
          const config = opts.region ? { region: opts.region } : {};
          const report =
            opts.target === 'aws'
              ? await verifyAwsStack(
                  opts.stack as string,
                  {
                    cloudFormation: new CloudFormationClient(config),
                    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(config)),
                  },
                  opts.period,
                )
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
