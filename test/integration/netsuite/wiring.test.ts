/** `netsuiteAdapterFromEnv`: the configuration switch the handlers use, against the simulator. */
import { netsuiteAdapterFromEnv } from '../../../lambdas/adapters/erp/netsuite';
import type { NetSuiteSimulator } from '../../../local/sandboxes/netsuite';
import { ACCOUNT_ID, mapping, monthOf, TBA } from '../../unit/netsuite/fixtures';
import { PERMITS_TABLE, startPermitsTable, type LocalPermitsTable } from './dynalite';
import { startSimulator } from './harness';

let ns: NetSuiteSimulator;
let table: LocalPermitsTable;
const saved = process.env.NETSUITE_TBA_CREDENTIALS;

beforeAll(async () => {
  [ns, table] = await Promise.all([startSimulator(), startPermitsTable()]);
  // Locally the secret's value comes from the variable; in AWS only its ARN is set.
  process.env.NETSUITE_TBA_CREDENTIALS = JSON.stringify(TBA);
});
afterAll(async () => {
  if (saved === undefined) delete process.env.NETSUITE_TBA_CREDENTIALS;
  else process.env.NETSUITE_TBA_CREDENTIALS = saved;
  await Promise.all([ns.stop(), table.stop()]);
});

describe('netsuiteAdapterFromEnv', () => {
  it('posts with TBA credentials from the secret and the shared permits table', async () => {
    const adapter = netsuiteAdapterFromEnv(mapping, {
      env: {
        NETSUITE_ACCOUNT_ID: ACCOUNT_ID,
        NETSUITE_BASE_URL: ns.url,
        NETSUITE_CONCURRENCY_LIMIT: '3',
        NETSUITE_PERMITS_TABLE: PERMITS_TABLE,
      },
      db: () => table.doc,
    });
    expect(adapter.name).toBe('netsuite');
    expect(adapter.limiter.limit).toBe(3);
    const month = monthOf('W1');
    expect((await adapter.upsertCustomer(month.customer)).outcome).toBe('posted');
    const { document, entry } = month.postings.invoice;
    expect((await adapter.postDocument(document, entry)).outcome).toBe('posted');
  });

  it('fails loudly without an account, or with a permits table but no DynamoDB client', () => {
    expect(() => netsuiteAdapterFromEnv(mapping, { env: {} })).toThrow('NETSUITE_ACCOUNT_ID');
    expect(() =>
      netsuiteAdapterFromEnv(mapping, {
        env: { NETSUITE_ACCOUNT_ID: ACCOUNT_ID, NETSUITE_PERMITS_TABLE: 't' },
      }),
    ).toThrow('DynamoDB');
  });
});
