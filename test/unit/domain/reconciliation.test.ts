import fc from 'fast-check';
import {
  compareDocument,
  ledgerEntryIdsOf,
  mergeSorted,
  reconcileStreams,
  UnsortedStreamError,
  type Finding,
} from '../../../lambdas/domain/reconciliation/compare';
import {
  billingFactsOf,
  compareFacts,
  erpFactOf,
  latestSnapshots,
  shardOfKey,
  type BillingFact,
  type DocumentType,
  type ErpFact,
} from '../../../lambdas/domain/reconciliation/facts';
import {
  csvRow,
  isDay,
  planDayReconciliation,
  planReconciliation,
  resolvePeriod,
  summarize,
} from '../../../lambdas/domain/reconciliation/report';
import type { JournalEntry } from '../../../lambdas/domain/model';

const scope = { period: '2026-11' };

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const reconcile = (billing: BillingFact[], erp: ErpFact[]) =>
  collect(reconcileStreams([...billing].sort(compareFacts), [...erp].sort(compareFacts), scope));

const bill = (over: Partial<BillingFact> & { key: string }): BillingFact => ({
  document: over.key.split(':')[0] as DocumentType,
  status: 'paid',
  currency: 'usd',
  amount: 10_000,
  tax: over.key.startsWith('invoice') || over.key.startsWith('credit_note') ? 800 : null,
  date: '2026-11-10',
  ...over,
});

/** The posting the ERP holds for a billing fact when everything went right. */
const postOf = (b: BillingFact, erpId = `stripe:${b.key}:post`): ErpFact => ({
  key: b.key,
  document: b.document,
  role: 'post',
  erpId,
  currency: b.currency,
  amount: b.amount,
  tax: b.tax,
  date: b.date,
});

describe('facts', () => {
  it('maps a Stripe invoice to its invoice and payment facts, tax from total_taxes', () => {
    const facts = billingFactsOf({
      id: 'in_1',
      object: 'invoice',
      status: 'paid',
      currency: 'usd',
      total: 86_915,
      amount_paid: 86_915,
      total_taxes: [{ amount: 7_085 }],
      created: 1793491200,
      status_transitions: { finalized_at: 1793494800, paid_at: 1794493800 },
    });
    expect(facts).toEqual([
      expect.objectContaining({ key: 'invoice:in_1', amount: 86_915, tax: 7_085, date: '2026-11-01' }),
      expect.objectContaining({ key: 'payment:in_1', amount: 86_915, tax: null, date: '2026-11-12' }),
    ]);
  });

  it('an unpaid invoice has no payment fact; unknown objects none', () => {
    expect(
      billingFactsOf({ id: 'in_2', object: 'invoice', status: 'open', total: 5, amount_paid: 0, created: 1 }),
    ).toHaveLength(1);
    expect(billingFactsOf({ id: 'cus_1', object: 'customer' })).toEqual([]);
  });

  it('maps journal entries by the document they post; disputes and releases are not reconciled', () => {
    const line = (account: string, debit: number, credit: number) => ({
      account,
      debit,
      credit,
      currency: 'eur',
    });
    const entry = (kind: string, documentRef: string, lines: unknown[]) =>
      ({
        kind,
        documentRef,
        entryId: `e-${kind}`,
        effectiveDate: '2026-11-03',
        lines,
      }) as unknown as JournalEntry;
    expect(
      erpFactOf(
        entry('invoice', 'stripe:in_9', [
          line('accounts_receivable', 1_200, 0),
          line('revenue', 0, 1_000),
          line('tax_payable', 0, 200),
        ]),
      ),
    ).toEqual(
      expect.objectContaining({
        key: 'invoice:in_9',
        role: 'post',
        amount: 1_200,
        tax: 200,
        currency: 'eur',
      }),
    );
    expect(
      erpFactOf(
        entry('payment', 'stripe:in_9:payment', [
          line('stripe_clearing', 1_200, 0),
          line('accounts_receivable', 0, 1_200),
        ]),
      ),
    ).toEqual(expect.objectContaining({ key: 'payment:in_9', amount: 1_200, tax: null }));
    expect(
      erpFactOf(
        entry('refund_failure', 'stripe:re_1', [
          line('stripe_clearing', 50, 0),
          line('accounts_receivable', 0, 50),
        ]),
      ),
    ).toEqual(expect.objectContaining({ key: 'refund:re_1', role: 'reversal', amount: 50 }));
    expect(erpFactOf(entry('dispute_opened', 'stripe:dp_1', []))).toBeNull();
    expect(erpFactOf(entry('revenue_release', 'x', []))).toBeNull();
  });

  it('shards are stable and within range', () => {
    expect(shardOfKey('invoice:in_1', 64)).toBe(shardOfKey('invoice:in_1', 64));
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 512 }), (k, n) => {
        const s = shardOfKey(k, n);
        return Number.isInteger(s) && s >= 0 && s < n;
      }),
    );
  });
});

describe('compareDocument', () => {
  it('explains a draft invoice and a void invoice that was never posted', () => {
    const [draft] = compareDocument(
      'invoice:in_d',
      bill({ key: 'invoice:in_d', status: 'draft' }),
      [],
      scope,
    );
    expect(draft).toMatchObject({ kind: 'invoice_missing_in_erp', explained: true });
    const [voided] = compareDocument(
      'invoice:in_v',
      bill({ key: 'invoice:in_v', status: 'void' }),
      [],
      scope,
    );
    expect(voided).toMatchObject({ kind: 'invoice_missing_in_erp', explained: true });
  });

  it('a void invoice posted but not reversed is unexplained; posted and reversed is clean', () => {
    const b = bill({ key: 'invoice:in_v', status: 'void' });
    expect(compareDocument(b.key, b, [postOf(b)], scope)).toEqual([
      expect.objectContaining({ kind: 'reversal_not_posted', explained: false }),
    ]);
    expect(compareDocument(b.key, b, [postOf(b), { ...postOf(b, 'v'), role: 'reversal' }], scope)).toEqual(
      [],
    );
  });

  it('a late event moved to the next open period is explained; booked elsewhere without the flag is not', () => {
    const b = bill({ key: 'refund:re_1', status: 'succeeded', date: '2026-11-30' });
    const late = { ...postOf(b), date: '2026-12-01', lateFromClosedPeriod: '2026-11' };
    expect(compareDocument(b.key, b, [late], scope)).toEqual([
      expect.objectContaining({ kind: 'posted_in_later_period', explained: true }),
    ]);
    const { lateFromClosedPeriod: _, ...moved } = late;
    expect(compareDocument(b.key, b, [moved], scope)).toEqual([
      expect.objectContaining({ kind: 'posted_in_later_period', explained: false }),
    ]);
  });

  it('documents outside the period are not this run’s business; ERP postings outside it neither', () => {
    const b = bill({ key: 'invoice:in_o', date: '2026-10-31' });
    expect(compareDocument(b.key, b, [], scope)).toEqual([]);
    expect(
      compareDocument('invoice:in_x', undefined, [{ ...postOf(b), key: 'invoice:in_x' }], scope),
    ).toEqual([]);
  });

  it('reports a currency mismatch instead of a meaningless amount difference', () => {
    const b = bill({ key: 'invoice:in_c' });
    expect(compareDocument(b.key, b, [{ ...postOf(b), currency: 'eur', amount: 1 }], scope)).toEqual([
      expect.objectContaining({ kind: 'currency_mismatch' }),
    ]);
  });

  it('matches a $0 invoice to its zero posting, which has no lines and so no currency; any amount there still differs', () => {
    const b = bill({ key: 'invoice:in_trial', amount: 0, tax: 0 });
    const zero = { ...postOf(b), currency: '', amount: 0, tax: 0 };
    expect(compareDocument(b.key, b, [zero], scope)).toEqual([]);
    const charged = bill({ key: 'invoice:in_trial', amount: 500, tax: 0 });
    expect(compareDocument(charged.key, charged, [zero], scope)).toEqual([
      expect.objectContaining({ kind: 'amount_mismatch' }),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: identical sides are clean; any one injected difference is found exactly once
// ---------------------------------------------------------------------------------------------

const DOCS: DocumentType[] = ['invoice', 'payment', 'credit_note', 'refund', 'payout'];
const STATUS: Record<DocumentType, string> = {
  invoice: 'paid',
  payment: 'paid',
  credit_note: 'issued',
  refund: 'succeeded',
  payout: 'paid',
};

const billingSide = fc
  .uniqueArray(
    fc.record({
      document: fc.constantFrom(...DOCS),
      id: fc.stringMatching(/^[A-Za-z0-9]{1,8}$/),
      amount: fc.integer({ min: 1, max: 10_000_000 }),
      tax: fc.integer({ min: 0, max: 100_000 }),
      currency: fc.constantFrom('usd', 'eur'),
      day: fc.integer({ min: 1, max: 30 }),
    }),
    { selector: (d) => `${d.document}:${d.id}`, minLength: 1, maxLength: 60 },
  )
  .map((docs) =>
    docs.map((d) =>
      bill({
        key: `${d.document}:${d.id}`,
        status: STATUS[d.document],
        amount: d.amount,
        tax: d.document === 'invoice' || d.document === 'credit_note' ? d.tax : null,
        currency: d.currency,
        date: `2026-11-${String(d.day).padStart(2, '0')}`,
      }),
    ),
  );

type Injection = 'delete' | 'amount' | 'currency' | 'tax' | 'duplicate' | 'erp_only';
const EXPECTED: Record<Injection, (d: DocumentType) => Finding['kind']> = {
  delete: (d) =>
    ({
      invoice: 'invoice_missing_in_erp',
      payment: 'payment_not_applied',
      credit_note: 'credit_note_not_posted',
      refund: 'refund_not_posted',
      payout: 'payout_not_deposited',
    })[d] as Finding['kind'],
  amount: () => 'amount_mismatch',
  currency: () => 'currency_mismatch',
  tax: () => 'tax_mismatch',
  duplicate: () => 'duplicate_posting',
  erp_only: () => 'posted_without_billing_document',
};

describe('reconcileStreams (properties)', () => {
  it('identical sides reconcile clean, in any input order per side', async () => {
    await fc.assert(
      fc.asyncProperty(billingSide, async (billing) => {
        expect(
          await reconcile(
            billing,
            billing.map((b) => postOf(b)),
          ),
        ).toEqual([]);
      }),
    );
  });

  it('any one injected difference is found exactly once, with its kind, unexplained', async () => {
    await fc.assert(
      fc.asyncProperty(
        billingSide,
        fc.nat(),
        fc.constantFrom<Injection>('delete', 'amount', 'currency', 'tax', 'duplicate', 'erp_only'),
        async (billing, pick, injection) => {
          let target = billing[pick % billing.length];
          if (injection === 'tax') {
            const taxed = billing.filter((b) => b.tax !== null);
            fc.pre(taxed.length > 0);
            target = taxed[pick % taxed.length];
          }
          const erp = billing.map((b) => postOf(b));
          const i = erp.findIndex((f) => f.key === target.key);
          let side = billing;
          if (injection === 'delete') erp.splice(i, 1);
          if (injection === 'amount') erp[i] = { ...erp[i], amount: erp[i].amount + 1 };
          if (injection === 'currency')
            erp[i] = { ...erp[i], currency: erp[i].currency === 'usd' ? 'eur' : 'usd' };
          if (injection === 'tax') erp[i] = { ...erp[i], tax: (erp[i].tax ?? 0) + 1 };
          if (injection === 'duplicate') erp.push({ ...erp[i], erpId: 'manual-reentry' });
          if (injection === 'erp_only') side = billing.filter((b) => b.key !== target.key);
          const findings = await reconcile(side, erp);
          expect(findings).toEqual([
            expect.objectContaining({
              key: target.key,
              kind: EXPECTED[injection](target.document),
              explained: false,
            }),
          ]);
        },
      ),
    );
  });

  it('sharding does not change the result: the union of per-shard runs equals one run', async () => {
    await fc.assert(
      fc.asyncProperty(billingSide, fc.integer({ min: 1, max: 8 }), async (billing, shards) => {
        const erp = billing
          .slice(1)
          .map((b) => ({ ...postOf(b), amount: b.amount + (b.amount % 3 === 0 ? 1 : 0) }));
        const whole = await reconcile(billing, erp);
        const parts: Finding[] = [];
        for (let s = 0; s < shards; s++) {
          const mine = (f: { key: string }) => shardOfKey(f.key, shards) === s;
          parts.push(...(await reconcile(billing.filter(mine), erp.filter(mine))));
        }
        expect(parts.sort((a, b) => a.key.localeCompare(b.key))).toEqual(
          whole.sort((a, b) => a.key.localeCompare(b.key)),
        );
      }),
    );
  });

  it('mergeSorted of sorted parts is the sorted union', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.string({ maxLength: 4 }), { maxLength: 20 }), { maxLength: 6 }),
        async (parts) => {
          const sorted = parts.map((p) => p.map((key) => ({ key })).sort(compareFacts));
          const merged = (await collect(mergeSorted(sorted))).map((x) => x.key);
          expect(merged).toEqual(parts.flat().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        },
      ),
    );
  });

  it('refuses an unsorted stream instead of missing matches', async () => {
    const a = bill({ key: 'invoice:b' });
    const b = bill({ key: 'invoice:a' });
    await expect(collect(reconcileStreams([a, b], [], scope))).rejects.toThrow(UnsortedStreamError);
  });
});

describe('plan and report', () => {
  it('plans one-day billing slices from the lookback to the period end, and the shards', () => {
    const plan = planReconciliation('2026-11', 'r1', { shards: 4, lookbackDays: 2 });
    expect(plan.billingSlices[0].from).toBe(Date.UTC(2026, 9, 30) / 1000);
    expect(plan.billingSlices.at(-1)?.to).toBe(Date.UTC(2026, 11, 1) / 1000);
    expect(plan.billingSlices).toHaveLength(32);
    expect(plan.shards).toEqual([0, 1, 2, 3]);
    expect(plan.erpWindow.from).toBe('2026-11-01');
    expect(() => planReconciliation('2026-13', 'r')).toThrow(RangeError);
  });

  it('resolves current, previous and yesterday in UTC', () => {
    const now = new Date('2027-01-01T02:00:00Z');
    expect(resolvePeriod('current', now)).toBe('2027-01');
    expect(resolvePeriod('previous', now)).toBe('2026-12');
    expect(resolvePeriod('yesterday', now)).toBe('2026-12-31');
    expect(resolvePeriod('2026-11', now)).toBe('2026-11');
    expect(resolvePeriod('2026-11-03', now)).toBe('2026-11-03');
  });

  it('a day is a real calendar day', () => {
    expect(isDay('2026-11-30')).toBe(true);
    expect(isDay('2028-02-29')).toBe(true);
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2026-11-31')).toBe(false);
    expect(isDay('2026-11')).toBe(false);
    expect(isDay('2026-11-3')).toBe(false);
  });

  it("plans a day as one slice of the day's events, the ledger looked up by id or NetSuite read from the day", () => {
    const now = new Date('2026-11-26T02:00:00Z');
    const plan = planDayReconciliation('2026-11-25', 'r', { shards: 4, now });
    expect(plan.period).toBe('2026-11-25');
    expect(plan.billingSlices).toEqual([
      { index: 0, from: Date.UTC(2026, 10, 25) / 1000, to: Date.UTC(2026, 10, 26) / 1000, source: 'events' },
    ]);
    expect(plan).toMatchObject({ erpLookup: true, erpSegments: [], shards: [0, 1, 2, 3] });
    const netsuite = planDayReconciliation('2026-11-25', 'r', { erpLookup: false, now });
    expect(netsuite).toMatchObject({ erpLookup: false, erpSegments: [0], erpSegmentCount: 1 });
    expect(netsuite.erpWindow.from).toBe('2026-11-25');
    // Stripe keeps events for 30 days: older days are reconciled with their month.
    expect(() => planDayReconciliation('2026-10-28', 'r', { now })).not.toThrow();
    expect(() => planDayReconciliation('2026-10-27', 'r', { now })).toThrow(/reconcile 2026-10/);
    expect(() => planDayReconciliation('2026-11-31', 'r', { now })).toThrow(RangeError);
    expect(planReconciliation('2026-11', 'r').billingSlices.every((s) => s.source === 'objects')).toBe(true);
  });

  it('summarizes shards: clean only when nothing is unexplained', () => {
    const s = summarize('2026-11', 'r', [
      {
        shard: 0,
        billingFacts: 3,
        erpFacts: 3,
        findings: 1,
        unexplained: 0,
        byKind: { invoice_missing_in_erp: { explained: 1, unexplained: 0 } },
      },
      {
        shard: 1,
        billingFacts: 2,
        erpFacts: 1,
        findings: 1,
        unexplained: 1,
        byKind: { invoice_missing_in_erp: { explained: 0, unexplained: 1 } },
      },
    ]);
    expect(s).toMatchObject({ clean: false, billingDocuments: 5, erpPostings: 4, unexplained: 1 });
    expect(s.byKind.invoice_missing_in_erp).toEqual({ explained: 1, unexplained: 1 });
  });

  it('CSV quotes reasons and neutralises formula injection', () => {
    const row = csvRow({
      kind: 'amount_mismatch',
      key: '=HYPERLINK("x")',
      document: 'invoice',
      explained: false,
      reason: 'a, "b"',
      currency: 'usd',
      billingAmount: 1,
      erpAmount: -2,
      erpIds: ['e1', 'e2'],
    });
    expect(row).toBe(`amount_mismatch,false,"'=HYPERLINK(""x"")",invoice,usd,1,-2,e1 e2,"a, ""b"""`);
  });
});

describe('the daily run', () => {
  const day = { period: '2026-11-10' };

  it("reconciles only the documents dated that day and leaves ERP-only postings to the month's run", async () => {
    const today = bill({ key: 'invoice:in_today' });
    const earlier = bill({ key: 'invoice:in_earlier', date: '2026-11-03' });
    const orphan = postOf(bill({ key: 'invoice:in_orphan' }));
    const findings = await collect(
      reconcileStreams([earlier, today].sort(compareFacts), [orphan].sort(compareFacts), day),
    );
    expect(findings.map((f) => [f.kind, f.key])).toEqual([['invoice_missing_in_erp', 'invoice:in_today']]);
    // The month's run does report the orphan.
    expect(compareDocument(orphan.key, undefined, [orphan], scope).map((f) => f.kind)).toEqual([
      'posted_without_billing_document',
    ]);
  });

  it('judges a posting moved out of a closed period by the month the day belongs to', () => {
    const b = bill({ key: 'invoice:in_late', date: '2026-11-30' });
    const moved = { ...postOf(b), date: '2026-12-01', lateFromClosedPeriod: '2026-11' };
    const [f] = compareDocument(b.key, b, [moved], { period: '2026-11-30' });
    expect(f).toMatchObject({ kind: 'posted_in_later_period', explained: true });
    expect(f.reason).toMatch(/after 2026-11 was closed/);
  });

  it('looks up the posting, and the reversal only when billing says the document is reversed', () => {
    expect(ledgerEntryIdsOf(bill({ key: 'invoice:in_1', status: 'open' }))).toEqual([
      'stripe:invoice:in_1:post',
    ]);
    expect(ledgerEntryIdsOf(bill({ key: 'invoice:in_1', status: 'void' }))).toEqual([
      'stripe:invoice:in_1:post',
      'stripe:invoice:in_1:void',
    ]);
    expect(ledgerEntryIdsOf(bill({ key: 'payment:in_1' }))).toEqual(['stripe:invoice:in_1:payment']);
    expect(ledgerEntryIdsOf(bill({ key: 'refund:re_1', status: 'failed' }))).toEqual([
      'stripe:refund:re_1:post',
      'stripe:refund:re_1:failed',
    ]);
    expect(ledgerEntryIdsOf(bill({ key: 'payout:po_1', status: 'paid' }))).toEqual([
      'stripe:payout:po_1:deposit',
    ]);
    expect(ledgerEntryIdsOf(bill({ key: 'credit_note:cn_1', status: 'void' }))).toEqual([
      'stripe:credit_note:cn_1:post',
      'stripe:credit_note:cn_1:void',
    ]);
  });

  it("the looked-up ids are the ids the ERP facts of the ledger's entries come from", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<DocumentType>('invoice', 'payment', 'credit_note', 'refund', 'payout'),
        (doc) => {
          const b = bill({ key: `${doc}:x_1`, status: 'paid' });
          const [id] = ledgerEntryIdsOf(b);
          const kind = {
            invoice: 'invoice',
            payment: 'payment',
            credit_note: 'credit_memo',
            refund: 'refund',
            payout: 'deposit',
          }[doc];
          const fact = erpFactOf({
            entryId: id,
            kind,
            documentRef:
              id.replace(/:[a-z_]+$/, '').replace(/^stripe:[a-z_]+:/, 'stripe:') +
              (doc === 'payment' ? ':payment' : ''),
            effectiveDate: '2026-11-10',
            lines: [],
          } as unknown as JournalEntry);
          expect(fact?.key).toBe(b.key);
        },
      ),
    );
  });

  it('keeps the latest snapshot of each object from events listed newest first', async () => {
    const ev = (id: string, object: Record<string, unknown>) => ({ id, object: 'event', data: { object } });
    async function* events() {
      yield ev('evt_3', { id: 'in_1', object: 'invoice', status: 'void' });
      yield ev('evt_2', { id: 'in_2', object: 'invoice', status: 'paid' });
      yield ev('evt_1', { id: 'in_1', object: 'invoice', status: 'open' });
      yield { id: 'evt_0', object: 'event', data: {} };
    }
    const snapshots = await collect(latestSnapshots(events()));
    expect(snapshots.map((o) => [o.id, o.status])).toEqual([
      ['in_1', 'void'],
      ['in_2', 'paid'],
    ]);
  });
});
