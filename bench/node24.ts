/**
 * Node 24 (Lambda's nodejs24.x) from the npm registry: the `node-<platform>-<arch>` packages carry the
 * official binary, and CI reaches only the npm and Debian registries. Cached under .cache/node24
 * (gitignored) so repeated runs skip the download. `npx tsx bench/node24.ts` fetches it and prints its path.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

const PROJECT_ROOT = path.resolve(__dirname, '..');
export const NODE24_CACHE = path.join(PROJECT_ROOT, '.cache', 'node24');
const NODE24_PACKAGE = `node-${process.platform}-${process.arch}@24`;

/** The Node 24 binary: $Q2C_NODE24, or the cached download (undefined when neither exists). */
export function node24Binary(): string | undefined {
  const candidates = [process.env.Q2C_NODE24, path.join(NODE24_CACHE, 'package', 'bin', 'node')];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

/** Downloads Node 24 into .cache/node24 with `npm pack` (once; later runs reuse it). */
export function ensureNode24(): string {
  const existing = node24Binary();
  if (existing) return existing;
  mkdirSync(NODE24_CACHE, { recursive: true });
  const tarball = execFileSync('npm', ['pack', NODE24_PACKAGE, '--silent'], { cwd: NODE24_CACHE })
    .toString()
    .trim()
    .split('\n')
    .pop() as string;
  execFileSync('tar', ['xzf', tarball], { cwd: NODE24_CACHE });
  rmSync(path.join(NODE24_CACHE, tarball));
  const binary = node24Binary();
  if (!binary) throw new Error(`npm pack ${NODE24_PACKAGE} did not yield package/bin/node`);
  return binary;
}

if (require.main === module) console.log(ensureNode24());
