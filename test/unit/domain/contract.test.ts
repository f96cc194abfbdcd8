/**
 * Contract tests: every Stripe fixture and every event of the bundled demos goes through the
 * mappers, and every canonical document and journal entry they produce validates against the
 * PUBLISHED JSON Schemas in schemas/v1 (with ajv, not the zod definitions they came from).
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type Stripe from 'stripe';
import mappingJson from '../../../config/mapping.json';
import { parseMappingConfig } from '../../../lambdas/domain/config';
import { normaliseStripeEvent, StripeEventShape, type EventEnvelope } from '../../../lambdas/domain/envelope';
import { BusinessError } from '../../../lambdas/domain/errors';
import { mapStripeInvoiceEvent } from '../../../lambdas/domain/mapping/stripe-invoice';
import * as money from '../../../lambdas/domain/mapping/stripe-money';
import { RULES, STRIPE_API_VERSION } from '../../../lib/topology';
import { buildDemoScenario } from '../../../local/scenarios/demo';
import * as fixtures from '../../fixtures/stripe';
import * as moneyFixtures from '../../fixtures/stripe/money-events';
import { buildMonthScenario } from '../../../local/scenarios/month';

const SCHEMA_DIR = path.join(__dirname, '../../../schemas/v1');
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validators = Object.fromEntries(
  readdirSync(SCHEMA_DIR).map((f) => [
    f.replace('.schema.json', ''),
    ajv.compile(JSON.parse(readFileSync(path.join(SCHEMA_DIR, f), 'utf8'))),
  ]),
);
const config = parseMappingConfig(mappingJson);

function expectValid(schema: string, value: unknown): void {
  const validate = validators[schema];
  if (!validate(JSON.parse(JSON.stringify(value)))) {
    throw new Error(
      `${schema} does not match schemas/v1/${schema}.schema.json: ${ajv.errorsText(validate.errors)}`,
    );
  }
}

const DOCUMENT_SCHEMA: Record<string, string> = {
  invoice: 'invoice',
  payment: 'payment',
  invoice_void: '',
  write_off: 'write-off',
  credit_memo: 'credit-memo',
  credit_memo_void: '',
  refund: 'refund',
  refund_failure: 'refund',
  dispute_opened: 'dispute',
  dispute_won: 'dispute',
  dispute_lost: 'dispute',
  deposit: 'payout',
  deposit_failure: 'payout',
};

/** Stripe objects a handler would read from the API, looked up in the scenario (or empty). */
interface StripeReads {
  invoice(id: string): Record<string, unknown>;
  payoutTransactions(id: string): money.StripeBalanceTransaction[];
}

function mapAndValidate(event: Stripe.Event, reads: StripeReads): number {
  const envelope: EventEnvelope = normaliseStripeEvent(
    StripeEventShape.parse(JSON.parse(JSON.stringify(event))),
    new Date(),
  );
  expectValid('event-envelope', envelope);
  const invoiceTypes = RULES.invoicePosting.pattern['detail-type'] as readonly string[];
  let checked = 0;
  try {
    if (invoiceTypes.includes(event.type)) {
      const mapped = mapStripeInvoiceEvent(envelope, config, STRIPE_API_VERSION);
      expectValid('invoice', mapped.invoicePosting.invoice);
      checked++;
      if (mapped.paymentPosting) {
        expectValid('payment', mapped.paymentPosting.payment);
        checked++;
      }
      return checked;
    }
    const postings = moneyPostings(envelope, reads);
    for (const p of postings) {
      if (p.type === 'customer') {
        expectValid('customer', p.customer);
      } else {
        expectValid('journal-entry', p.entry);
        const schema = DOCUMENT_SCHEMA[p.entry.kind];
        if (schema) expectValid(schema, p.document.data);
      }
      checked++;
    }
    return checked;
  } catch (err) {
    if (err instanceof BusinessError) return 0; // deliberately unmappable fixtures are parked, not mapped
    throw err;
  }
}

function moneyPostings(e: EventEnvelope, reads: StripeReads): money.Posting[] {
  if (!(money.MONEY_EVENT_TYPES as readonly string[]).includes(e.eventType)) return [];
  const needs = money.readsNeeded(e);
  return money.mapMoneyEvent(e, config, STRIPE_API_VERSION, {
    creditedInvoice: needs.creditedInvoice ? reads.invoice(needs.creditedInvoice) : undefined,
    payoutTransactions: needs.payout ? reads.payoutTransactions(needs.payout) : undefined,
  }).postings;
}

function readsFrom(objects: readonly { id: string; object: string; [k: string]: unknown }[]): StripeReads {
  return {
    invoice: (id) => {
      const found = objects.find((o) => o.object === 'invoice' && o.id === id);
      if (!found) throw new Error(`scenario has no invoice ${id}`);
      return found;
    },
    payoutTransactions: (id) =>
      objects
        .filter((o) => o.object === 'balance_transaction' && o._payout === id)
        .map((o) => money.StripeBalanceTransaction.parse(o)),
  };
}

/** Every Stripe object (events included) reachable in a fixture value, at any depth. */
function objectsIn(value: unknown): { id: string; object: string; [k: string]: unknown }[] {
  if (!value || typeof value !== 'object') return [];
  const v = value as { id?: unknown; object?: unknown };
  const self =
    typeof v.id === 'string' && typeof v.object === 'string' ? [JSON.parse(JSON.stringify(v))] : [];
  if (self.length && v.object !== 'list') return self;
  return [...self, ...Object.values(value).flatMap(objectsIn)];
}

const fixtureEvents = Object.values(fixtures)
  .flatMap((f) => (f && typeof f === 'object' ? Object.values(f as Record<string, unknown>) : []))
  .filter(
    (v): v is Stripe.Event => !!v && typeof v === 'object' && (v as { object?: unknown }).object === 'event',
  );

describe('contract: mapper output validates against schemas/v1', () => {
  it('every test fixture event', () => {
    expect(fixtureEvents.length).toBeGreaterThanOrEqual(6);
    const checked = fixtureEvents.reduce((n, e) => n + mapAndValidate(e, readsFrom([])), 0);
    expect(checked).toBeGreaterThan(0);
  });

  it('every event of the bundled demo', () => {
    const { events } = buildDemoScenario();
    const checked = events.reduce((n, e) => n + mapAndValidate(e, readsFrom([])), 0);
    expect(checked).toBe(events.length + events.filter((e) => e.type === 'invoice.paid').length);
  });

  it('every money-event fixture (voids, write-offs, credit notes, refunds, disputes, payouts)', () => {
    const objects = Object.values(moneyFixtures).flatMap(objectsIn);
    const events = objects.filter((o) => o.object === 'event') as unknown as Stripe.Event[];
    expect(events.length).toBeGreaterThanOrEqual(15);
    const checked = events.reduce((n, e) => n + mapAndValidate(e, readsFrom(objects)), 0);
    expect(checked).toBeGreaterThanOrEqual(events.length);
  });

  it('every event of the November month, with its Stripe objects', () => {
    const month = buildMonthScenario();
    const objects = JSON.parse(JSON.stringify(month.sandboxObjects)) as { id: string; object: string }[];
    const checked = month.events.reduce((n, e) => n + mapAndValidate(e, readsFrom(objects)), 0);
    expect(checked).toBeGreaterThanOrEqual(month.events.length);
  });

  it('rejects a document that breaks the schema (the validator is live)', () => {
    const { events } = buildDemoScenario();
    const envelope = normaliseStripeEvent(
      StripeEventShape.parse(JSON.parse(JSON.stringify(events[0]))),
      new Date(),
    );
    const invoice = mapStripeInvoiceEvent(envelope, config, STRIPE_API_VERSION).invoicePosting.invoice;
    expect(() => expectValid('invoice', { ...invoice, total: 12.5 })).toThrow(/total/);
  });
});
