/**
 * Progress on long work (close, reconcile, the demo): on a TTY one line redrawn in place with a bar when
 * the total is known; elsewhere (CI logs, pipes) a plain line every 2 s at most — never a silent gap.
 */
export interface Ticker {
  tick(done: number, total?: number, note?: string): void;
  finish(): void;
}

export function ticker(label: string, stream: NodeJS.WriteStream = process.stderr, everyMs = 2000): Ticker {
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    tick(done, total, note = '') {
      const secs = Math.round((Date.now() - started) / 1000);
      const counts = total === undefined ? `${done}` : `${done}/${total}`;
      if (stream.isTTY) {
        const width = 24;
        const bar =
          total === undefined
            ? ''
            : `[${'#'.repeat(Math.round((Math.min(done, total) / Math.max(total, 1)) * width)).padEnd(width, '-')}] `;
        stream.write(`\r${label}: ${bar}${counts} ${note} (${secs} s)`.padEnd(90));
        drawn = true;
      } else if (Date.now() - last >= everyMs) {
        last = Date.now();
        stream.write(`${label}: ${counts} ${note} (${secs} s)\n`);
      }
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}

/** Runs one long request, telling the runtime's execution counts every 2 s while it waits. */
export async function whileRunning<T>(
  label: string,
  work: Promise<T>,
  executions: () => Promise<{ inFlight: number; succeeded: number; failed: number }>,
): Promise<T> {
  const t = ticker(label);
  let finished = false;
  const poll = (async () => {
    while (!finished) {
      await new Promise((r) => setTimeout(r, 1000));
      if (finished) break;
      const e = await executions().catch(() => undefined);
      if (e && !finished) t.tick(e.succeeded + e.failed, undefined, `executions done, ${e.inFlight} running`);
    }
  })();
  try {
    return await work;
  } finally {
    finished = true;
    await poll;
    t.finish();
  }
}
