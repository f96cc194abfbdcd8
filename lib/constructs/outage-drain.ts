import { Aws, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { FUNCTIONS, OUTAGE_DRAIN } from '../topology';
import { FinanceFunction, type FunctionResources } from './finance-function';
import { grantSendMessage } from './least-privilege';

/**
 * Resumes work parked as `dependency-outage` once its circuit breaker closes: the drain function
 * (OUTAGE_DRAIN in the topology) on an EventBridge Scheduler schedule. Both asynchronous paths have a
 * dead-letter queue: the schedule's target (Scheduler could not invoke) and the function's
 * asynchronous invocations (it failed after Lambda's two retries). Locally a timer in the runtime
 * invokes the same function.
 */
export class OutageDrain extends Construct {
  readonly drain: FinanceFunction;
  readonly schedule: scheduler.Schedule;

  constructor(
    scope: Construct,
    id: string,
    props: { resources: FunctionResources; scheduleGroup?: scheduler.IScheduleGroup },
  ) {
    super(scope, id);
    const { resources } = props;
    this.drain = new FinanceFunction(this, FUNCTIONS[OUTAGE_DRAIN.function].id, {
      functionKey: OUTAGE_DRAIN.function,
      invocation: 'asynchronous',
      resources,
    });
    const dlq = resources.queues[OUTAGE_DRAIN.deadLetterQueue];
    // The role's sqs:SendMessage on this queue comes from the function's declared queues (least privilege).
    new lambda.EventInvokeConfig(this, 'AsyncInvokeConfig', {
      function: this.drain.fn,
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: { bind: () => ({ destination: dlq.queueArn }) },
    });
    // Its own role, invoking exactly this function (the stock LambdaInvoke target grants `<arn>:*` too).
    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: invokes the outage drain; dead letters to the schedule DLQ.',
    });
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.drain.fn.functionArn] }),
    );
    grantSendMessage(role, dlq, resources.key);
    const fnArn = this.drain.fn.functionArn;
    this.schedule = new scheduler.Schedule(this, OUTAGE_DRAIN.id, {
      description: OUTAGE_DRAIN.description,
      schedule: scheduler.ScheduleExpression.expression(OUTAGE_DRAIN.expression),
      target: {
        bind: () => ({
          arn: fnArn,
          role,
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: dlq.queueArn },
        }),
      },
      key: resources.key,
      scheduleGroup: props.scheduleGroup,
    });
  }
}
