/**
 * The deal-to-subscription state machine with its REAL handlers, against the local Salesforce sandbox
 * (real jsforce), the local Stripe sandbox (real stripe SDK, billing engine, catalog from
 * config/mapping.json), dynalite (crosswalk) and fauxqs (exception queue). Same ASL and substitutions as CDK.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  definitionSubstitutions,
  FUNCTIONS,
  STATE_MACHINES,
  TABLES,
  type FunctionKey,
} from '../../lib/topology';
import { CRM_OPPORTUNITY_EVENT_TYPES, correlationIdForOpportunity } from '../../lambdas/domain/crm/events';
import { localFunctionArn, lambdaContext } from '../../local/lambda';
import {
  startSalesforceSandbox,
  type SalesforceSandbox,
  type SObjectRecord,
} from '../../local/sandboxes/salesforce';
import { startStripeSandbox, type StripeSandbox } from '../../local/sandboxes/stripe';
import { stripeCatalog } from '../../local/scenarios/stripe-catalog';
import { localTableName, startDynamo, type LocalDynamo } from '../../local/services/dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/local-aws';
import { startSqs, type LocalSqs } from '../../local/services/sqs';
import { LocalStateMachine, loadDefinition, type ExecutionRecord } from '../../local/stepfunctions';
import { parseMappingConfig } from '../../lambdas/domain/config';
import { setBillingClock } from '../../lambdas/handlers/commons/clock';
import rawConfig from '../../config/mapping.json';

export const STRIPE_KEY = 'sk_test_deal_flow_harness';
export const DEMO_NOW = Date.parse('2026-11-02T10:00:00Z') / 1000;

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

export interface DealHarness {
  sf: SalesforceSandbox;
  stripe: StripeSandbox;
  sqs: LocalSqs;
  db: LocalDynamo;
  execute(event: unknown): Promise<ExecutionRecord>;
  crosswalkRow(pk: string, sk: string): Promise<Record<string, unknown> | undefined>;
  stop(): Promise<void>;
}

export async function startDealHarness(options: { seed?: SObjectRecord[] } = {}): Promise<DealHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'q2c-deal-'));
  const db = await startDynamo(dir);
  const sqs = await startSqs(dir);
  const sf = await startSalesforceSandbox({ seed: options.seed });
  const stripe = await startStripeSandbox({
    apiKey: STRIPE_KEY,
    objects: stripeCatalog(parseMappingConfig(rawConfig)) as never,
    rateLimitPerSecond: Infinity,
  });
  stripe.freezeClock(DEMO_NOW);
  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    [TABLES.crosswalk.envVar]: localTableName('crosswalk'),
    STRIPE_API_KEY: STRIPE_KEY,
    STRIPE_API_HOST: '127.0.0.1',
    STRIPE_API_PORT: String(stripe.port),
    STRIPE_API_PROTOCOL: 'http',
    SALESFORCE_API_CREDENTIALS: JSON.stringify({
      loginUrl: sf.url,
      clientId: sf.clientId,
      clientSecret: sf.clientSecret,
    }),
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  Object.assign(process.env, env);
  // Handlers are loaded after the environment points their clients at the sandboxes (as the runtime does).
  const handlers = new Map<FunctionKey, Handler>();
  for (const key of STATE_MACHINES.dealToSubscription.functions) {
    const entry = path.join(__dirname, '../..', FUNCTIONS[key].entry);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(entry) as { handler: Handler };
    handlers.set(key, mod.handler);
  }
  setBillingClock(() => stripe.now());
  const subs = definitionSubstitutions('dealToSubscription', localFunctionArn, (q) => sqs.queueUrl(q));
  const machine = new LocalStateMachine(
    'dealToSubscription',
    loadDefinition('dealToSubscription', subs),
    {
      lambda: (arn) => {
        const key = STATE_MACHINES.dealToSubscription.functions.find((k) => localFunctionArn(k) === arn);
        const handler = key ? handlers.get(key) : undefined;
        if (!key || !handler) return undefined;
        return async (input) =>
          JSON.parse(
            JSON.stringify((await handler(JSON.parse(JSON.stringify(input)), lambdaContext(key))) ?? null),
          );
      },
      sqs: sqs.client,
    },
    1,
  );
  const { dynamo } = await import('../../lambdas/adapters/store/dynamodb');
  return {
    sf,
    stripe,
    sqs,
    db,
    execute: (event) => machine.execute(event),
    crosswalkRow: async (pk, sk) =>
      (await dynamo().doc.send(new GetCommand({ TableName: localTableName('crosswalk'), Key: { pk, sk } })))
        .Item,
    stop: async () => {
      await sf.stop();
      await stripe.stop();
      await sqs.stop();
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SeededDeal {
  accountId: string;
  opportunityId: string;
  quoteId: string;
}

export interface DealSpec {
  account: { name: string; country: string; email?: string | null; stripeCustomerId?: string };
  opportunity: {
    name: string;
    type: string;
    currency?: string;
    originalOpportunityId?: string;
    accountId?: string;
  };
  quote?: {
    start: string;
    frequency?: 'Monthly' | 'Annual';
    trialDays?: number;
    termMonths?: number;
    coupon?: string;
    cancellation?: 'At period end' | 'Immediately with credit';
    lines: { code: string; quantity: number; unitPrice: number }[];
  };
  stage?: string;
}

/** Inserts an account (unless given), billing contact, products, an opportunity with a synced quote and lines. */
export function seedDeal(sf: SalesforceSandbox, spec: DealSpec): SeededDeal {
  const accountId =
    spec.opportunity.accountId ??
    sf.store.insert('Account', {
      Name: spec.account.name,
      BillingCountry: spec.account.country,
      BillingCity: 'Springfield',
      ...(spec.account.stripeCustomerId ? { Q2C_Stripe_Customer_Id__c: spec.account.stripeCustomerId } : {}),
    });
  const contactId = sf.store.insert('Contact', {
    FirstName: 'Billing',
    LastName: spec.account.name,
    ...(spec.account.email === null
      ? {}
      : { Email: spec.account.email ?? `billing@${spec.account.name.split(' ')[0].toLowerCase()}.example` }),
    AccountId: accountId,
  });
  const opportunityId = sf.store.insert('Opportunity', {
    Name: spec.opportunity.name,
    AccountId: accountId,
    StageName: 'Negotiation/Review',
    CloseDate: spec.quote?.start ?? '2026-11-02',
    Type: spec.opportunity.type,
    ...(spec.opportunity.currency ? { CurrencyIsoCode: spec.opportunity.currency } : {}),
    ...(spec.opportunity.originalOpportunityId
      ? { Q2C_Original_Opportunity__c: spec.opportunity.originalOpportunityId }
      : {}),
  });
  let quoteId = '';
  if (spec.quote) {
    const q = spec.quote;
    quoteId = sf.store.insert('Quote', {
      Name: `Q-${spec.opportunity.name}`,
      OpportunityId: opportunityId,
      ContactId: contactId,
      Q2C_Subscription_Start__c: q.start,
      Q2C_Billing_Frequency__c: q.frequency ?? 'Monthly',
      Q2C_Trial_Days__c: q.trialDays ?? 0,
      Q2C_Term_Months__c: q.termMonths ?? 12,
      ...(q.coupon ? { Q2C_Coupon__c: q.coupon } : {}),
      ...(q.cancellation ? { Q2C_Cancellation__c: q.cancellation } : {}),
    });
    for (const l of q.lines) {
      const product = productId(sf, l.code);
      sf.store.insert('QuoteLineItem', {
        QuoteId: quoteId,
        Product2Id: product,
        Quantity: l.quantity,
        UnitPrice: l.unitPrice,
      });
    }
    sf.store.update('Opportunity', opportunityId, { SyncedQuoteId: quoteId });
  }
  sf.store.update('Opportunity', opportunityId, { StageName: spec.stage ?? 'Closed Won' });
  return { accountId, opportunityId, quoteId };
}

function productId(sf: SalesforceSandbox, code: string): string {
  const existing = sf.store.all('Product2').find((p) => p.ProductCode === code);
  if (existing) return String(existing.Id);
  return sf.store.insert('Product2', { Name: code, ProductCode: code, IsActive: true });
}

/** The canonical CRM event ingestion publishes for an opportunity (ids and version only). */
export function crmEvent(
  sf: SalesforceSandbox,
  opportunityId: string,
  overrides: { version?: string; eventId?: string } = {},
) {
  const opp = sf.store.get('Opportunity', opportunityId) as Record<string, unknown>;
  const type = String(opp.Type);
  const eventType =
    type === 'Amendment'
      ? CRM_OPPORTUNITY_EVENT_TYPES[1]
      : type === 'Renewal'
        ? CRM_OPPORTUNITY_EVENT_TYPES[2]
        : type === 'Cancellation'
          ? CRM_OPPORTUNITY_EVENT_TYPES[3]
          : CRM_OPPORTUNITY_EVENT_TYPES[0];
  const version = overrides.version ?? new Date(String(opp.SystemModstamp)).toISOString();
  return {
    version: '0',
    id: `bus-${overrides.eventId ?? opportunityId}`,
    'detail-type': eventType,
    source: 'q2c.salesforce',
    account: '000000000000',
    time: version,
    region: 'us-east-1',
    resources: [],
    detail: {
      schemaVersion: 'v1',
      source: 'salesforce',
      eventId: overrides.eventId ?? `sf:flow:${opportunityId}:${version}`,
      eventType,
      channel: 'flow',
      orgId: sf.orgId,
      created: version,
      receivedAt: version,
      correlationId: correlationIdForOpportunity(opportunityId),
      record: {
        sobject: 'Opportunity',
        id: opportunityId,
        accountId: String(opp.AccountId),
        version,
        stageName: String(opp.StageName),
        type,
        isWon: true,
      },
    },
  };
}
