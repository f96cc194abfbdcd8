/**
 * The ops token: a random secret per data dir, in `<data-dir>/ops.token` (mode 0600), that every
 * operator action (POST /ops/*) must send as `Authorization: Bearer <token>`. Whoever can read the data
 * dir may act on the runtime; a web page in the developer's browser, or another local user, cannot.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const OPS_TOKEN_FILE = 'ops.token';

export const opsTokenPath = (dataDir: string): string => path.join(path.resolve(dataDir), OPS_TOKEN_FILE);

/** The data dir's token, created on first start (kept across restarts, so scripts keep working). */
export function ensureOpsToken(dataDir: string): string {
  const file = opsTokenPath(dataDir);
  try {
    writeFileSync(file, randomBytes(32).toString('base64url') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // An existing token readable by others (copied, or made by hand) is narrowed to its owner.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
  return readOpsToken(dataDir);
}

/** The token of a data dir a runtime was started with; a readable error when there is none. */
export function readOpsToken(dataDir: string): string {
  const file = opsTokenPath(dataDir);
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error(
      `no ops token at ${file}: pass the --data-dir the runtime was started with (q2c serve --data-dir …)`,
    );
  }
  if (!token) throw new Error(`the ops token file ${file} is empty: delete it and restart q2c serve`);
  return token;
}
