// The CLI bundle: local/cli.ts and everything the read commands need, bundled by esbuild into one
// CommonJS file, so `npx q2c trial-balance` loads one file instead of transpiling TypeScript on each
// call. `npm ci` builds it (package.json "prepare" runs this file); bin/q2c.cjs rebuilds it whenever
// one of its source files is newer, so an edited source is never run stale. `q2c serve` is not in it:
// local/serve.ts (the runtime, handlers, ASL loading) stays TypeScript, loaded through tsx when serving.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist', 'q2c.cjs');
/** The bundle's own source files (relative to ROOT), as esbuild's metafile lists them. */
const INPUTS = `${OUT}.inputs.json`;

/** True when the bundle exists and none of its sources (nor this builder) changed since it was built. */
function isFresh() {
  try {
    const built = fs.statSync(OUT).mtimeMs;
    const inputs = JSON.parse(fs.readFileSync(INPUTS, 'utf8'));
    return [...inputs, 'bin/cli-bundle.cjs'].every((f) => fs.statSync(path.join(ROOT, f)).mtimeMs <= built);
  } catch {
    return false;
  }
}

/** `import('./serve')` in local/cli.ts: in the bundle, register tsx's hooks, then load the TypeScript. */
const serveThroughTsx = {
  name: 'serve-through-tsx',
  setup(build) {
    build.onResolve({ filter: /^\.\/serve$/ }, (args) =>
      args.importer === path.join(ROOT, 'local', 'cli.ts')
        ? { path: 'serve', namespace: 'q2c-serve' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'q2c-serve' }, () => ({
      // tsx's ESM + CommonJS hooks, as `node --import tsx` registers them (the runtime does dynamic
      // import()s, which a CommonJS-only hook would leave to Node's plain ESM loader).
      contents:
        "export async function serve(opts) { await import('tsx'); " +
        "const m = await import(require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', 'local', 'serve.ts')).href); " +
        // A CommonJS module's exports arrive as the namespace's default.
        'return (m.serve ?? m.default.serve)(opts); }',
      loader: 'js',
      resolveDir: path.join(ROOT, 'dist'),
    }));
  },
};

async function build() {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    return undefined; // esbuild is a dev dependency: absent from a production install
  }
  const tmp = `${OUT}.${process.pid}.tmp`;
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(ROOT, 'local', 'cli.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Only our own sources are bundled (what costs is transpiling them); packages load from node_modules
    // as installed — tsx (which loads the runtime when serving), native builds found beside their own
    // files, and the AWS SDK, which only replay, verify and smoke load, when they run.
    packages: 'external',
    plugins: [serveThroughTsx],
    metafile: true,
    logLevel: 'error',
    legalComments: 'none',
  });
  const inputs = Object.keys(result.metafile.inputs).filter(
    (f) => !f.includes('node_modules/') && !f.includes(':'),
  );
  // Renames are atomic: two CLI calls rebuilding at once never read half a bundle.
  fs.writeFileSync(`${INPUTS}.${process.pid}.tmp`, JSON.stringify(inputs));
  fs.renameSync(`${INPUTS}.${process.pid}.tmp`, INPUTS);
  fs.renameSync(tmp, OUT);
  return OUT;
}

/** The path of an up-to-date bundle (built or rebuilt first when needed); undefined without esbuild. */
async function ensureBundle() {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  return isFresh() ? OUT : build();
}

/**
 * node_modules/.bin/q2c, the command npx runs. package.json has no "bin": npx runs a root package's own
 * bin by loading the whole installed tree and installing the package into its cache first (3–5 s a
 * call), while a command it finds in node_modules/.bin it just runs. The command runs the bin/q2c.cjs
 * of the project npx is run in (so a checkout whose node_modules is shared, e.g. a git worktree, runs
 * its own sources), else the one beside this node_modules.
 */
const BIN_SHIM = `#!/usr/bin/env node
// q2c: written by the prepare script of ${require('../package.json').name} (bin/cli-bundle.cjs).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const isProject = (dir) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name === ${JSON.stringify(require('../package.json').name)};
  } catch {
    return false;
  }
};
let dir = process.cwd();
while (!isProject(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
require(isProject(dir) ? path.join(dir, 'bin', 'q2c.cjs') : path.join(__dirname, '..', '..', 'bin', 'q2c.cjs'));
`;

/** Writes node_modules/.bin/q2c (when node_modules exists: `npm ci` has run). */
function linkBin(root = ROOT) {
  const binDir = path.join(root, 'node_modules', '.bin');
  if (!fs.existsSync(path.dirname(binDir))) return undefined;
  fs.mkdirSync(binDir, { recursive: true });
  const shim = path.join(binDir, 'q2c');
  fs.rmSync(shim, { force: true });
  fs.writeFileSync(shim, BIN_SHIM, { mode: 0o755 });
  return shim;
}

module.exports = { ensureBundle, isFresh, build, linkBin, OUT };

// `npm ci` / `npm install` run this file as the root package's "prepare" script.
if (require.main === module) {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  linkBin();
  build().then(
    (out) =>
      console.log(
        out ? `q2c CLI bundled: ${path.relative(process.cwd(), out)}` : 'q2c: no esbuild, CLI not bundled',
      ),
    (err) => {
      console.error(`q2c: bundling the CLI failed: ${err.message}`);
      process.exit(1);
    },
  );
}
