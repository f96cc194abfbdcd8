/** The `q2c smoke` subcommand: options → target → hop-by-hop run → exit 1 naming the first failed hop. */
import { Command, Option } from 'commander';
import { DEFAULT_LOCAL_WEBHOOK_SECRET } from '../defaults';
import { OpsClient } from '../ops-client';
import type { SmokeTarget } from './run';

interface SmokeCommandOptions {
  target: 'local' | 'aws';
  stack?: string;
  region?: string;
  url: string;
  stripeMode: 'test' | 'live';
  timeoutSeconds: string;
  json?: boolean;
}

export function smokeCommand(urlOption: Option): Command {
  return new Command('smoke')
    .description(
      'Send one signed Stripe invoice.finalized for the smoke customer and follow it hop by hop ' +
        '(API → bus archive → execution → ERP posting → crosswalk), then void it so the books net to zero. ' +
        'Exits 1 naming the first hop that failed.',
    )
    .addOption(new Option('--target <target>', 'where').choices(['local', 'aws']).default('local'))
    .option('--stack <name>', 'CloudFormation stack name (with --target aws)')
    .option('--region <region>', 'AWS region (default: the SDK default chain)')
    .addOption(
      new Option('--stripe-mode <mode>', "the stage's Stripe mode (the event's livemode)")
        .choices(['test', 'live'])
        .default('test'),
    )
    .option('--timeout-seconds <s>', 'how long each hop may take', '60')
    .option('--json', 'print the report as JSON')
    .addOption(urlOption)
    .action(async (opts: SmokeCommandOptions) => {
      const timeoutMs = Number(opts.timeoutSeconds) * 1000;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
        throw new Error('--timeout-seconds must be a positive number');
      // Loaded when the smoke runs: the AWS SDK and the mapping would slow every other q2c command.
      const { awsSmokeClients, awsSmokeTarget, localSmokeTarget } = await import('./targets');
      const { hopLine, runSmoke } = await import('./run');
      const { mappingConfig } = await import('../../lambdas/handlers/commons/config');
      let target: SmokeTarget;
      if (opts.target === 'aws') {
        if (!opts.stack) throw new Error('--target aws needs --stack <name>');
        target = await awsSmokeTarget(opts.stack, awsSmokeClients(opts.region));
      } else {
        target = await localSmokeTarget({
          url: opts.url,
          ops: new OpsClient(opts.url),
          // The runtime's secret: the same variable `q2c serve` reads, or its default.
          secret: process.env.STRIPE_WEBHOOK_SECRET ?? DEFAULT_LOCAL_WEBHOOK_SECRET,
        });
      }
      try {
        if (!opts.json) console.log(`q2c smoke → ${target.name}`);
        const report = await runSmoke(target, {
          mapping: mappingConfig,
          livemode: opts.stripeMode === 'live',
          timeoutMs,
          pollMs: opts.target === 'aws' ? 2000 : 100,
          onHop: opts.json ? undefined : (r) => console.log(hopLine(r)),
        });
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        if (report.failedHop) {
          console.error(`q2c smoke: FAILED at hop "${report.failedHop}" (event ${report.eventId})`);
          process.exitCode = 1;
        } else if (!opts.json) {
          console.log(`smoke passed: ${report.invoiceId} posted, linked and voided (run ${report.runId})`);
        }
      } finally {
        target.close();
      }
    });
}
