import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** A rule as CloudWatch names it: a rule on a custom (or partner) bus has both dimensions. */
export interface AlarmedRule {
  id: string;
  ruleName: string;
  eventBusName: string;
}

export interface DeliveryAlarmsProps {
  topic: sns.ITopic;
  rules: AlarmedRule[];
  /** The stack's schedule group: Scheduler publishes its metrics per group. */
  scheduleGroup: scheduler.IScheduleGroup;
  stateMachines: Record<string, sfn.IStateMachine>;
  /** Functions invoked asynchronously with an on-failure destination. */
  asyncFunctions: Record<string, lambda.IFunction>;
}

/**
 * Alarms on every hop an event or a schedule is handed over on, where a failure would otherwise leave
 * nothing behind: a rule that could neither start its target nor dead-letter the event, a schedule
 * whose target failed or whose dead letter could not be written, an execution that failed or timed out
 * (an Express timeout is caught by nothing), an asynchronous invocation whose failure destination
 * refused the record. Each is a count that should be 0: any datum pages the finance-ops topic.
 * Metric names and dimensions are AWS's (AWS/Events, AWS/Scheduler, AWS/States, AWS/Lambda references).
 */
export class DeliveryAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: DeliveryAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const action = new cwActions.SnsAction(props.topic);
    const alarm = (name: string, metric: cloudwatch.Metric, description: string): void => {
      const created = metric.createAlarm(this, name, {
        alarmDescription: description,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // These metrics are published only when non-zero: no data is the healthy state.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
    };
    const sum = { period, statistic: cloudwatch.Stats.SUM };

    for (const rule of props.rules) {
      const events = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName,
          dimensionsMap: { EventBusName: rule.eventBusName, RuleName: rule.ruleName },
          ...sum,
        });
      alarm(
        `${rule.id}FailedInvocations`,
        events('FailedInvocations'),
        `${rule.id}: EventBridge failed to start its target permanently. Events are in its dead-letter queue (q2c replay --from dlq), or, if InvocationsFailedToBeSentToDlq also fires, only in the bus archive (q2c replay --from archive).`,
      );
      alarm(
        `${rule.id}InvocationsFailedToBeSentToDlq`,
        events('InvocationsFailedToBeSentToDlq'),
        `${rule.id}: events EventBridge could not deliver were NOT written to the dead-letter queue (permissions, KMS key policy, queue gone). They survive only in the bus archive: re-drive with q2c replay --from archive for the window.`,
      );
    }

    alarm(
      'ScheduleTargetErrors',
      props.scheduleGroup.metricTargetErrors(sum),
      'EventBridge Scheduler could not start a scheduled flow (month-end close, reconciliation, outage drain): see the schedule DLQ (q2c queues) and start it by hand (q2c close / q2c reconcile).',
    );
    alarm(
      'ScheduleDeadLetterFailures',
      props.scheduleGroup.metricFailedToBeSentToDLQ(undefined, sum),
      'EventBridge Scheduler could not write a failed scheduled start to its dead-letter queue: the run is lost. Start it by hand (q2c close / q2c reconcile) and check the schedule role and key policy.',
    );

    for (const [key, sm] of Object.entries(props.stateMachines)) {
      alarm(
        `${key}ExecutionsFailed`,
        sm.metricFailed(sum),
        `${key}: executions failed. Parked work is on the exception queue (q2c queues); an execution that failed without parking shows its error in the execution history / log group.`,
      );
      alarm(
        `${key}ExecutionsTimedOut`,
        sm.metricTimedOut(sum),
        `${key}: executions timed out. No Catch runs on a timeout and no DLQ sees it: find the events in the bus archive for the window and re-drive them (q2c replay --from archive).`,
      );
    }

    for (const [key, fn] of Object.entries(props.asyncFunctions)) {
      alarm(
        `${key}DestinationDeliveryFailures`,
        fn.metric('DestinationDeliveryFailures', sum),
        `${key}: Lambda could not deliver failed asynchronous invocations to their failure destination (queue permissions or key policy): those events are lost unless the source can resend them.`,
      );
    }
  }
}
