/**
 * NetSuite's account concurrency limit as a queue, not a stream of 429s: 200 postings fired at once
 * with a budget of 5 never have more than 5 requests in flight at the simulator, and every posting
 * lands exactly once. Across instances, the DynamoDB permits hold the same line.
 */
import { DynamoDbPermits } from '../../../lambdas/adapters/erp/netsuite/dynamodb-permits';
import type { NetSuiteAdapter } from '../../../lambdas/adapters/erp/netsuite/netsuite-adapter';
import { journalForInvoice } from '../../../lambdas/domain/accounting/invoice';
import { postingKeys, type JournalEntry } from '../../../lambdas/domain/model';
import type { NetSuiteSimulator } from '../../../local/sandboxes/netsuite';
import { invoiceOf, monthOf } from '../../unit/netsuite/fixtures';
import { PERMITS_TABLE, startPermitsTable, type LocalPermitsTable } from './dynalite';
import { adapterFor, startSimulator, withRetries } from './harness';

/** `count` postings: invoices (customer lookup + placeholder + invoice) and revenue releases (one request). */
function burst(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const suffix = `${prefix}${i}`;
    if (i % 10 === 0) {
      const invoice = invoiceOf(suffix);
      const entry = journalForInvoice(invoice, postingKeys.invoice(`in_${suffix}`));
      return { document: { kind: entry.kind, data: invoice }, entry };
    }
    const { document, entry } = monthOf(suffix).postings.revenue_release;
    return { document, entry };
  });
}

async function postAll(adapters: NetSuiteAdapter[], postings: ReturnType<typeof burst>) {
  return Promise.all(
    postings.map(({ document, entry }, i) =>
      withRetries(() => adapters[i % adapters.length].postDocument(document, entry as JournalEntry)),
    ),
  );
}

const countLike = (ns: NetSuiteSimulator, pattern: string) =>
  Number(ns.sql('SELECT COUNT(*) AS n FROM "transaction" WHERE externalid LIKE ?', pattern)[0].n);

describe('concurrency governance', () => {
  it('200 concurrent postings with a budget of 5: never more than 5 in flight, each posted once', async () => {
    const ns = await startSimulator({ concurrencyLimit: 5, latencyMs: 4 });
    try {
      const adapter = adapterFor(ns, { concurrencyLimit: 5 });
      const results = await postAll([adapter], burst('GOV', 200));
      const stats = ns.stats();
      expect(stats.maxInFlight).toBeLessThanOrEqual(5);
      expect(stats.maxInFlight).toBe(5); // and the budget is actually used
      expect(stats.rejectedConcurrency).toBe(0);
      expect(results.every((r) => r.result.outcome === 'posted' && r.attempts === 1)).toBe(true);
      expect(new Set(results.map((r) => r.result.erpId)).size).toBe(200);
      expect(countLike(ns, '%GOV%')).toBe(200);
    } finally {
      await ns.stop();
    }
  });

  describe('across Lambda instances', () => {
    let table: LocalPermitsTable;
    beforeAll(async () => {
      table = await startPermitsTable();
    });
    afterAll(() => table.stop());

    it('instances sharing the DynamoDB permits stay within the account limit together', async () => {
      const ns = await startSimulator({ concurrencyLimit: 5, latencyMs: 8 });
      try {
        const shared = () =>
          new DynamoDbPermits({
            db: table.doc,
            tableName: PERMITS_TABLE,
            budget: 'netsuite:shared',
            limit: 5,
          });
        // Three instances, each allowed the whole budget locally: only the shared permits keep them at 5.
        const instances = [1, 2, 3].map(() =>
          adapterFor(ns, { concurrencyLimit: 5, sharedPermits: shared() }),
        );
        const results = await postAll(instances, burst('XIN', 30));
        expect(ns.stats().maxInFlight).toBeLessThanOrEqual(5);
        expect(ns.stats().rejectedConcurrency).toBe(0);
        expect(results.every((r) => r.result.outcome === 'posted')).toBe(true);
        expect(countLike(ns, '%XIN%')).toBe(30);
      } finally {
        await ns.stop();
      }
    });

    it('control: without them, the same instances overrun the limit and are throttled (yet lose nothing)', async () => {
      const ns = await startSimulator({ concurrencyLimit: 5, latencyMs: 8 });
      try {
        const instances = [1, 2, 3].map(() => adapterFor(ns, { concurrencyLimit: 5 }));
        const results = await postAll(instances, burst('CTL', 45));
        expect(ns.stats().rejectedConcurrency).toBeGreaterThan(0);
        expect(results.every((r) => r.result.outcome === 'posted')).toBe(true);
        expect(countLike(ns, '%CTL%')).toBe(45);
      } finally {
        await ns.stop();
      }
    });
  });
});
