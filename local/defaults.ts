/** Defaults shared by the CLI and the runtime (kept apart so CLI reads don't load the runtime). */
export const DEFAULT_PORT = 4242;
export const DEFAULT_DATA_DIR = '.q2c';
/** Rule-started executions the local runtime runs at once; the rest wait their turn (LocalRuntimeOptions). */
export const DEFAULT_MAX_CONCURRENT_EXECUTIONS = 128;
/** Printed at start so users can sign test events; override with STRIPE_WEBHOOK_SECRET. */
export const DEFAULT_LOCAL_WEBHOOK_SECRET = 'whsec_local_quote_to_cash_demo_secret';
/** The local Stripe sandbox's secret key (test mode only; the sandbox refuses any other). */
export const DEFAULT_LOCAL_STRIPE_API_KEY = 'sk_test_local_quote_to_cash_sandbox';
/** Signs local Salesforce Flow callouts (SECRETS.salesforceFlowSigning); override with SALESFORCE_FLOW_SIGNING_SECRET. */
export const DEFAULT_LOCAL_SALESFORCE_FLOW_SECRET = 'sfflow_local_quote_to_cash_demo_secret';
/** Relay channel id of the local Event Relay partner event source (when config/deployment.json sets none). */
export const DEFAULT_LOCAL_RELAY_CHANNEL_ID = '0YL5g00000Q2CRELAY';
/** The local Salesforce org's connected app (client credentials flow of the deal flow's integration user). */
export const DEFAULT_LOCAL_SALESFORCE_CLIENT = {
  clientId: '3MVG9local_quote_to_cash_integration',
  clientSecret: 'local_quote_to_cash_salesforce_secret',
};

/** The local Stripe sandbox's webhook endpoint that points at the runtime (fixed, so restarts re-point it). */
export const DEFAULT_LOCAL_STRIPE_WEBHOOK_ENDPOINT_ID = 'we_1LocalRuntimeQ2c';
