/**
 * The Lambda artifacts as they deploy: synthesize the app with bundling into an outdir, read each
 * function's asset directory, handler and environment from the template, and run those bundles under
 * a given Node binary in a directory with no node_modules (what Lambda's nodejs24.x runtime sees).
 * Shared by the Node 24 artifact test and `npm run bench`.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildApp } from '../lib/app';
import { TOPOLOGY_METADATA_KEY } from '../lib/constructs/topology-metadata';
import { FUNCTIONS, PROJECT_ROOT, type FunctionKey } from '../lib/topology';

export { ensureNode24, node24Binary } from './node24';

export interface BundledFunction {
  key: FunctionKey;
  /** The function's topology id (e.g. IngestStripeWebhook). */
  id: string;
  runtime: string;
  /** The asset directory CDK uploads (index.js + index.js.map). */
  assetDir: string;
  /** `index.handler` → file index.js, export handler. */
  file: string;
  exportName: string;
  /** index.js size in bytes (what Lambda loads; the source map is only read on an error). */
  bytes: number;
  /** Environment variables as synthesized: literals, or intrinsics such as {Ref: …}. */
  environment: Record<string, unknown>;
}

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/** cdk.json's context (feature flags), so the bundles and template match `cdk synth`. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/** Synthesizes with esbuild bundling into `outdir` (~10 s) and lists every function's artifact. */
export function synthesizeBundles(outdir: string): {
  functions: BundledFunction[];
  resources: Record<string, TemplateResource>;
} {
  const built = buildApp({ outdir, cloudFormationValidation: false, context: cdkJsonContext() });
  const artifact = built.app.synth().getStackArtifact(built.stack.artifactId);
  const template = JSON.parse(readFileSync(path.join(outdir, artifact.templateFile), 'utf8')) as {
    Resources: Record<string, TemplateResource>;
  };
  const functions: BundledFunction[] = [];
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const tag = resource.Metadata?.[TOPOLOGY_METADATA_KEY];
    if (typeof tag !== 'string' || !tag.startsWith('FUNCTIONS.')) continue;
    const key = tag.slice('FUNCTIONS.'.length) as FunctionKey;
    const p = resource.Properties ?? {};
    const s3Key = (p.Code as { S3Key?: unknown } | undefined)?.S3Key;
    if (typeof s3Key !== 'string' || !s3Key.endsWith('.zip')) {
      throw new Error(`${key}: expected a zipped file asset, got ${JSON.stringify(p.Code)}`);
    }
    const assetDir = path.join(outdir, `asset.${s3Key.slice(0, -'.zip'.length)}`);
    const [base, exportName] = String(p.Handler).split('.');
    const file = `${base}.js`;
    functions.push({
      key,
      id: FUNCTIONS[key].id,
      runtime: String(p.Runtime),
      assetDir,
      file,
      exportName,
      bytes: statSync(path.join(assetDir, file)).size,
      environment: ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
        {}) as Record<string, unknown>,
    });
  }
  return { functions, resources: template.Resources };
}

/**
 * The template's environment with each intrinsic replaced: `{Ref: LogicalId}` of a topology resource is
 * handed to `resolve(tag)` (e.g. "TABLES.ledger"); undefined drops the variable (secrets: no Secrets
 * Manager locally). Any other intrinsic throws, so a new kind of wiring cannot slip past unnoticed.
 */
export function resolveEnvironment(
  fn: BundledFunction,
  resources: Record<string, TemplateResource>,
  resolve: (tag: string) => string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    if (typeof value === 'string') {
      env[name] = value;
      continue;
    }
    const ref = (value as { Ref?: unknown }).Ref;
    const tag = typeof ref === 'string' ? resources[ref]?.Metadata?.[TOPOLOGY_METADATA_KEY] : undefined;
    if (typeof tag !== 'string') {
      throw new Error(`${fn.id}: environment ${name} = ${JSON.stringify(value)} has no local equivalent`);
    }
    const resolved = resolve(tag);
    if (resolved !== undefined) env[name] = resolved;
  }
  return env;
}

/**
 * Copies a bundle into `parent/<id>` and proves that nothing above it holds a node_modules, so the bundle
 * resolves only what it carries (and Node's built-ins), as in Lambda's /var/task.
 */
export function isolateBundle(fn: BundledFunction, parent: string): string {
  const dir = path.join(parent, fn.id);
  cpSync(fn.assetDir, dir, { recursive: true });
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules')))
      throw new Error(`${d}/node_modules exists: ${fn.id} would not be isolated`);
    if (path.dirname(d) === d) break;
  }
  return dir;
}

// ------------------------------------------------------------------------------------------------
// Running a bundle in a child process of a given Node binary
// ------------------------------------------------------------------------------------------------

/**
 * Plain CommonJS (no TypeScript, no dependencies): loads the bundle, checks the export, and either
 * reports the load or invokes the handler with the event from stdin and a Lambda-shaped context.
 * The answer goes to a file, since handlers log to stdout.
 */
const RUNNER = `'use strict';
const { writeFileSync } = require('node:fs');
const { randomUUID } = require('node:crypto');
const [, , bundle, exportName, mode, answerFile] = process.argv;
const answer = (a) => writeFileSync(answerFile, JSON.stringify(a));
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', async () => {
  const t0 = process.hrtime.bigint();
  let mod;
  try {
    mod = require(bundle);
  } catch (err) {
    return answer({ ok: false, stage: 'load', error: { name: err.name, message: err.message } });
  }
  const initMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (typeof mod[exportName] !== 'function') {
    return answer({ ok: false, stage: 'export', error: { message: 'no function export ' + exportName } });
  }
  if (mode === 'load') return answer({ ok: true, initMs, node: process.version });
  const { event, context } = JSON.parse(input);
  const deadline = Date.now() + context.timeoutSeconds * 1000;
  const ctx = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: context.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: String(context.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/' + context.functionName,
    logStreamName: 'node24',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await mod[exportName](event, ctx);
    answer({ ok: true, initMs, node: process.version, result: result === undefined ? null : result });
  } catch (err) {
    answer({ ok: false, stage: 'invoke', error: { name: err.name, message: err.message } });
  }
});
`;

export type RunAnswer =
  | { ok: true; initMs: number; node: string; result?: unknown }
  | { ok: false; stage: 'load' | 'export' | 'invoke'; error: { name?: string; message: string } };

export interface RunOptions {
  node: string;
  /** The isolated bundle directory (isolateBundle). */
  dir: string;
  fn: BundledFunction;
  /** The whole environment of the process (nothing is inherited: Lambda gives only its own). */
  env: Record<string, string>;
  /** Omitted: only load the bundle and check its export. */
  event?: unknown;
  timeoutMs?: number;
}

export function runBundle(opts: RunOptions): Promise<RunAnswer & { output: string }> {
  const runner = path.join(path.dirname(opts.dir), 'run-bundle.cjs');
  if (!existsSync(runner)) writeFileSync(runner, RUNNER);
  const answerFile = path.join(
    path.dirname(opts.dir),
    `${opts.fn.id}.${process.hrtime.bigint()}.answer.json`,
  );
  const def = FUNCTIONS[opts.fn.key];
  return new Promise((resolve, reject) => {
    const child = spawn(
      opts.node,
      [
        runner,
        path.join(opts.dir, opts.fn.file),
        opts.fn.exportName,
        opts.event === undefined ? 'load' : 'invoke',
        answerFile,
      ],
      // PATH only so the child can find nothing else; cwd the bundle, as /var/task in Lambda.
      { cwd: opts.dir, env: { PATH: '/usr/bin:/bin', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!existsSync(answerFile)) {
        return reject(
          new Error(
            `${opts.fn.id} under ${opts.node} exited ${code ?? signal} without an answer:\n${output}`,
          ),
        );
      }
      const answer = JSON.parse(readFileSync(answerFile, 'utf8')) as RunAnswer;
      rmSync(answerFile);
      resolve({ ...answer, output });
    });
    child.stdin.end(
      JSON.stringify({
        event: opts.event ?? null,
        context: {
          functionName: `q2c-${def.id}`,
          invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:q2c-${def.id}`,
          memoryMb: def.memoryMb,
          timeoutSeconds: def.timeoutSeconds,
        },
      }),
    );
  });
}
