import { Aspects, CfnOutput, type IAspect, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { DeliveryAlarms } from './constructs/delivery-alarms';
import { Construct, type IConstruct } from 'constructs';
import { loadStage, setStage, type StageSettings } from './stage';
import { BillingApiCredentials } from './constructs/billing-api-credentials';
import { DataProtectionKey } from './constructs/data-protection-key';
import { FlowSchedules } from './constructs/flow-schedules';
import { ExceptionQueues } from './constructs/exception-queues';
import { EngineeringDashboard } from './constructs/engineering-dashboard';
import { FinanceFunction } from './constructs/finance-function';
import { FinanceOpsDashboard } from './constructs/finance-ops-dashboard';
import { LedgerStorage } from './constructs/ledger-storage';
import { OutageDrain } from './constructs/outage-drain';
import { QueueAgeAlarms } from './constructs/queue-age-alarms';
import { physicalRuleName, PostingFlow } from './constructs/posting-flow';
import { QuoteToCashBus } from './constructs/quote-to-cash-bus';
import { SalesforceEventRelay } from './constructs/salesforce-event-relay';
import { ReconciliationReports } from './constructs/reconciliation-reports';
import { ClaimCheckBucket } from './constructs/claim-check-bucket';
import { keysOf } from './constructs/topology-metadata';
import { WebhookIngest } from './constructs/webhook-ingest';
import { DEPLOYMENT_WAF, type WafSettings, WebhookFirewall } from './constructs/webhook-firewall';
import {
  FUNCTIONS,
  PARTNER_RULES,
  QUEUES,
  RULES,
  type SalesforceSettings,
  SECRETS,
  STATE_MACHINES,
  stripeKeyScopeText,
  TABLES,
} from './topology';

export interface QuoteToCashStackProps extends StackProps {
  /** The stage deployed (lib/stage.ts); default: the demo stage. Every physical name derives from it. */
  stage?: StageSettings;
  /** Subscribed to the finance-ops alarm topic when set (context `alarmEmail`). */
  alarmEmail?: string;
  /** Salesforce settings (default: config/deployment.json); `eventRelay` adds the partner bus and rule. */
  salesforce?: SalesforceSettings;
  /** Optional AWS WAF in front of the webhooks (default: config/deployment.json `waf`; off when absent). */
  waf?: WafSettings;
}

/**
 * Stripe webhooks → API Gateway → ingest Lambda → EventBridge bus → Express Step Functions →
 * posting Lambdas → DynamoDB ledger, with exception/dead-letter queues and a finance-ops dashboard.
 * Every resource is derived from `lib/topology.ts`, the map the local runtime also runs.
 */
export class QuoteToCashStack extends Stack {
  readonly dataProtection: DataProtectionKey;
  readonly storage: LedgerStorage;
  readonly eventBus: QuoteToCashBus;
  readonly exceptionQueues: ExceptionQueues;
  readonly webhookIngest: WebhookIngest;
  readonly salesforceEventRelay: SalesforceEventRelay;
  readonly webhookFirewall?: WebhookFirewall;
  readonly postingFlow: PostingFlow;
  readonly billingApi: BillingApiCredentials;
  readonly schedules: FlowSchedules;
  readonly financeOps: FinanceOpsDashboard;
  readonly reconciliation: ReconciliationReports;
  readonly claimChecks: ClaimCheckBucket;
  readonly engineering: EngineeringDashboard;
  readonly outageDrain: OutageDrain;
  readonly stage: StageSettings;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  readonly deliveryAlarms: DeliveryAlarms;

  constructor(scope: Construct, id: string, props: QuoteToCashStackProps = {}) {
    const stage = props.stage ?? loadStage();
    super(scope, id, {
      description: `Quote-to-cash (stage ${stage.names.stage}): Stripe webhooks posted to a double-entry ledger via EventBridge and Step Functions.`,
      ...props,
    });
    this.stage = stage;
    setStage(this, stage);
    Tags.of(this).add('application', 'quote-to-cash');
    Tags.of(this).add('stage', stage.names.stage);
    // Alarm names start with the stack name (so with the stage): readable in the e-mail, never shared
    // between two stages of one account.
    Aspects.of(this).add(new NameAlarmsAfterStack(this.stackName));

    this.dataProtection = new DataProtectionKey(this, 'DataProtection');
    const key = this.dataProtection.key;
    this.storage = new LedgerStorage(this, 'LedgerStorage', { key });
    this.eventBus = new QuoteToCashBus(this, 'EventBus', { key, busName: stage.names.busName });
    this.exceptionQueues = new ExceptionQueues(this, 'ExceptionQueues', { key, namePrefix: this.stackName });

    this.reconciliation = new ReconciliationReports(this, 'Reconciliation', { key });
    this.claimChecks = new ClaimCheckBucket(this, 'ClaimChecks', {
      key,
      archiveRetention: this.eventBus.archiveRetention,
      accessLogs: this.reconciliation.accessLogs,
    });

    const resources = {
      key,
      bus: this.eventBus.bus,
      tables: this.storage.tables,
      queues: this.exceptionQueues.queues,
      buckets: { claimChecks: this.claimChecks.bucket },
    };
    this.webhookIngest = new WebhookIngest(this, 'WebhookIngest', { resources });
    this.salesforceEventRelay = new SalesforceEventRelay(this, 'SalesforceEventRelay', {
      resources: { ...resources, secrets: {} },
      salesforce: props.salesforce ?? stage.deployment.salesforce,
    });
    // EventBridge dead-letters into these queues with its own identity: the posting rules' DLQ and, with
    // the Event Relay, the partner rule's.
    const eventBridgeDlqs = new Set<keyof typeof QUEUES>(keysOf(RULES).map((r) => RULES[r].deadLetterQueue));
    if (this.salesforceEventRelay.partnerBus)
      for (const r of keysOf(PARTNER_RULES)) eventBridgeDlqs.add(PARTNER_RULES[r].deadLetterQueue);
    this.dataProtection.allowEventBridgeDeadLetters(
      [...eventBridgeDlqs].map((q) => this.exceptionQueues.queueNames[q]),
    );
    const waf = props.waf ?? DEPLOYMENT_WAF;
    if (waf?.enabled) {
      this.webhookFirewall = new WebhookFirewall(this, 'WebhookFirewall', {
        api: this.webhookIngest.api,
        settings: waf,
      });
      new CfnOutput(this, 'WebhookFirewallUrl', {
        value: this.webhookFirewall.url,
        description:
          'Webhooks behind AWS WAF: give vendors this base URL with the same paths (/webhooks/...) instead of the API URL.',
      });
    }
    this.billingApi = new BillingApiCredentials(this, 'BillingApi', { key });
    this.postingFlow = new PostingFlow(this, 'PostingFlow', {
      resources: {
        ...resources,
        secrets: { stripeWebhook: this.webhookIngest.signingSecret, ...this.billingApi.secrets },
        buckets: { ...resources.buckets, reconciliation: this.reconciliation.bucket },
      },
    });

    // One schedule group per stage: Scheduler publishes its metrics per group, so each stage alarms on its own.
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: this.stackName,
    });
    this.schedules = new FlowSchedules(this, 'Schedules', {
      stateMachines: this.postingFlow.stateMachines,
      key,
      deadLetterQueue: this.exceptionQueues.queues.scheduleDlq,
      scheduleGroup: this.scheduleGroup,
    });
    this.outageDrain = new OutageDrain(this, 'OutageDrain', {
      resources: { ...resources, secrets: {} },
      scheduleGroup: this.scheduleGroup,
    });

    const queues = this.exceptionQueues.queues;
    const deadLetterQueueKeys = [...new Set(keysOf(RULES).map((r) => RULES[r].deadLetterQueue))];
    this.financeOps = new FinanceOpsDashboard(this, 'FinanceOps', {
      key,
      exceptionQueue: queues.exceptions,
      deadLetterQueues: deadLetterQueueKeys.map((q) => queues[q]),
      stateMachines: Object.values(this.postingFlow.stateMachines),
      alarmEmail: props.alarmEmail,
      dashboardName: stage.names.financeOpsDashboardName,
    });
    this.reconciliation.alarmOn(this.financeOps.alarmTopic);
    // Age alarms on every queue; depth alarms on those the finance-ops dashboard does not cover.
    new QueueAgeAlarms(this, 'QueueAlarms', {
      queues,
      topic: this.financeOps.alarmTopic,
      depthAlarmedElsewhere: ['exceptions', ...deadLetterQueueKeys],
    });
    this.deliveryAlarms = new DeliveryAlarms(this, 'DeliveryAlarms', {
      topic: this.financeOps.alarmTopic,
      rules: [
        ...keysOf(RULES).map((r) => ({
          id: RULES[r].id,
          ruleName: physicalRuleName(this.stackName, RULES[r].id),
          eventBusName: this.eventBus.bus.eventBusName,
        })),
        ...(this.salesforceEventRelay.partnerBus
          ? keysOf(PARTNER_RULES).map((r) => ({
              id: PARTNER_RULES[r].id,
              ruleName: physicalRuleName(this.stackName, PARTNER_RULES[r].id),
              eventBusName: this.salesforceEventRelay.partnerBus!.eventBusName,
            }))
          : []),
      ],
      scheduleGroup: this.scheduleGroup,
      stateMachines: this.postingFlow.stateMachines,
      asyncFunctions: {
        [FUNCTIONS.relaySalesforceEvent.id]: this.salesforceEventRelay.relay.fn,
        [FUNCTIONS.drainDependencyOutages.id]: this.outageDrain.drain.fn,
      },
    });
    this.engineering = new EngineeringDashboard(this, 'Engineering', {
      // Every function in the stack, whichever construct owns it.
      functions: this.node
        .findAll()
        .filter((c): c is FinanceFunction => c instanceof FinanceFunction)
        .map((f) => f.fn),
      stateMachines: Object.values(this.postingFlow.stateMachines),
      deadLetterQueues: deadLetterQueueKeys.map((q) => queues[q]),
      api: this.webhookIngest.api,
      dashboardName: stage.names.engineeringDashboardName,
    });

    this.addOutputs();
  }

  /**
   * Output names are part of the operator contract: `q2c replay` and the README read them via
   * `aws cloudformation describe-stacks`. They are derived from topology ids so they cannot drift.
   */
  private addOutputs(): void {
    const out = (id: string, value: string, description: string): void => {
      new CfnOutput(this, id, { value, description });
    };
    out(
      'StripeWebhookUrl',
      this.webhookIngest.stripeWebhookUrl,
      'Stripe dashboard → Developers → Webhooks → Add endpoint: paste this URL.',
    );
    out(
      `${SECRETS.stripeWebhook.id}Arn`,
      this.webhookIngest.signingSecret.secretArn,
      'After creating the Stripe endpoint, store its signing secret: aws secretsmanager put-secret-value ' +
        '--secret-id <this ARN> --secret-string whsec_... (until then every webhook is rejected).',
    );
    out(
      'SalesforceFlowUrl',
      this.webhookIngest.salesforceFlowUrl,
      'Salesforce Named Credential URL of the shipped Flow callout (signed with the secret below).',
    );
    out(
      'SalesforceOutboundMessageUrl',
      this.webhookIngest.salesforceOutboundMessageUrl,
      'Endpoint URL of the shipped Salesforce Outbound Message.',
    );
    out(
      `${SECRETS.salesforceFlowSigning.id}Arn`,
      this.webhookIngest.salesforceFlowSecret.secretArn,
      'Read its generated value (aws secretsmanager get-secret-value) into the Salesforce External Credential ' +
        'that signs the Flow callouts.',
    );
    if (this.salesforceEventRelay.partnerBus) {
      out(
        'SalesforcePartnerEventBusName',
        this.salesforceEventRelay.partnerBus.eventBusName,
        'Partner event bus bound to the Salesforce Event Relay partner event source.',
      );
    }
    // q2c replay --from dlq re-invokes it with the partner events of its dead-letter queue (the operator
    // needs lambda:InvokeFunction on it): nobody can PutEvents onto a partner event bus.
    out(
      `${FUNCTIONS.relaySalesforceEvent.id}FunctionName`,
      this.salesforceEventRelay.relay.fn.functionName,
      'Salesforce Event Relay function (q2c replay re-drives its dead-letter queue by invoking it).',
    );
    out(
      `${SECRETS.stripeApiKey.id}Arn`,
      this.billingApi.stripeApiKey.secretArn,
      `Store a Stripe restricted key (${stripeKeyScopeText()}) here (docs/deploy.md): ` +
        'aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string rk_live_...',
    );
    out(
      `${SECRETS.netsuiteCredentials.id}Arn`,
      this.billingApi.secrets.netsuiteCredentials.secretArn,
      'With erp "netsuite" in config/deployment.json: store the TBA credentials as JSON ' +
        '{"consumerKey","consumerSecret","tokenId","tokenSecret"} with put-secret-value.',
    );
    out(
      `${SECRETS.salesforceApi.id}Arn`,
      this.billingApi.secrets.salesforceApi.secretArn,
      'Store the Salesforce connected app credentials of the integration user (client credentials flow) as JSON ' +
        '{"loginUrl":"https://<my-domain>.my.salesforce.com","clientId","clientSecret"} with put-secret-value.',
    );
    out('EventBusName', this.eventBus.bus.eventBusName, 'EventBridge bus with the normalised vendor events.');
    out('EventBusArn', this.eventBus.bus.eventBusArn, 'ARN of the bus (replay destination).');
    out('EventArchiveName', this.eventBus.archive.archiveName, 'Archive of every bus event (replay source).');
    out(
      'EventArchiveArn',
      this.eventBus.archive.archiveArn,
      'ARN of the archive (StartReplay EventSourceArn).',
    );
    for (const q of keysOf(QUEUES)) {
      const queue = this.exceptionQueues.queues[q];
      out(`${QUEUES[q].id}Url`, queue.queueUrl, QUEUES[q].description);
      out(`${QUEUES[q].id}Arn`, queue.queueArn, `ARN of ${QUEUES[q].id}.`);
    }
    for (const sm of keysOf(STATE_MACHINES)) {
      out(
        `${STATE_MACHINES[sm].id}Arn`,
        this.postingFlow.stateMachines[sm].stateMachineArn,
        `${STATE_MACHINES[sm].type} state machine running ${STATE_MACHINES[sm].file}.`,
      );
    }
    for (const t of keysOf(TABLES)) {
      out(`${TABLES[t].id}Name`, this.storage.tables[t].tableName, TABLES[t].description);
    }
    out('FinanceOpsDashboardName', this.financeOps.dashboard.dashboardName, 'CloudWatch dashboard.');
    out(
      'EngineeringDashboardName',
      this.engineering.dashboard.dashboardName,
      'CloudWatch dashboard: errors, throttles, latency, dead letters, ERP 429s.',
    );
    out(
      'ReconciliationBucketName',
      this.reconciliation.bucket.bucketName,
      'Reconciliation reports: reports/<period>/<run>.json and .csv (q2c reconcile, daily schedule).',
    );
    out('AlarmTopicArn', this.financeOps.alarmTopic.topicArn, 'SNS topic of the parked-work alarms.');
  }
}

/** Names every alarm without an explicit name `<stack name>-<construct path>`. */
class NameAlarmsAfterStack implements IAspect {
  constructor(private readonly stackName: string) {}

  visit(node: IConstruct): void {
    // An unnamed L2 alarm's name is a token that resolves to nothing (a name only for cross-environment use).
    if (!(node instanceof cloudwatch.CfnAlarm) || Stack.of(node).resolve(node.alarmName) !== undefined)
      return;
    // scopes: [app, stack, …constructs, alarm resource]
    const path = node.node.scopes
      .slice(2)
      .map((c) => c.node.id)
      .filter((id) => id !== 'Resource');
    node.alarmName = [this.stackName, ...path].join('-');
  }
}
