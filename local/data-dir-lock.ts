/**
 * One runtime per data dir: two processes on the same LevelDB files and queue snapshot would
 * corrupt each other. The lock file holds the owner's pid; a lock left by a dead process is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed runtime stays a zombie until its parent reaps it (a tsx or npm parent killed with it leaves
  // that to init, which in a container may never come): kill(pid, 0) still succeeds, yet it holds nothing.
  return !isZombie(pid);
}

/** Linux: state Z in /proc/<pid>/stat (the field after the parenthesised command name). */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false; // no procfs (macOS): trust kill(pid, 0)
  }
}

/** Removes this process's lock (an immediate exit, when the runtime cannot stop first); another's is left. */
export function releaseDataDir(dataDir: string): void {
  const file = path.join(dataDir, 'runtime.lock');
  try {
    if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file, { force: true });
  } catch {
    // no lock: nothing to release
  }
}

export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'runtime.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && owner !== process.pid && alive(owner)) {
        throw new DataDirInUseError(
          `data dir ${dataDir} is in use by another local runtime (pid ${owner}); stop it or pass --data-dir`,
        );
      }
      rmSync(file, { force: true }); // stale lock of a process that is gone
    }
  }
  throw new DataDirInUseError(`could not lock data dir ${dataDir}`);
}
