/**
 * Issue 12 defect 7 as a newcomer meets it: `npm start` twice on the same data dir. The demo parks
 * the unmapped Oakridge deal; the second start delivers every deal (and the Stripe month) again, and
 * the exception queue still holds that one message — not one more per start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startRuntimeProcess, type RunningRuntime } from './harness';

let dataDir: string;
let runtime: RunningRuntime | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-demo-parked-'));
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startDemo(): Promise<{
  depth: number;
  messages: { correlationId: string | null; reason: string }[];
}> {
  runtime = await startRuntimeProcess(dataDir, [], { demo: true });
  const { queues } = await runtime.ops.queues();
  const exceptions = queues.find((q) => q.queue === 'exceptions')!;
  await runtime.stop();
  runtime = undefined;
  return exceptions;
}

it('npm start twice: the unmapped Oakridge deal is parked once', async () => {
  const first = await startDemo();
  expect(first.messages).toEqual([
    expect.objectContaining({ reason: expect.stringContaining('unmapped_product') }),
  ]);
  const second = await startDemo();
  expect(second.depth).toBe(1);
  expect(second.messages.map((m) => [m.correlationId, m.reason])).toEqual(
    first.messages.map((m) => [m.correlationId, m.reason]),
  );
}, 600_000);
