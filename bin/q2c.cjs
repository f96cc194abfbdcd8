#!/usr/bin/env node
// `npx q2c …` — runs the CLI bundle (dist/q2c.cjs, see bin/cli-bundle.cjs), built at `npm ci` and
// rebuilt here when a source changed. Without esbuild (a production install), the TypeScript runs
// through tsx instead: its ESM and CommonJS hooks, as `node --import tsx local/cli.ts` does.
'use strict';
const { ensureBundle } = require('./cli-bundle.cjs');

/** A configuration file a person must fix fails while the CLI loads: its message says how; no stack trace. */
function configError(err) {
  if (!err || err.name !== 'InvalidConfigError') throw err;
  console.error(`q2c: ${err.message}`);
  process.exit(1);
}

ensureBundle()
  .then((bundle) => {
    if (!bundle) return import('tsx').then(() => import('../local/cli.ts'));
    try {
      require(bundle);
    } catch (err) {
      configError(err);
    }
  })
  .catch(configError);
