import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge, ACKNOWLEDGEMENTS } from '../nag';
import { FUNCTIONS, SECRETS } from '../topology';
import { FINANCE_LOG_RETENTION, FinanceFunction, type FunctionResources } from './finance-function';
import { markTopology } from './topology-metadata';

/** Route Stripe is configured to call (Stripe dashboard → Developers → Webhooks → endpoint URL). */
export const STRIPE_WEBHOOK_PATH = '/webhooks/stripe';
/** Route the shipped Salesforce Flow calls through its Named Credential (signed JSON). */
export const SALESFORCE_FLOW_PATH = '/webhooks/salesforce/flow';
/** Endpoint URL of the shipped Salesforce Outbound Message (SOAP). */
export const SALESFORCE_OUTBOUND_MESSAGE_PATH = '/webhooks/salesforce/outbound-message';

export interface WebhookIngestProps {
  /** Everything but the secrets, which this construct owns. */
  resources: Omit<FunctionResources, 'secrets'>;
  /** Stage throttling; Stripe's own send rate is far below the defaults. */
  throttle?: apigwv2.ThrottleSettings;
}

/**
 * The public edge: an HTTP API with `POST /webhooks/stripe` in front of the ingest Lambda, which
 * verifies the Stripe signature with the signing secret held here, normalises the event and puts it
 * on the bus. Access-logged (JSON) and throttled at the stage.
 */
export class WebhookIngest extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly signingSecret: secretsmanager.Secret;
  readonly ingest: FinanceFunction;
  /** Full URL to paste into the Stripe webhook endpoint settings. */
  readonly stripeWebhookUrl: string;
  /** HMAC key shared with the Salesforce External Credential that signs Flow callouts. */
  readonly salesforceFlowSecret: secretsmanager.Secret;
  readonly ingestSalesforceFlow: FinanceFunction;
  readonly ingestSalesforceOutboundMessage: FinanceFunction;
  readonly salesforceFlowUrl: string;
  readonly salesforceOutboundMessageUrl: string;

  constructor(scope: Construct, id: string, props: WebhookIngestProps) {
    super(scope, id);
    const { resources } = props;

    // A random placeholder: no signature verifies against it until the operator stores the real
    // whsec_… from Stripe, so a fresh deployment rejects everything instead of trusting anything.
    this.signingSecret = new secretsmanager.Secret(this, SECRETS.stripeWebhook.id, {
      description: SECRETS.stripeWebhook.description,
      encryptionKey: resources.key,
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    });
    markTopology(this.signingSecret, 'SECRETS', 'stripeWebhook');
    acknowledge(this.signingSecret, ACKNOWLEDGEMENTS.webhookSecretRotation);

    this.ingest = new FinanceFunction(this, FUNCTIONS.ingestStripeWebhook.id, {
      functionKey: 'ingestStripeWebhook',
      resources: { ...resources, secrets: { stripeWebhook: this.signingSecret } },
    });

    // Generated here (unlike Stripe's, this key is ours): the operator copies it into the External Credential.
    this.salesforceFlowSecret = new secretsmanager.Secret(this, SECRETS.salesforceFlowSigning.id, {
      description: SECRETS.salesforceFlowSigning.description,
      encryptionKey: resources.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    markTopology(this.salesforceFlowSecret, 'SECRETS', 'salesforceFlowSigning');
    acknowledge(this.salesforceFlowSecret, ACKNOWLEDGEMENTS.salesforceFlowSecretRotation);
    this.ingestSalesforceFlow = new FinanceFunction(this, FUNCTIONS.ingestSalesforceFlow.id, {
      functionKey: 'ingestSalesforceFlow',
      resources: { ...resources, secrets: { salesforceFlowSigning: this.salesforceFlowSecret } },
    });
    this.ingestSalesforceOutboundMessage = new FinanceFunction(
      this,
      FUNCTIONS.ingestSalesforceOutboundMessage.id,
      { functionKey: 'ingestSalesforceOutboundMessage', resources: { ...resources, secrets: {} } },
    );

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      // Per stage (the stack name), so two stages' APIs are told apart in the console and in metrics.
      apiName: `${Stack.of(this).stackName}-Webhooks`,
      description: 'Quote-to-cash vendor webhooks (Stripe, Salesforce).',
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: FINANCE_LOG_RETENTION,
      encryptionKey: resources.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { burstLimit: 200, rateLimit: 100 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationErrorMessage: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const [route] = this.api.addRoutes({
      path: STRIPE_WEBHOOK_PATH,
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('IngestStripeWebhookIntegration', this.ingest.fn),
    });
    acknowledge(route, ACKNOWLEDGEMENTS.webhookRouteAuthorization);

    // Same stage (throttling, access logs) as Stripe's route.
    const salesforceRoutes = [
      ...this.api.addRoutes({
        path: SALESFORCE_FLOW_PATH,
        methods: [apigwv2.HttpMethod.POST],
        integration: new HttpLambdaIntegration(
          'IngestSalesforceFlowIntegration',
          this.ingestSalesforceFlow.fn,
        ),
      }),
      ...this.api.addRoutes({
        path: SALESFORCE_OUTBOUND_MESSAGE_PATH,
        methods: [apigwv2.HttpMethod.POST],
        integration: new HttpLambdaIntegration(
          'IngestSalesforceOutboundMessageIntegration',
          this.ingestSalesforceOutboundMessage.fn,
        ),
      }),
    ];
    for (const r of salesforceRoutes) acknowledge(r, ACKNOWLEDGEMENTS.salesforceWebhookRouteAuthorization);

    // stage.url ends with '/' for the $default stage.
    this.stripeWebhookUrl = `${this.stage.url}${STRIPE_WEBHOOK_PATH.slice(1)}`;
    this.salesforceFlowUrl = `${this.stage.url}${SALESFORCE_FLOW_PATH.slice(1)}`;
    this.salesforceOutboundMessageUrl = `${this.stage.url}${SALESFORCE_OUTBOUND_MESSAGE_PATH.slice(1)}`;
  }
}
