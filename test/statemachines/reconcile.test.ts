/**
 * The real reconciliation ASL, with the same substitutions as CDK, under aws-local-stepfunctions:
 * valid ASL; the plan fans out to every billing slice, every ERP segment and every shard with the
 * inputs each task needs; a transient shard error is retried; a failure is parked on the (real,
 * fauxqs) exception queue and the execution fails without publishing a report.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TransientError } from '../../lambdas/domain/errors';
import { planDayReconciliation, planReconciliation } from '../../lambdas/domain/reconciliation/report';
import { definitionSubstitutions, PROJECT_ROOT, STATE_MACHINES, type FunctionKey } from '../../lib/topology';
import { localFunctionArn } from '../../local/lambda';
import { startSqs, type LocalSqs } from '../../local/services/sqs';
import { LocalStateMachine, loadDefinition, type TaskHandler } from '../../local/stepfunctions';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (d: unknown) => { isValid: boolean; errors: unknown[] };

let sqs: LocalSqs;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-sfn-rec-'));
  sqs = await startSqs(dir);
});
afterAll(async () => {
  await sqs.stop();
  rmSync(dir, { recursive: true, force: true });
});

function machine(handlers: Partial<Record<FunctionKey, TaskHandler>>): LocalStateMachine {
  const subs = definitionSubstitutions('reconcile', localFunctionArn, (q) => sqs.queueUrl(q));
  const resolver = {
    lambda: (arn: string): TaskHandler | undefined => {
      const key = STATE_MACHINES.reconcile.functions.find((k) => localFunctionArn(k) === arn);
      if (!key) return undefined;
      return handlers[key] ?? (async () => Promise.reject(new Error(`${key} must not run in this path`)));
    },
    sqs: sqs.client,
  };
  return new LocalStateMachine('reconcile', loadDefinition('reconcile', subs), resolver, 1);
}

const plan = planReconciliation('2026-11', 'run-1', { shards: 3, erpSegments: 2, lookbackDays: 1 });
const shardResult = (shard: number) => ({
  shard,
  billingFacts: 1,
  erpFacts: 1,
  findings: 0,
  unexplained: 0,
  byKind: {},
});

type Calls = Record<'billing' | 'erp' | 'shard' | 'publish' | 'verify', unknown[]>;
const noCalls = (): Calls => ({ billing: [], erp: [], shard: [], publish: [], verify: [] });
const cleanLedger = { clean: true, violationCount: 0 };

/** The extract, compare and publish tasks, each recording its input in `calls`; publish reports the period clean. */
function stubs(calls: Calls): Partial<Record<FunctionKey, TaskHandler>> {
  return {
    extractBillingFacts: async (input) => {
      calls.billing.push(input);
      return { slice: 0, objects: 0, facts: 0 };
    },
    extractErpFacts: async (input) => {
      calls.erp.push(input);
      return { segment: 0, entries: 0, facts: 0 };
    },
    reconcileShard: async (input) => {
      calls.shard.push(input);
      return shardResult(Number(input.shard));
    },
    publishReconciliationReport: async (input) => {
      calls.publish.push(input);
      return { period: input.period, clean: true };
    },
    verifyLedger: async (input) => {
      calls.verify.push(input);
      return cleanLedger;
    },
  };
}

describe('ReconciliationFlow ASL', () => {
  it('is valid ASL', () => {
    const asl = JSON.parse(
      readFileSync(path.join(PROJECT_ROOT, STATE_MACHINES.reconcile.file), 'utf8'),
    ) as unknown;
    const { isValid, errors } = aslValidator(asl);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it("a day on the ledger: extracts the day's events, no ERP segment, and every shard looks the postings up", async () => {
    const day = planDayReconciliation('2026-11-25', 'run-d', {
      shards: 2,
      now: new Date('2026-11-26T02:00:00Z'),
    });
    const calls = noCalls();
    const record = await machine({
      planReconciliation: async () => day,
      ...stubs(calls),
    }).execute({ period: 'yesterday' }, 'exec-d');
    expect(record.status).toBe('SUCCEEDED');
    expect(calls.billing).toEqual([
      {
        runId: 'run-d',
        period: '2026-11-25',
        shards: 2,
        slice: { ...day.billingSlices[0], source: 'events' },
      },
    ]);
    expect(calls.erp).toEqual([]);
    expect(calls.shard).toEqual(
      [0, 1].map((shard) => ({ runId: 'run-d', period: '2026-11-25', shard, erpLookup: true })),
    );
  });

  it('plans, extracts every slice and segment, compares every shard, then publishes once', async () => {
    const calls = noCalls();
    const record = await machine({
      planReconciliation: async (input) => {
        expect(input).toEqual({ period: '2026-11', runId: 'exec-1' });
        return plan;
      },
      ...stubs(calls),
    }).execute({ period: '2026-11' }, 'exec-1');
    expect(record.status).toBe('SUCCEEDED');
    expect(record.output).toEqual({ period: '2026-11', clean: true, ledger: cleanLedger });
    expect(calls.billing).toHaveLength(plan.billingSlices.length);
    expect(calls.billing[0]).toEqual({
      runId: 'run-1',
      period: '2026-11',
      shards: 3,
      slice: plan.billingSlices[0],
    });
    expect(calls.erp).toEqual(
      [0, 1].map((segment) => ({ runId: 'run-1', shards: 3, segment, segments: 2, window: plan.erpWindow })),
    );
    expect(calls.shard).toEqual(
      [0, 1, 2].map((shard) => ({ runId: 'run-1', period: '2026-11', shard, erpLookup: false })),
    );
    expect(calls.publish).toEqual([
      { runId: 'run-1', period: '2026-11', shards: [0, 1, 2].map(shardResult) },
    ]);
    // Then the ledger audits itself for the same period, keeping at most 50 violations in the output.
    expect(calls.verify).toEqual([{ period: '2026-11', maxViolations: 50 }]);
  });

  it('ledger violations are reported in the output, not a failed run (the metric alarms); a failed audit is parked', async () => {
    const calls = noCalls();
    const dirty = { clean: false, violationCount: 1, violations: [{ invariant: 'due_index_missing' }] };
    const record = await machine({
      planReconciliation: async () => plan,
      ...stubs(calls),
      verifyLedger: async () => dirty,
    }).execute({ period: '2026-11' });
    expect(record.status).toBe('SUCCEEDED');
    expect(record.output).toEqual({ period: '2026-11', clean: true, ledger: dirty });

    const failed = await machine({
      planReconciliation: async () => plan,
      ...stubs(noCalls()),
      verifyLedger: async () => {
        throw new Error('scan refused');
      },
    }).execute({ period: '2026-11' });
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('ReconciliationFailed');
  });

  it('retries a transient shard failure, and parks a permanent one without publishing', async () => {
    let attempts = 0;
    const base = {
      planReconciliation: async () => plan,
      extractBillingFacts: async () => ({}),
      extractErpFacts: async () => ({}),
    };
    const retried = await machine({
      ...base,
      reconcileShard: async (input) => {
        if (input.shard === 1 && attempts++ === 0) throw new TransientError('S3 throttled');
        return shardResult(Number(input.shard));
      },
      publishReconciliationReport: async () => ({ period: '2026-11', clean: true }),
      verifyLedger: async () => cleanLedger,
    }).execute({ period: '2026-11' });
    expect(retried.status).toBe('SUCCEEDED');
    expect(attempts).toBe(2);

    const failed = await machine({
      ...base,
      reconcileShard: async () => {
        throw new Error('corrupt part');
      },
    }).execute({ period: '2026-11' });
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('ReconciliationFailed');
    const parked = sqs.inspect('exceptions').map((m) => JSON.parse(m.body) as Record<string, unknown>);
    expect(parked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          classification: 'technical',
          cause: expect.stringContaining('corrupt part'),
        }),
      ]),
    );
  });
});
