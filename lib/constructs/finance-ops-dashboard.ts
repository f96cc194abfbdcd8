import { Aws, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ERROR_CLASSIFICATIONS } from '../../lambdas/domain/errors';
import { commonEnvironment, METRICS_NAMESPACE, stageNames } from '../topology';

/** The default stage's dashboard name. */
export const FINANCE_OPS_DASHBOARD_NAME = stageNames().financeOpsDashboardName;

export interface FinanceOpsDashboardProps {
  /** The stage's dashboard name (default: the default stage's). */
  dashboardName?: string;
  key: kms.IKey;
  exceptionQueue: sqs.IQueue;
  /** Dead-letter queues of the posting rules. */
  deadLetterQueues: sqs.IQueue[];
  stateMachines: sfn.IStateMachine[];
  /** Optional address subscribed to the alarm topic (context `alarmEmail`). */
  alarmEmail?: string;
}

/**
 * What a finance operator watches: events in, invoices posted, payments applied, and anything
 * parked (exception queue, dead letters, failed executions). Anything parked alarms to SNS, because
 * a parked event is an invoice or payment missing from the books until someone acts.
 */
export class FinanceOpsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: FinanceOpsDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Quote-to-cash finance ops alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one (enforceSSL writes it), so CloudWatch alarms may publish
    // only if it says so: exactly this stack's alarms that notify this topic (resolved at synth, so alarms
    // other constructs add later are included), from this account.
    const topicArn = this.alarmTopic.topicArn;
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnEquals: {
            'aws:SourceArn': Lazy.list({
              produce: () => {
                const stack = Stack.of(this);
                const topic = JSON.stringify(stack.resolve(topicArn));
                return stack.node
                  .findAll()
                  .filter(
                    (c): c is cloudwatch.CfnAlarm =>
                      c instanceof cloudwatch.CfnAlarm &&
                      ((stack.resolve(c.alarmActions) ?? []) as unknown[]).some(
                        (a) => JSON.stringify(a) === topic,
                      ),
                  )
                  .map((alarm) => alarm.attrArn);
              },
            }),
          },
        },
      }),
    );
    if (props.alarmEmail)
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const parked = (name: string, description: string, queue: sqs.IQueue): cloudwatch.Alarm => {
      const alarm = queue
        .metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM })
        .createAlarm(this, name, {
          alarmDescription: description,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
      this.alarms.push(alarm);
      return alarm;
    };
    parked(
      'ExceptionsParkedAlarm',
      'Posting exceptions are parked on the exception queue: fix the cause (mapping, period, customer) and run `q2c replay`.',
      props.exceptionQueue,
    );
    props.deadLetterQueues.forEach((dlq, i) =>
      parked(
        `PostingDeadLettersAlarm${i === 0 ? '' : i + 1}`,
        'EventBridge could not start a posting flow after its retries: events are in the posting DLQ; re-drive with `q2c replay`.',
        dlq,
      ),
    );

    const business = (metricName: string, label: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        // Powertools Metrics adds `service` (POWERTOOLS_SERVICE_NAME) as the default dimension.
        dimensionsMap: { service: commonEnvironment().POWERTOOLS_SERVICE_NAME },
        statistic: cloudwatch.Stats.SUM,
        period,
        label,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? FINANCE_OPS_DASHBOARD_NAME,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Webhook events received',
        left: [business('WebhookEventsReceived', 'received'), business('WebhookEventsRejected', 'rejected')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Invoices: received vs posted',
        left: [
          business('InvoiceEventsReceived', 'invoice events received'),
          business('InvoicesPosted', 'invoices posted'),
          business('InvoiceEventsUnmappable', 'parked as unmappable'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Payments applied',
        left: [business('PaymentsApplied', 'payments applied')],
        width: 8,
      }),
    );
    const byReason = (metricName: string, classification: string, label = classification) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: commonEnvironment().POWERTOOLS_SERVICE_NAME, classification },
        period,
        statistic: cloudwatch.Stats.MAXIMUM,
        label,
      });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Exceptions parked',
        left: [
          props.exceptionQueue.metricApproximateNumberOfMessagesVisible({
            period,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'parked exceptions',
          }),
        ],
        right: [
          props.exceptionQueue.metricApproximateAgeOfOldestMessage({
            period,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'oldest (s)',
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        // The outage drain's census of the exception queue every 5 minutes (drain-dependency-outages.ts).
        title: 'Exceptions parked by reason (count · oldest age)',
        left: ERROR_CLASSIFICATIONS.map((classification) => byReason('ParkedExceptions', classification)),
        right: ERROR_CLASSIFICATIONS.map((classification) =>
          byReason('OldestParkedExceptionAge', classification, `${classification} oldest (s)`),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Posting-rule DLQ depth',
        left: props.deadLetterQueues.map((dlq) =>
          dlq.metricApproximateNumberOfMessagesVisible({
            period,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'dead letters',
          }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Express executions failed',
        left: props.stateMachines.map((sm) => sm.metricFailed({ period, statistic: cloudwatch.Stats.SUM })),
        width: 8,
      }),
    );
    // Business series with per-currency / per-kind dimensions: SEARCH finds every currency that occurs,
    // so a new currency appears without a deploy.
    const search = (
      metricName: string,
      dimensions: string[],
      stat: string,
      label = '',
    ): cloudwatch.MathExpression =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},${[...dimensions, 'service'].join(',')}} MetricName="${metricName}"', '${stat}', ${period.toSeconds()})`,
        label,
        period,
      });
    const received = business('InvoiceEventsReceived', 'received');
    const posted = business('InvoicesPosted', 'posted');
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Amounts posted by currency and document (minor units)',
        left: [search('PostedAmountMinorUnits', ['currency', 'kind'], 'Sum')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Posting latency p50 / p95 (event received → in the ERP, ms)',
        left: [search('PostingLatency', ['kind'], 'p50'), search('PostingLatency', ['kind'], 'p95')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Quote-to-bill latency p50 / p95 (closed won → first invoice posted, ms)',
        left: [
          business('QuoteToBillLatency', 'p50').with({ statistic: cloudwatch.Stats.p(50) }),
          business('QuoteToBillLatency', 'p95').with({ statistic: cloudwatch.Stats.p(95) }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Unposted invoices (invoice events received − posted, running)',
        left: [
          new cloudwatch.MathExpression({
            expression: 'RUNNING_SUM(FILL(received, 0) - FILL(posted, 0))',
            usingMetrics: { received, posted },
            label: 'unposted invoices',
            period,
          }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Payments awaiting application (paid − applied, running)',
        left: [
          new cloudwatch.MathExpression({
            expression: 'RUNNING_SUM(FILL(paid, 0) - FILL(applied, 0))',
            usingMetrics: {
              paid: business('InvoicePaymentsReceived', 'payments received'),
              applied: business('PaymentsApplied', 'applied'),
            },
            label: 'payments awaiting application',
            period,
          }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Deal backlog (Salesforce deal events received − applied/rejected, running)',
        left: [
          new cloudwatch.MathExpression({
            expression: 'RUNNING_SUM(FILL(deals, 0) - FILL(applied, 0) - FILL(rejected, 0))',
            usingMetrics: {
              deals: business('CrmEventsReceived', 'deal events'),
              applied: business('DealsApplied', 'applied'),
              rejected: business('DealsRejected', 'rejected'),
            },
            label: 'deals awaiting billing',
            period,
          }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Reconciliation mismatches (unexplained, by kind)',
        left: [search('ReconciliationMismatches', ['kind'], 'Sum')],
        width: 6,
      }),
      // What comparing with billing cannot see: the ledger's audit of its own invariants (VerifyLedger).
      new cloudwatch.GraphWidget({
        title: 'Ledger invariant violations (q2c verify, by invariant)',
        left: [search('LedgerInvariantViolations', ['invariant'], 'Maximum')],
        width: 6,
      }),
    );
    // Every business counter a handler emits has a place here (test/integration/metrics-contract.test.ts).
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Money events: received vs documents posted',
        left: [
          business('MoneyEventsReceived', 'money events received'),
          business('DocumentsPosted', 'documents posted'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Close and reconciliation runs',
        left: [
          business('PeriodsClosed', 'periods closed'),
          business('RevenueReleases', 'revenue releases'),
          business('ReconciliationRuns', 'reconciliation runs'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Webhook events acknowledged, not routed to a flow',
        left: [business('WebhookEventsUnhandled', 'unhandled event types')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Parked work alarms', alarms: this.alarms, width: 24 }),
    );
  }
}
