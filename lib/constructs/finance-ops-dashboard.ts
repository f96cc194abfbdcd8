import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { commonEnvironment, METRICS_NAMESPACE } from '../topology';

export const FINANCE_OPS_DASHBOARD_NAME = 'QuoteToCash-FinanceOps';

export interface FinanceOpsDashboardProps {
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
      dashboardName: FINANCE_OPS_DASHBOARD_NAME,
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
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Parked work alarms', alarms: this.alarms, width: 24 }),
    );
  }
}
