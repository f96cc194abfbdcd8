/**
 * VerifyLedger task (a step of the ReconciliationFlow, and `q2c verify`): reads the ledger and
 * crosswalk tables, audits the invariants billing cannot see (lambdas/domain/audit), emits
 * LedgerInvariantViolations (which alarms above 0) and logs each violation with its objects.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { readLedgerFacts } from '../adapters/audit/ledger-facts';
import { dynamo, requiredEnv } from '../adapters/store/dynamodb';
import { verifyLedger, type VerificationReport } from '../domain/audit/ledger-invariants';
import { TABLES } from '../../lib/topology';
import { erpTarget } from './commons/erp-target';
import { logger, metrics, publishMetrics } from './commons/powertools';

const Input = z.object({
  /** 'YYYY-MM', or a day of the daily reconciliation ('YYYY-MM-DD': its month is audited). */
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$/)
    .optional(),
  /** Step Functions carries at most 256 KB: the flow keeps the first few (every one is in the logs). */
  maxViolations: z.number().int().positive().optional(),
});

export interface LedgerVerification extends VerificationReport {
  /** What was audited: the built-in ledger, or nothing when the books are kept in NetSuite. */
  audited: 'ledger' | 'none (the books are kept in NetSuite)';
  violationCount: number;
}

export const handler = async (event: unknown): Promise<LedgerVerification> => {
  const { period, maxViolations } = Input.parse(event ?? {});
  const month = period?.slice(0, 7);
  const netsuite = erpTarget() === 'netsuite';
  const facts = netsuite
    ? { entries: [], schedules: [], due: [], closedPeriods: [], crosswalk: [], unreadable: [] }
    : await readLedgerFacts(dynamo().doc, {
        ledger: requiredEnv(TABLES.ledger.envVar),
        crosswalk: requiredEnv(TABLES.crosswalk.envVar),
      });
  const report = verifyLedger(facts, { period: month });
  for (const v of report.violations) logger.warn('ledger invariant violated', { ...v });
  for (const [invariant, n] of Object.entries(report.counts)) {
    if (n === 0) continue;
    const m = metrics.singleMetric();
    m.addDimension('invariant', invariant);
    m.addMetric('LedgerInvariantViolations', MetricUnit.Count, n);
  }
  // The undimensioned total is what the alarm watches: 0 is published too, so "no data" means "did not run".
  metrics.addMetric('LedgerInvariantViolations', MetricUnit.Count, report.violations.length);
  publishMetrics();
  logger.info('ledger verified', { period: report.period, clean: report.clean, checked: report.checked });
  return {
    ...report,
    audited: netsuite ? 'none (the books are kept in NetSuite)' : 'ledger',
    violationCount: report.violations.length,
    violations: maxViolations ? report.violations.slice(0, maxViolations) : report.violations,
  };
};
