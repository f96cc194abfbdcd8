import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { acknowledge, ACKNOWLEDGEMENTS } from '../nag';
import {
  definitionSubstitutions,
  type EventPattern,
  FUNCTIONS,
  type FunctionKey,
  PROJECT_ROOT,
  RULES,
  type RuleKey,
  STATE_MACHINES,
  type StateMachineDef,
  type StateMachineKey,
} from '../topology';
import { FINANCE_LOG_RETENTION, FinanceFunction, type FunctionResources } from './finance-function';
import { grantInvoke, grantPutItem, grantSendMessage } from './least-privilege';
import { keysOf, markTopology } from './topology-metadata';

/**
 * The physical name of a rule (per stage). CloudWatch addresses rules by name, and `Ref` of a rule on a
 * custom bus returns `<bus>|<rule>`, so alarms use this literal rather than `Rule.ruleName`.
 */
export function physicalRuleName(stackName: string, ruleId: string): string {
  return `${stackName}-${ruleId}`;
}

export interface PostingFlowProps {
  resources: FunctionResources;
}

/**
 * X-Ray sampling of the per-event (Express) state machines, where each trace starts: 5 % of executions, no
 * per-second reservoir. The default rule (1/s + 5 %) records ~84 % of executions at 1M events a month
 * (~0.4/s), $4.20 of the cost per 1M events; 5 % still gives ~50k traces a month for latency analysis, and a
 * failed execution is logged in full (ERROR level with execution data) whether sampled or not. Standard
 * (scheduled, a few runs a month) state machines keep the default rule and are traced every run.
 */
export const EXPRESS_TRACE_SAMPLING = { fixedRate: 0.05, reservoirSize: 0, priority: 100 } as const;

/**
 * Bus → rules → state machines → posting Lambdas: for each `STATE_MACHINES` entry a state machine
 * running the same ASL file the local runtime runs, its Task functions, and the `RULES` that start it
 * (each target with the rule's retry policy and dead-letter queue).
 */
export class PostingFlow extends Construct {
  readonly functions: Partial<Record<FunctionKey, FinanceFunction>> = {};
  readonly stateMachines = {} as Record<StateMachineKey, sfn.StateMachine>;
  readonly rules = {} as Record<RuleKey, events.Rule>;

  constructor(scope: Construct, id: string, props: PostingFlowProps) {
    super(scope, id);
    const { resources } = props;

    for (const key of keysOf(STATE_MACHINES)) {
      this.stateMachines[key] = this.createStateMachine(key, STATE_MACHINES[key], resources);
    }

    for (const key of keysOf(RULES)) {
      const def = RULES[key];
      const rule = new events.Rule(this, def.id, {
        ruleName: physicalRuleName(Stack.of(this).stackName, def.id),
        eventBus: resources.bus,
        description: def.description,
        // Passed through untouched (CDK only renames `detailType`, which topology does not use), so the
        // deployed pattern is byte-for-byte the one the local bus matches against.
        eventPattern: structuredClone(def.pattern as EventPattern) as events.EventPattern,
      });
      rule.addTarget(
        new targets.SfnStateMachine(this.stateMachines[def.target], {
          retryAttempts: def.retry.maximumRetryAttempts,
          maxEventAge: Duration.seconds(def.retry.maximumEventAgeSeconds),
          deadLetterQueue: resources.queues[def.deadLetterQueue],
        }),
      );
      markTopology(rule, 'RULES', key);
      this.rules[key] = rule;
    }
  }

  /** A Task function is created once even if several state machines use it. */
  private functionFor(key: FunctionKey, resources: FunctionResources): FinanceFunction {
    const existing = this.functions[key];
    if (existing) return existing;
    const created = new FinanceFunction(this, FUNCTIONS[key].id, { functionKey: key, resources });
    this.functions[key] = created;
    return created;
  }

  private createStateMachine(
    key: StateMachineKey,
    def: StateMachineDef,
    resources: FunctionResources,
  ): sfn.StateMachine {
    const taskFunctions = def.functions.map((f) => this.functionFor(f, resources));

    const executionLogs = new logs.LogGroup(this, `${def.id}Logs`, {
      // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account-wide CloudWatch Logs
      // resource policy (5 KB limit). The stack-id suffix lets a re-created stack coexist with the
      // retained log group of a deleted one.
      logGroupName: `/aws/vendedlogs/states/${def.id}-${Fn.select(2, Fn.split('/', Aws.STACK_ID))}`,
      retention: FINANCE_LOG_RETENTION,
      encryptionKey: resources.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const stateMachine = new sfn.StateMachine(this, def.id, {
      stateMachineType: def.type === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
      // Inline (DefinitionString), not DefinitionBody.fromFile: in aws-cdk-lib 2.276 fromFile uploads the ASL
      // as an S3 asset (DefinitionS3Location), hiding the definition from the template, its tests and
      // reviewers. The file is the same one the local runtime executes.
      definitionBody: sfn.DefinitionBody.fromString(readFileSync(path.join(PROJECT_ROOT, def.file), 'utf8')),
      definitionSubstitutions: definitionSubstitutions(
        key,
        (f) => this.functionFor(f, resources).fn.functionArn,
        (q) => resources.queues[q].queueUrl,
        (t) => resources.tables[t].tableName,
      ),
      // Express: failures only, with their data. At ALL every execution's inputs and outputs were ~73% of the
      // cost per 1M events (bench/cost.ts); the audit trail is the immutable journal (source event id on every
      // line) plus the bus archive, which keeps every input. Standard flows (month-end) log everything.
      logs: {
        destination: executionLogs,
        level: def.type === 'EXPRESS' ? sfn.LogLevel.ERROR : sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
      tracingEnabled: true,
    });
    markTopology(stateMachine, 'STATE_MACHINES', key);
    if (def.type === 'EXPRESS') acknowledge(stateMachine, ACKNOWLEDGEMENTS.expressExecutionLogging);
    if (def.type === 'EXPRESS') {
      // One rule per state machine, matched by its name: sampling rules are account-wide, so ServiceName '*'
      // would change the sampling of every other state machine in the account and region.
      new xray.CfnSamplingRule(this, `${def.id}TraceSampling`, {
        samplingRule: {
          ruleName: `${def.id.slice(0, 20)}-${Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))))}`,
          serviceName: stateMachine.stateMachineName,
          serviceType: 'AWS::StepFunctions::StateMachine',
          host: '*',
          httpMethod: '*',
          urlPath: '*',
          resourceArn: '*',
          priority: EXPRESS_TRACE_SAMPLING.priority,
          fixedRate: EXPRESS_TRACE_SAMPLING.fixedRate,
          reservoirSize: EXPRESS_TRACE_SAMPLING.reservoirSize,
          version: 1,
        },
      });
    }

    // The definition comes from a file, so CDK cannot infer grants: derive them from the topology.
    grantInvoke(
      stateMachine.role,
      taskFunctions.map((f) => f.fn),
    );
    for (const q of def.queues) grantSendMessage(stateMachine.role, resources.queues[q], resources.key);
    // The parked markers: a conditional PutItem before each exception message (one per source and reason).
    for (const t of def.tables ?? []) grantPutItem(stateMachine.role, resources.tables[t], resources.key);
    acknowledge(stateMachine.role, ACKNOWLEDGEMENTS.stateMachineLogDeliveryAndTracing);

    return stateMachine;
  }
}
