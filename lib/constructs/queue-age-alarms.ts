import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUES, type QueueKey } from '../topology';
import { keysOf } from './topology-metadata';

/**
 * How old the oldest parked message may get before someone is paged. Dead letters are events no flow
 * ever started: an hour is already late for the books. Exceptions wait for a mapping fix or for an
 * outage to end (the drain re-drives those), so a day.
 */
export const OLDEST_MESSAGE_ALARM_SECONDS: Record<QueueKey, number> = Object.fromEntries(
  keysOf(QUEUES).map((q) => [q, q === 'exceptions' ? 86_400 : 3_600]),
) as Record<QueueKey, number>;

/**
 * Every queue of `QUEUES` alarms on the age of its oldest message, and on depth > 0 where no other
 * construct already does (the finance-ops dashboard alarms on the exception queue and the rule DLQs).
 */
export class QueueAgeAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: { queues: Record<QueueKey, sqs.IQueue>; topic: sns.ITopic; depthAlarmedElsewhere: QueueKey[] },
  ) {
    super(scope, id);
    const period = Duration.minutes(5);
    const action = new cwActions.SnsAction(props.topic);
    for (const q of keysOf(QUEUES)) {
      const queue = props.queues[q];
      const age = queue
        .metricApproximateAgeOfOldestMessage({ period, statistic: cloudwatch.Stats.MAXIMUM })
        .createAlarm(this, `${QUEUES[q].id}OldestMessageAlarm`, {
          alarmDescription: `${QUEUES[q].id}: a message has waited over ${OLDEST_MESSAGE_ALARM_SECONDS[q] / 3600} h. ${QUEUES[q].description} Inspect with \`q2c queues\`, fix the cause, then \`q2c replay\`.`,
          threshold: OLDEST_MESSAGE_ALARM_SECONDS[q],
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      age.addAlarmAction(action);
      this.alarms.push(age);
      if (props.depthAlarmedElsewhere.includes(q)) continue;
      const depth = queue
        .metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM })
        .createAlarm(this, `${QUEUES[q].id}DepthAlarm`, {
          alarmDescription: `${QUEUES[q].id} holds messages. ${QUEUES[q].description} Re-drive with \`q2c replay\`.`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      depth.addAlarmAction(action);
      this.alarms.push(depth);
    }
  }
}
