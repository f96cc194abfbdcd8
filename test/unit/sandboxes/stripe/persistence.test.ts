/** With a dataFile the sandbox keeps its state (objects and idempotency keys) across a restart. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startStripeSandbox } from '../../../../local/sandboxes/stripe';
import { API_KEY, world } from './world';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'q2c-stripe-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('persistence', () => {
  it('keeps created and updated objects across a restart; seeds never overwrite saved state', async () => {
    const dataFile = path.join(dir, 'stripe', 'sandbox.json');
    const first = await startStripeSandbox({ apiKey: API_KEY, objects: world(), dataFile });
    const stripe = first.client();
    const customer = await stripe.customers.create(
      { email: 'kept@example.com', metadata: { a: '1' } },
      { idempotencyKey: 'create-kept' },
    );
    await stripe.payouts.update('po_1', { metadata: { reconciled: 'yes' } });
    await first.stop();
    // Atomic writes: nothing but the data file is left behind.
    expect(readdirSync(path.dirname(dataFile))).toEqual(['sandbox.json']);

    const second = await startStripeSandbox({ apiKey: API_KEY, objects: world(), dataFile });
    try {
      const again = second.client();
      expect(await again.customers.retrieve(customer.id)).toMatchObject({ email: 'kept@example.com' });
      expect((await again.payouts.retrieve('po_1')).metadata).toEqual({ reconciled: 'yes' });
      // The seeded association survived the round trip (stored internally, never shown).
      expect((await again.balanceTransactions.list({ payout: 'po_1', limit: 100 })).data).toHaveLength(7);
      // So did the idempotency key: the retry after a restart replays instead of creating a duplicate.
      const replay = await again.customers.create(
        { email: 'kept@example.com', metadata: { a: '1' } },
        { idempotencyKey: 'create-kept' },
      );
      expect(replay.id).toBe(customer.id);
      expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    } finally {
      await second.stop();
    }
  });

  it('scopes idempotency keys to the API key', async () => {
    const dataFile = path.join(dir, 'sandbox.json');
    const a = await startStripeSandbox({ apiKey: API_KEY, dataFile });
    await a.client().customers.create({ email: 'a@example.com' }, { idempotencyKey: 'shared-key' });
    await a.stop();

    const b = await startStripeSandbox({ apiKey: 'sk_test_51AnotherAccount000000000000005678', dataFile });
    try {
      // Same key, other parameters: a conflict under the first API key, a new request under this one.
      const created = await b
        .client()
        .customers.create({ email: 'b@example.com' }, { idempotencyKey: 'shared-key' });
      expect(created.email).toBe('b@example.com');
      expect(b.store.list('customer')).toHaveLength(2);
    } finally {
      await b.stop();
    }
  });
});
