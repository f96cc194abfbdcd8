import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataDirInUseError, lockDataDir } from '../../../local/data-dir-lock';

describe('data dir lock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'q2c-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const lockFile = () => path.join(dir, 'runtime.lock');

  it('refuses a data dir held by another live process', () => {
    writeFileSync(lockFile(), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`pid ${process.ppid}`));
  });

  it('takes over a lock left by a process that is gone, and releases it', () => {
    writeFileSync(lockFile(), '2147483646');
    const unlock = lockDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
    unlock();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('takes over a lock whose owner was killed and is a zombie its (killed) parent never reaped', async () => {
    // `sleep 0` exits at once; its parent became `sleep 5` (exec), which never waits for it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const zombie = await new Promise<number>((resolve) =>
        parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
      );
      let state = '';
      for (let i = 0; i < 100 && state !== 'Z'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const stat = readFileSync(`/proc/${zombie}/stat`, 'utf8');
        state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      }
      expect(state).toBe('Z');
      expect(() => process.kill(zombie, 0)).not.toThrow(); // what made the lock look held
      writeFileSync(lockFile(), String(zombie));
      const unlock = lockDataDir(dir);
      expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
      unlock();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
