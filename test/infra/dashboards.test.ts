/**
 * The two CloudWatch dashboards: Finance Ops (business terms) and Engineering (errors, throttles,
 * latency, dead letters, ERP 429s). Checked on the synthesized template: every widget a runbook
 * refers to exists and reads the metric the handlers actually emit.
 */
import { ENGINEERING_DASHBOARD_NAME } from '../../lib/constructs/engineering-dashboard';
import { FINANCE_OPS_DASHBOARD_NAME } from '../../lib/constructs/finance-ops-dashboard';
import { FUNCTIONS } from '../../lib/topology';
import { ERROR_CLASSIFICATIONS } from '../../lambdas/domain/errors';
import { type CfnTemplate, resourcesOfType, synthTemplate } from './template';

let json: CfnTemplate;
beforeAll(() => {
  ({ json } = synthTemplate());
});

function dashboardBody(name: string): string {
  const dashboards = Object.values(resourcesOfType(json, 'AWS::CloudWatch::Dashboard'));
  const found = dashboards.find((d) => d.Properties?.DashboardName === name);
  if (!found) throw new Error(`no dashboard ${name}`);
  return JSON.stringify(found.Properties?.DashboardBody);
}

test('Finance Ops shows amounts by currency, latencies, backlogs and reconciliation mismatches', () => {
  const body = dashboardBody(FINANCE_OPS_DASHBOARD_NAME);
  for (const needle of [
    'MetricName=\\\\\\"PostedAmountMinorUnits\\\\\\"',
    '{QuoteToCash,currency,kind,service}',
    'MetricName=\\\\\\"PostingLatency\\\\\\"',
    "'p95'",
    'QuoteToBillLatency',
    'RUNNING_SUM(FILL(received, 0) - FILL(posted, 0))',
    'InvoicePaymentsReceived',
    'CrmEventsReceived',
    'DealsApplied',
    'ReconciliationMismatches',
    'MetricName=\\\\\\"LedgerInvariantViolations\\\\\\"',
  ]) {
    expect(body).toContain(needle);
  }
});

test('Finance Ops shows the exceptions parked and the oldest one, per reason (the drain census)', () => {
  const body = dashboardBody(FINANCE_OPS_DASHBOARD_NAME);
  expect(body).toContain('Exceptions parked by reason');
  for (const classification of ERROR_CLASSIFICATIONS) {
    for (const metric of ['ParkedExceptions', 'OldestParkedExceptionAge']) {
      expect(body).toMatch(
        new RegExp(`"${metric}\\\\",\\\\"classification\\\\",\\\\"${classification}\\\\"`),
      );
    }
  }
});

test('Engineering shows errors, throttles and p95 duration of every function, API 4xx/5xx and ERP 429s', () => {
  const body = dashboardBody(ENGINEERING_DASHBOARD_NAME);
  const functionIds = Object.entries(resourcesOfType(json, 'AWS::Lambda::Function'))
    .filter(([, r]) => !JSON.stringify(r.Properties?.Handler ?? '').includes('framework')) // CDK's own helpers
    .map(([id]) => id);
  expect(functionIds.length).toBeGreaterThanOrEqual(Object.keys(FUNCTIONS).length);
  for (const id of functionIds.filter((id) => !/LogRetention|CustomResource|AWS679f53fac/.test(id))) {
    expect(body).toContain(id);
  }
  for (const needle of [
    'Errors',
    'Throttles',
    'Duration',
    'p95',
    '4xx',
    '5xx',
    'ErpThrottled',
    'ExecutionsFailed',
    'ExecutionsTimedOut',
    'ApproximateNumberOfMessagesVisible',
  ]) {
    expect(body).toContain(needle);
  }
});
