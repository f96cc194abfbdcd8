/** A NetSuite simulator and an adapter pointed at it, and the caller's retry loop (Step Functions' role). */
import { TokenBasedAuth, type NetSuiteAuth } from '../../../lambdas/adapters/erp/netsuite/auth';
import type { ConcurrencyPermits } from '../../../lambdas/adapters/erp/netsuite/concurrency';
import { NetSuiteTransientError } from '../../../lambdas/adapters/erp/netsuite/errors';
import { NetSuiteAdapter } from '../../../lambdas/adapters/erp/netsuite/netsuite-adapter';
import { TransientError } from '../../../lambdas/domain/errors';
import {
  startNetSuiteSimulator,
  type NetSuiteSimulator,
  type StartNetSuiteSimulatorOptions,
} from '../../../local/sandboxes/netsuite';
import { invoiceObject, stripeEvent, stripeId, unix } from '../../../local/scenarios/stripe-events';
import { ACCOUNT_ID, mapping, simulatorAuth, TBA } from '../../unit/netsuite/fixtures';

export function tba(overrides: Partial<typeof TBA> = {}): NetSuiteAuth {
  return new TokenBasedAuth({ accountId: ACCOUNT_ID, credentials: async () => ({ ...TBA, ...overrides }) });
}

export function startSimulator(
  options: Partial<StartNetSuiteSimulatorOptions> = {},
): Promise<NetSuiteSimulator> {
  return startNetSuiteSimulator({ accountId: ACCOUNT_ID, ...simulatorAuth, concurrencyLimit: 5, ...options });
}

export function adapterFor(
  ns: NetSuiteSimulator,
  options: {
    auth?: NetSuiteAuth;
    concurrencyLimit?: number;
    sharedPermits?: ConcurrencyPermits;
    requestTimeoutMs?: number;
    suiteqlPageSize?: number;
    revenueRecognition?: 'integration' | 'arm';
  } = {},
): NetSuiteAdapter {
  return new NetSuiteAdapter({
    accountId: ACCOUNT_ID,
    baseUrl: ns.url,
    auth: options.auth ?? tba(),
    mapping,
    concurrencyLimit: options.concurrencyLimit ?? 5,
    sharedPermits: options.sharedPermits,
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
    suiteqlPageSize: options.suiteqlPageSize,
    revenueRecognition: options.revenueRecognition,
  });
}

/**
 * What the state machine does with a TransientError: wait (at least Retry-After) and try again.
 * Returns the result and how many attempts it took.
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  maxAttempts = 50,
): Promise<{ result: T; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { result: await call(), attempts: attempt };
    } catch (err) {
      if (!(err instanceof TransientError) || attempt >= maxAttempts) throw err;
      const retryAfter = err instanceof NetSuiteTransientError ? (err.retryAfterMs ?? 0) : 0;
      await new Promise((resolve) => setTimeout(resolve, Math.max(retryAfter, 5 * attempt)));
    }
  }
}

/**
 * A finalized USD invoice for `quantity` Growth seats (mapped in config/mapping.json), created at
 * `createdIso` with a 30-day service period, and its `invoice.finalized` event.
 */
export function seatInvoiceEvent(options: {
  seed: string;
  createdIso: string;
  invoicePrefix: string;
  quantity: number;
}) {
  const { seed, invoicePrefix, quantity } = options;
  const start = unix(options.createdIso);
  const invoice = invoiceObject({
    seed,
    customer: { id: `cus_${seed}`, name: `Customer ${seed}`, email: `${seed}@example.com`, invoicePrefix },
    currency: 'usd',
    created: start,
    subscription: { id: `sub_${seed}`, metadata: { correlation_id: `opp_${seed}` } },
    lines: [
      {
        description: 'Seats',
        price: stripeId('price', 'growth-seat-monthly-usd'),
        product: stripeId('prod', 'growth'),
        unitAmount: 4_900,
        quantity,
        kind: 'subscription',
        period: { start, end: start + 30 * 86_400 },
      },
    ],
  });
  return { invoice, event: stripeEvent('invoice.finalized', invoice) };
}
