/** Progress on long work: a bar redrawn in place on a TTY, a plain line at most every 2 s elsewhere. */
import { ticker, whileRunning } from '../../../local/progress';

const stream = (isTTY: boolean) => {
  const written: string[] = [];
  return { written, s: { isTTY, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream };
};

afterEach(() => jest.useRealTimers());

test('not a TTY: the first tick at once, then one plain line per 2 s with the counts', () => {
  jest.useFakeTimers({ now: 1_000_000 });
  const { written, s } = stream(false);
  const t = ticker('demo: Stripe deliveries', s);
  t.tick(1, 89, 'sent');
  t.tick(2, 89, 'sent'); // within 2 s: not written
  jest.advanceTimersByTime(2000);
  t.tick(40, 89, 'sent');
  t.finish();
  expect(written).toEqual([
    'demo: Stripe deliveries: 1/89 sent (0 s)\n',
    'demo: Stripe deliveries: 40/89 sent (2 s)\n',
  ]);
});

test('a TTY: one line redrawn in place with a bar, ended by a newline', () => {
  const { written, s } = stream(true);
  const t = ticker('replay', s);
  t.tick(12, 24);
  t.finish();
  expect(written[0]).toMatch(/^\rreplay: \[#{12}-{12}\] 12\/24/);
  expect(written.at(-1)).toBe('\n');
});

test('whileRunning tells the execution counts while a long request runs, and returns its answer', async () => {
  const writes: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((t) => (writes.push(String(t)), true));
  const answer = await whileRunning(
    'close 2026-11',
    new Promise((r) => setTimeout(() => r('closed'), 1500)),
    async () => ({ inFlight: 2, succeeded: 5, failed: 0 }),
  );
  spy.mockRestore();
  expect(answer).toBe('closed');
  expect(writes.join('')).toMatch(/close 2026-11: 5 executions done, 2 running/);
});
