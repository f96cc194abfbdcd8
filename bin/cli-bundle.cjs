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
    // tsx stays a package: it is what loads the runtime's TypeScript when serving.
    external: ['tsx'],
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

module.exports = { ensureBundle, isFresh, build, OUT };

if (require.main === module) {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
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
