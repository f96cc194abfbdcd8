import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { FUNCTIONS, PARTNER_RULES, type SalesforceSettings } from '../topology';
import { FinanceFunction, type FunctionResources } from './finance-function';
import { physicalRuleName } from './posting-flow';
import { markTopology } from './topology-metadata';

export interface SalesforceEventRelayProps {
  resources: FunctionResources;
  /** config/deployment.json `salesforce` (or a test's variant). */
  salesforce: SalesforceSettings;
}

/** Lambda's own retries of an asynchronous invocation that failed (the bus refused the envelopes). */
const ASYNC_RETRY_ATTEMPTS = 2;

/**
 * Salesforce Event Relay → our bus. The relay function always exists (so every deployment has the same
 * functions); the partner event bus — named after, and bound to, the partner event source Salesforce
 * created — and the `PARTNER_RULES` on it exist only once `salesforce.eventRelay` is configured. The
 * rule target carries the rule's retry policy and dead-letter queue (delivery failures); the function's
 * asynchronous-invocation config sends events it failed to relay after Lambda's retries to the same queue.
 */
export class SalesforceEventRelay extends Construct {
  readonly relay: FinanceFunction;
  readonly partnerBus?: events.EventBus;
  readonly rules: Partial<Record<keyof typeof PARTNER_RULES, events.Rule>> = {};

  constructor(scope: Construct, id: string, props: SalesforceEventRelayProps) {
    super(scope, id);
    const { resources, salesforce } = props;
    this.relay = new FinanceFunction(this, FUNCTIONS.relaySalesforceEvent.id, {
      functionKey: 'relaySalesforceEvent',
      invocation: 'asynchronous',
      resources,
    });
    const dlq = resources.queues[PARTNER_RULES.salesforceEventRelay.deadLetterQueue];
    // The role's sqs:SendMessage on this queue comes from the function's declared queues (least privilege).
    new lambda.EventInvokeConfig(this, 'AsyncInvokeConfig', {
      function: this.relay.fn,
      retryAttempts: ASYNC_RETRY_ATTEMPTS,
      maxEventAge: Duration.hours(6),
      onFailure: { bind: () => ({ destination: dlq.queueArn }) },
    });

    const source = salesforce.eventRelay?.partnerEventSourceName;
    if (!source) return;
    this.partnerBus = new events.EventBus(this, 'PartnerBus', { eventSourceName: source });
    markTopology(this.partnerBus, 'BUS', source);

    for (const key of Object.keys(PARTNER_RULES) as (keyof typeof PARTNER_RULES)[]) {
      const def = PARTNER_RULES[key];
      const rule = new events.Rule(this, def.id, {
        ruleName: physicalRuleName(Stack.of(this).stackName, def.id),
        eventBus: this.partnerBus,
        description: def.description,
        // Passed through untouched, as for RULES: the local partner bus matches the same JSON.
        eventPattern: structuredClone(def.pattern) as unknown as events.EventPattern,
      });
      rule.addTarget(
        new targets.LambdaFunction(this.relay.fn, {
          retryAttempts: def.retry.maximumRetryAttempts,
          maxEventAge: Duration.seconds(def.retry.maximumEventAgeSeconds),
          deadLetterQueue: resources.queues[def.deadLetterQueue],
        }),
      );
      markTopology(rule, 'PARTNER_RULES', key);
      this.rules[key] = rule;
    }
  }
}
