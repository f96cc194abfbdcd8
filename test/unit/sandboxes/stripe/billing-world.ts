/** Shared set-up for the billing tests: a sandbox on the demo month's clock, the demo catalog, a webhook receiver. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startStripeSandbox, type StripeSandbox } from '../../../../local/sandboxes/stripe';

export const T = (iso: string): number => Date.parse(iso) / 1000;

/** The mapping config's demo products and tax rates (config/mapping.json), so invoices map. */
export const PRODUCTS = {
  growth: 'prod_DemoawVgYYX81y',
  starter: 'prod_Demo4d69Fv3ZGx',
  support: 'prod_DemovQoO5IB8dY',
  scale: 'prod_DemoiI90yYWuRG',
  implementation: 'prod_DemoEbRTPVmdjn',
};
export const NY_TAX = 'txr_1DemoZ7FlY483G1BEovjru0x';
export const FR_VAT = 'txr_1DemoFMbHkMV7WI4ZhNyOd0y';

export interface Received {
  payload: string;
  signature: string;
  event: Stripe.Event;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status to answer the next delivery with (default 200). */
  respond: (event: Stripe.Event) => number;
  close(): Promise<void>;
}

export async function startReceiver(secret: () => string): Promise<Receiver> {
  const received: Received[] = [];
  const receiver = {
    url: '',
    received,
    respond: (_e: Stripe.Event) => 200,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const payload = Buffer.concat(chunks).toString('utf8');
      const signature = String(req.headers['stripe-signature']);
      try {
        // The real SDK's verification: the signature must be valid for the endpoint's secret.
        const event = Stripe.webhooks.constructEvent(payload, signature, secret());
        const status = receiver.respond(event);
        if (status >= 200 && status < 300) received.push({ payload, signature, event });
        res.writeHead(status).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

export interface BillingWorld {
  sandbox: StripeSandbox;
  stripe: Stripe;
  receiver: Receiver;
  secret: string;
  prices: Record<
    'growthUsd' | 'growthEur' | 'starter' | 'support' | 'scaleUsd' | 'scaleEur' | 'implementation',
    string
  >;
  stop(): Promise<void>;
}

export async function startBillingWorld(at = T('2026-11-02T00:00:00Z')): Promise<BillingWorld> {
  const secret = 'whsec_local_runtime_fixed_secret';
  const receiver = await startReceiver(() => secret);
  const sandbox = await startStripeSandbox({
    apiKey: 'sk_test_billing',
    rateLimitPerSecond: Infinity,
    webhookRetry: { baseDelayMs: 5, maxDelayMs: 20 },
    objects: [
      taxRate(NY_TAX, 'Sales tax', 8.875, 'NY', 'US', at),
      taxRate(FR_VAT, 'TVA', 20, 'FR', 'FR', at),
    ],
  });
  sandbox.freezeClock(at);
  sandbox.addWebhookEndpoint({ url: receiver.url, secret, id: 'we_local' });
  const stripe = sandbox.client();
  for (const [key, id] of Object.entries(PRODUCTS)) await stripe.products.create({ id, name: key });
  const price = async (product: string, currency: string, unit: number, interval?: 'month' | 'year') =>
    (
      await stripe.prices.create({
        product,
        currency,
        unit_amount: unit,
        ...(interval ? { recurring: { interval } } : {}),
      })
    ).id;
  const prices = {
    growthUsd: await price(PRODUCTS.growth, 'usd', 4900, 'month'),
    growthEur: await price(PRODUCTS.growth, 'eur', 4500, 'month'),
    starter: await price(PRODUCTS.starter, 'usd', 1900, 'month'),
    support: await price(PRODUCTS.support, 'usd', 29900, 'month'),
    scaleUsd: await price(PRODUCTS.scale, 'usd', 1800000, 'year'),
    scaleEur: await price(PRODUCTS.scale, 'eur', 1200000, 'year'),
    implementation: await price(PRODUCTS.implementation, 'usd', 250000),
  };
  // The catalog's product.created / price.created events are not what the tests look at.
  await sandbox.webhooksIdle();
  receiver.received.length = 0;
  return {
    sandbox,
    stripe,
    receiver,
    secret,
    prices,
    stop: async () => {
      await sandbox.stop();
      await receiver.close();
    },
  };
}

function taxRate(
  id: string,
  name: string,
  percentage: number,
  jurisdiction: string,
  country: string,
  at: number,
) {
  return {
    id,
    object: 'tax_rate',
    active: true,
    country,
    created: at,
    description: null,
    display_name: name,
    effective_percentage: percentage,
    flat_amount: null,
    inclusive: false,
    jurisdiction,
    jurisdiction_level: null,
    livemode: false,
    metadata: {},
    percentage,
    rate_type: 'percentage',
    state: null,
    tax_type: 'sales_tax',
  };
}
