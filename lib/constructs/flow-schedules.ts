import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SCHEDULES, type StateMachineKey } from '../topology';
import { grantSendMessage } from './least-privilege';
import { keysOf, markTopology } from './topology-metadata';

/**
 * EventBridge Scheduler schedules from the topology (month-end close on the 1st at 03:00 UTC for
 * the previous month). The same flows run on demand: `q2c close --period YYYY-MM`.
 */
export class FlowSchedules extends Construct {
  readonly schedules = {} as Record<keyof typeof SCHEDULES, scheduler.Schedule>;

  constructor(
    scope: Construct,
    id: string,
    props: {
      stateMachines: Record<StateMachineKey, sfn.IStateMachine>;
      key: kms.IKey;
      /** Where Scheduler puts a start it could not make after its retries. */
      deadLetterQueue?: sqs.IQueue;
      /** The stack's group (per stage): Scheduler's metrics are per group. */
      scheduleGroup?: scheduler.IScheduleGroup;
    },
  ) {
    super(scope, id);
    for (const key of keysOf(SCHEDULES)) {
      const def = SCHEDULES[key];
      // Its own role: the stock target role may sqs:SendMessage to the KMS-encrypted dead-letter queue but
      // lacks kms:GenerateDataKey, so a start Scheduler gave up on would be lost instead of dead-lettered.
      const role = new iam.Role(this, `${def.id}Role`, {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
        description: `EventBridge Scheduler: starts ${def.target}; dead letters to the schedule DLQ.`,
      });
      if (props.deadLetterQueue) grantSendMessage(role, props.deadLetterQueue, props.key);
      const schedule = new scheduler.Schedule(this, def.id, {
        description: def.description,
        schedule: scheduler.ScheduleExpression.expression(def.expression),
        target: new targets.StepFunctionsStartExecution(props.stateMachines[def.target], {
          input: scheduler.ScheduleTargetInput.fromObject(def.input),
          role,
          retryAttempts: 3,
          deadLetterQueue: props.deadLetterQueue,
        }),
        key: props.key,
        scheduleGroup: props.scheduleGroup,
      });
      markTopology(schedule, 'SCHEDULES', key);
      this.schedules[key] = schedule;
    }
  }
}
