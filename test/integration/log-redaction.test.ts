/**
 * No customer PII and no secret reaches the logs: Stripe events full of personal data (customer name,
 * e-mail, phone, address; a charge's card fingerprint and billing details; the webhook signing secret and
 * a Stripe key echoed in metadata, and used as correlation ids) go through the real handlers in the local
 * runtime (child process) at POWERTOOLS_LOG_LEVEL=DEBUG, and its whole stdout/stderr is searched.
 *
 * The positive control: event ids and correlation ids do appear, and the secret-bearing correlation ids
 * appear masked — so this fails if logging were simply off, or if the handlers stopped logging them.
 * The first block pins the redaction rules themselves on the real Powertools logger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { logger as handlerLogger } from '../../lambdas/handlers/commons/powertools';
import { isSensitiveKey, redact, redactString, REDACTED } from '../../lambdas/handlers/commons/redaction';
import { DEFAULT_LOCAL_STRIPE_API_KEY } from '../../local/defaults';
import { eurAnnual, jpyUnknownCurrency, usdMonthlyWithTaxAndDiscount as usd } from '../fixtures/stripe';
import * as moneyFixtures from '../fixtures/stripe/money-events';
import { postStripe, type RunningRuntime, settled, startRuntimeProcess, TEST_SECRET } from './harness';

type Json = Record<string, unknown>;

const PII = {
  name: 'Jane Quincy Customer',
  email: 'jane.quincy@customer-pii.example',
  otherEmail: 'billing.contact@customer-pii.example',
  phone: '+1 415 555 0199',
  line1: '742 Evergreen Terrace',
  line2: 'Apartment 7G',
  postalCode: 'PII-97403',
  cardholder: 'Jane Q Cardholder',
  liveKey: 'sk_live_51PiiLeakCanaryDoNotLogMe0123456789',
  restrictedKey: 'rk_live_51PiiRestrictedCanary0123456789',
} as const;
/** The first fixture event of a type (found at any depth of the money-event fixtures). */
function fixtureEvent(type: string, value: unknown = moneyFixtures): Json | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if ((value as Json).object === 'event') return (value as Json).type === type ? (value as Json) : undefined;
  for (const v of Object.values(value)) {
    const found = fixtureEvent(type, v);
    if (found) return found;
  }
  return undefined;
}
const CHARGE_REFUNDED = fixtureEvent('charge.refunded');
const FINGERPRINT = String(
  ((((CHARGE_REFUNDED?.data as Json)?.object as Json)?.payment_method_details as Json)?.card as Json)
    ?.fingerprint ?? '',
);

// ---------------------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------------------

describe('redaction rules', () => {
  it('masks sensitive keys at any depth, whatever their spelling, and keeps the rest', () => {
    const out = redact({
      eventId: 'evt_123',
      customer: {
        name: PII.name,
        Email: PII.email,
        customer_phone: PII.phone,
        address: { line1: PII.line1, postal_code: PII.postalCode },
      },
      lines: [{ shipping: { name: PII.name } }, { billingDetails: { email: PII.email } }],
      card: { fingerprint: FINGERPRINT, last4: '4242', brand: 'visa' },
      headers: { 'Stripe-Signature': 't=1,v1=ab', Authorization: 'Bearer abc', 'content-type': 'text/plain' },
      config: { webhookSecret: TEST_SECRET, stripeApiKey: PII.liveKey, receipt_email: PII.otherEmail },
      missing: { email: null },
    });
    expect(out).toEqual({
      eventId: 'evt_123',
      customer: { name: REDACTED, Email: REDACTED, customer_phone: REDACTED, address: REDACTED },
      lines: [{ shipping: REDACTED }, { billingDetails: REDACTED }],
      card: { fingerprint: REDACTED, last4: REDACTED, brand: 'visa' },
      headers: { 'Stripe-Signature': REDACTED, Authorization: REDACTED, 'content-type': 'text/plain' },
      config: { webhookSecret: REDACTED, stripeApiKey: REDACTED, receipt_email: REDACTED },
      missing: { email: null },
    });
    for (const key of ['functionName', 'function_name', 'serviceName', 'eventType', 'correlationId']) {
      expect({ key, sensitive: isSensitiveKey(key) }).toEqual({ key, sensitive: false });
    }
  });

  it('masks e-mails, Stripe secrets, credentials and signature hashes inside any string', () => {
    const hash = 'a'.repeat(64);
    expect(
      redactString(
        `for ${PII.email}: ${TEST_SECRET}, ${PII.liveKey}, opp_${PII.restrictedKey}, Bearer abc.def, t=1,v1=${hash}`,
      ),
    ).toBe(
      `for ${REDACTED}: whsec_${REDACTED}, sk_${REDACTED}, opp_rk_${REDACTED}, Bearer ${REDACTED}, t=1,v1=${REDACTED}`,
    );
    // ids and words that merely contain the letters stay readable
    const benign = 'sku_123 risk_level task_name evt_1Demo in_1Demo sub_1Demo stripe:invoice:in_1:post';
    expect(redactString(benign)).toBe(benign);
  });

  it('redacts errors (message, stack, own fields) but keeps their name, and survives cycles', () => {
    const err = Object.assign(new Error(`cannot post for ${PII.email}`), { customerEmail: PII.email });
    err.name = 'BusinessError';
    const cyclic: Json = { name: PII.name };
    cyclic.self = cyclic;
    const out = redact({ err, cyclic }) as { err: Json; cyclic: Json };
    expect(out.err.name).toBe('BusinessError');
    expect(JSON.stringify(out)).not.toContain(PII.email);
    expect(out.cyclic).toEqual({ name: REDACTED, self: undefined });
  });

  it('is what the handlers’ logger prints: the Powertools keys, redacted values', () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      handlerLogger.info(`received from ${PII.email}`, {
        correlationId: 'opp_006Probe',
        eventId: 'evt_probe',
        customer: { name: PII.name },
      });
    } finally {
      spy.mockRestore();
    }
    const item = JSON.parse(written.join('')) as Json;
    expect(item).toMatchObject({
      level: 'INFO',
      message: `received from ${REDACTED}`,
      correlationId: 'opp_006Probe',
      eventId: 'evt_probe',
      customer: { name: REDACTED },
    });
    expect(Object.keys(item).slice(0, 4)).toEqual(['level', 'message', 'timestamp', 'service']);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Through the real handlers
// ---------------------------------------------------------------------------------------------------------

const clone = <T>(v: T): Json => JSON.parse(JSON.stringify(v)) as Json;
const obj = (e: Json): Json => (e.data as Json).object as Json;

/** The invoice with the customer's personal data filled in, and a fresh event id. */
function invoiceWithPii(event: unknown, suffix: string, correlationId?: string): Json {
  const e = clone(event);
  e.id = `${String(e.id)}Pii${suffix}`;
  const invoice = obj(e);
  Object.assign(invoice, {
    customer_name: PII.name,
    customer_email: PII.email,
    customer_phone: PII.phone,
    customer_address: {
      line1: PII.line1,
      line2: PII.line2,
      city: 'Springfield',
      state: 'OR',
      postal_code: PII.postalCode,
      country: 'US',
    },
    customer_shipping: { name: PII.name, phone: PII.phone, address: { line1: PII.line1 } },
  });
  const subscriptionDetails = (invoice.parent as Json | null)?.subscription_details as Json | undefined;
  if (correlationId !== undefined && subscriptionDetails) {
    subscriptionDetails.metadata = { correlation_id: correlationId };
  }
  // The signing secret and a live key echoed back in free-form metadata.
  invoice.metadata = { ...(invoice.metadata as Json), note: `sig ${TEST_SECRET}`, key: PII.liveKey };
  return e;
}

let runtime: RunningRuntime;
let dir: string;
let logs = '';
const accepted: { id: string; correlationId?: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-redaction-'));
  runtime = await startRuntimeProcess(dir, ['--log-level', 'DEBUG']);
  // The CLI banner prints the signing secret only when it is the built-in demo default (so users can sign
  // test events) — not this one; what the pipeline logs after the banner is what must be clean.
  while (!runtime.output().includes('Ready.')) await new Promise((r) => setTimeout(r, 20));
  const startup = runtime.output().indexOf('\n', runtime.output().indexOf('Ready.')) + 1;

  const finalized = invoiceWithPii(usd.finalized, 'A');
  const paidWithSecretCorrelation = invoiceWithPii(usd.paid, 'B', TEST_SECRET);
  const emailCorrelation = invoiceWithPii(eurAnnual.finalized, 'C', `opp_006 ${PII.otherEmail}`);
  const unmappable = invoiceWithPii(jpyUnknownCurrency.finalized, 'D');

  const refunded = clone(CHARGE_REFUNDED);
  refunded.id = `${String(refunded.id)}PiiE`;
  const charge = obj(refunded);
  charge.billing_details = {
    name: PII.cardholder,
    email: PII.email,
    phone: PII.phone,
    address: { line1: PII.line1, postal_code: PII.postalCode },
  };
  charge.receipt_email = PII.otherEmail;
  charge.metadata = { correlation_id: `opp_006 ${PII.restrictedKey}` };

  for (const event of [finalized, paidWithSecretCorrelation, emailCorrelation, unmappable, refunded]) {
    const res = await postStripe(runtime.url, event);
    expect(res.status).toBe(200);
    accepted.push({ id: String(event.id) });
  }
  // Rejected deliveries log too: a tampered body, and a body that is not an event.
  expect((await postStripe(runtime.url, finalized, { secret: 'whsec_wrong_secret_value' })).status).toBe(401);
  expect((await postStripe(runtime.url, { email: PII.email, object: 'event' })).status).toBe(400);
  await settled(runtime);
  // A moment for the last lines to cross the pipe.
  await new Promise((r) => setTimeout(r, 300));
  logs = runtime.output().slice(startup);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('handler logs at DEBUG', () => {
  it('contain no customer personal data, card data or secret', () => {
    expect(FINGERPRINT.length).toBeGreaterThanOrEqual(8); // the charge fixture really carries one
    const forbidden = [
      ...Object.values(PII),
      FINGERPRINT,
      TEST_SECRET,
      'whsec_wrong_secret_value',
      DEFAULT_LOCAL_STRIPE_API_KEY,
      // the fixtures' own customer data
      ...[usd.invoice, eurAnnual.invoice, jpyUnknownCurrency.invoice].flatMap((i) => [
        String(i.customer_name),
        String(i.customer_email),
      ]),
    ].filter((s) => s.length >= 6);
    const leaks = forbidden.filter((s) => logs.includes(s));
    if (leaks.length > 0) throw new Error(`leaked ${JSON.stringify(leaks)} in:\n${logs}`);
  });

  it('still carry event ids and correlation ids (logging is on), secret-bearing ones masked', () => {
    const lines = logs
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Json);
    const acceptedLines = lines.filter((l) => l.message === 'webhook accepted');
    expect(acceptedLines.map((l) => l.eventId).sort()).toEqual(accepted.map((a) => a.id).sort());

    const correlationIds = new Set(lines.map((l) => l.correlationId).filter(Boolean));
    const plain = usd.invoice.parent?.subscription_details?.metadata?.correlation_id;
    expect(plain).toMatch(/^opp_/);
    expect(correlationIds).toContain(plain);
    expect(correlationIds).toContain(`whsec_${REDACTED}`);
    expect(correlationIds).toContain(`opp_006 ${REDACTED}`);
    expect(correlationIds).toContain(`opp_006 rk_${REDACTED}`);
    // the parked JPY invoice and the rejected deliveries were logged too
    expect(lines.some((l) => l.message === 'invoice event parked')).toBe(true);
    expect(lines.filter((l) => l.message === 'webhook rejected').map((l) => l.code)).toEqual(
      expect.arrayContaining(['invalid_signature', 'malformed_event']),
    );
  });
});
