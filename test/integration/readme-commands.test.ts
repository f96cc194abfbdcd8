/**
 * Every `npx q2c …` command the README documents, run exactly as typed — through npx and the installed
 * bin, in a child process — in a fresh copy of the repository prepared as `npm ci` prepares it (the
 * root package's "prepare" script: the CLI bundle and node_modules/.bin/q2c). The commands are read
 * from the README itself (code blocks and inline code), so a newly documented command is covered too.
 * `serve` runs until /ops/health answers; the other commands then run against it.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  appendFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../lib/topology';

jest.setTimeout(600_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** A shell line as a user types it, in `cwd`. */
function shell(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', line],
      { cwd, env, timeout: 180_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 });
      },
    );
  });
}

/** The repository's files (tracked and new, not ignored) copied; node_modules linked package by package. */
function freshCheckout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'q2c-readme-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: PROJECT_ROOT })
    .toString()
    .split('\0')
    .filter((f) => f && existsSync(path.join(PROJECT_ROOT, f)));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, f), path.join(dir, f));
  }
  // An installed node_modules, as `npm ci` leaves it: packages (linked to the installed ones) and the
  // .bin links of their commands — without the project's own q2c, which the prepare script must add.
  const installed = realpathSync(path.join(PROJECT_ROOT, 'node_modules'));
  mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  for (const entry of readdirSync(installed)) {
    if (entry === '.bin') continue;
    symlinkSync(path.join(installed, entry), path.join(dir, 'node_modules', entry));
  }
  for (const bin of readdirSync(path.join(installed, '.bin'))) {
    if (bin === 'q2c') continue;
    const target = readlinkSync(path.join(installed, '.bin', bin));
    symlinkSync(target, path.join(dir, 'node_modules', '.bin', bin));
  }
  return dir;
}

/** `npx q2c …` lines of the README: code-block lines and inline code spans. */
export function documentedCommands(readme: string): string[] {
  const lines: string[] = [];
  let inBlock = false;
  for (const line of readme.split('\n')) {
    if (/^\s*```/.test(line)) {
      inBlock = !inBlock;
      continue;
    }
    if (inBlock) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command.startsWith('npx q2c')) lines.push(command);
    } else {
      // In a table a choice's bar is escaped (`a\|b`).
      for (const m of line.matchAll(/`(npx q2c[^`]*)`/g)) lines.push(m[1].replace(/\\\|/g, '|').trim());
    }
  }
  return [...new Set(lines)];
}

/**
 * A documented synopsis as runnable lines: without its [optional] parts, and with all of them (the first
 * of `a|b` choices). `npx q2c replay` alone (prose) is a command too.
 */
export function variants(synopsis: string): string[] {
  // A placeholder stands for the user's own value: the README's example stack name.
  synopsis = synopsis.replace(/<name>/g, 'QuoteToCash').replace(/<stage>/g, 'prod');
  const bare = synopsis.replace(/\s*\[[^\]]*\]/g, '').trim();
  const full = synopsis
    .replace(/\[([^\]]*)\]/g, (_, inner: string) => inner.replace(/(\S+)\|\S+/g, '$1'))
    .replace(/\s+/g, ' ')
    .trim();
  return [...new Set([bare, full])];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

let checkout: string;
let serve: ChildProcess | undefined;
let serveOutput = '';
let url: string;
let env: NodeJS.ProcessEnv;
const commands = documentedCommands(readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8'));
const serveLines = commands.filter((c) => /^npx q2c serve\b/.test(c));
// A synopsis with a value only the user has (`--id <message id>`: a parked message) is a template, not a
// command to type; its command runs with real values in test/integration/cli-ops.test.ts.
const otherLines = commands
  .filter((c) => !/^npx q2c serve\b/.test(c))
  .flatMap(variants)
  .filter((l) => !/<[^>]+>/.test(l));
const timings: Record<string, number> = {};

beforeAll(async () => {
  checkout = freshCheckout();
  env = { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' };
  delete env.STRIPE_WEBHOOK_SECRET;
  const prepared = await shell('npm run prepare', checkout, env);
  expect([prepared.code, prepared.stderr]).toEqual([0, expect.any(String)]);
}, 300_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((r) => serve?.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
  }
  if (checkout) rmSync(checkout, { recursive: true, force: true });
  console.log(`README commands through npx (seconds, wall): ${JSON.stringify(timings, null, 1)}`);
});

describe('the README’s commands, exactly as typed', () => {
  it('finds the documented commands (serve and the operator commands)', () => {
    expect(serveLines.length).toBeGreaterThan(0);
    for (const c of [
      'trial-balance',
      'journal',
      'queues',
      'close',
      'replay',
      'status',
      'reconcile',
      'revenue',
    ])
      expect(otherLines.some((l) => l.startsWith(`npx q2c ${c}`))).toBe(true);
  });

  it('npm ci’s prepare script bundles the CLI and puts q2c in node_modules/.bin', () => {
    expect(statSync(path.join(checkout, 'dist', 'q2c.cjs')).size).toBeGreaterThan(0);
    expect(statSync(path.join(checkout, 'node_modules', '.bin', 'q2c')).mode & 0o111).not.toBe(0);
  });

  it('npx q2c serve … boots and answers /ops/health', async () => {
    // The documented synopsis with every option given; the one substitution: a free port for 4242.
    const port = await freePort();
    const line = variants(serveLines[0])
      .at(-1)
      ?.replace(/--port \d+/, `--port ${port}`) as string;
    expect(line).toMatch(/^npx q2c serve --port \d+ --data-dir \.q2c --no-demo/);
    serve = spawn('sh', ['-c', `exec ${line}`], { cwd: checkout, env, stdio: ['ignore', 'pipe', 'pipe'] });
    serve.stdout?.on('data', (d: Buffer) => (serveOutput += d.toString()));
    serve.stderr?.on('data', (d: Buffer) => (serveOutput += d.toString()));
    url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 180_000;
    let health: { status?: string } | undefined;
    while (Date.now() < deadline && serve.exitCode === null) {
      try {
        const res = await fetch(`${url}/ops/health`);
        if (res.ok) {
          health = (await res.json()) as { status?: string };
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect([health?.status, serveOutput]).toEqual([expect.stringMatching(/ok|degraded/), expect.any(String)]);
    expect(serveOutput).not.toMatch(/Cannot find module|q2c: /);
    expect(existsSync(path.join(checkout, '.q2c', 'ops.token'))).toBe(true);
  });

  it.each(otherLines)('%s', async (line) => {
    expect(url).toBeDefined();
    // The README's commands name no --url: they reach the runtime through Q2C_URL (default :4242).
    const aws = /--target aws/.test(line);
    const runEnv: NodeJS.ProcessEnv = aws
      ? {
          ...env,
          // No AWS account here: the command must say so plainly.
          AWS_ACCESS_KEY_ID: '',
          AWS_SECRET_ACCESS_KEY: '',
          AWS_PROFILE: '',
          AWS_CONFIG_FILE: '/nonexistent',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
          AWS_EC2_METADATA_DISABLED: 'true',
        }
      : { ...env, Q2C_URL: url };
    // The one substitution: the documented default address (port 4242) is the test's runtime.
    const run = await shell(line.replace(/http:\/\/127\.0\.0\.1:4242/g, url), checkout, runEnv);
    timings[line] = Number(run.seconds.toFixed(2));
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // never a stack trace
    if (aws) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^q2c.*(credentials|region)/im);
      return;
    }
    // reconcile exits 2 when something is unexplained (documented); anything else must succeed.
    const succeeded = run.code === 0 || (run.code === 2 && /q2c reconcile/.test(line));
    expect({ line, succeeded, stderr: run.stderr }).toEqual({
      line,
      succeeded: true,
      stderr: expect.any(String),
    });
    expect(run.stdout.trim().length).toBeGreaterThan(0);
    if (/--json/.test(line)) expect(() => JSON.parse(run.stdout) as unknown).not.toThrow();
  });

  it('a read command loads no AWS SDK module (only replay, verify and smoke --target aws need it)', async () => {
    const probe = path.join(checkout, 'aws-probe.cjs');
    writeFileSync(
      probe,
      "const M = require('module'); const load = M._load; const seen = new Set();\n" +
        'M._load = function (r, ...a) { if (/^@(aws-sdk|smithy)\\//.test(r)) seen.add(r); return load.call(this, r, ...a); };\n' +
        "process.on('exit', () => require('fs').writeSync(2, 'AWS:' + JSON.stringify([...seen]) + '\\n'));\n",
    );
    for (const command of ['trial-balance', 'journal', 'queues', 'status', 'revenue --period 2026-11']) {
      const run = await shell(`node --require ./aws-probe.cjs bin/q2c.cjs ${command}`, checkout, {
        ...env,
        Q2C_URL: url,
      });
      expect([command, run.code, /AWS:(.*)/.exec(run.stderr)?.[1]]).toEqual([command, 0, '[]']);
    }
  });

  it('an edited source is never run stale: the next command rebuilds the bundle', async () => {
    const bundle = path.join(checkout, 'dist', 'q2c.cjs');
    const before = statSync(bundle).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    appendFileSync(path.join(checkout, 'local', 'report.ts'), '\n// edited\n');
    const run = await shell('npx q2c --version', checkout, env);
    expect(run.code).toBe(0);
    expect(statSync(bundle).mtimeMs).toBeGreaterThan(before);
  });
});
