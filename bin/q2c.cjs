#!/usr/bin/env node
// `npx q2c …` — runs the CLI bundle (dist/q2c.cjs, see bin/cli-bundle.cjs), built at `npm ci` and
// rebuilt here when a source changed. Without esbuild (a production install), the TypeScript runs
// through tsx instead: its ESM and CommonJS hooks, as `node --import tsx local/cli.ts` does.
'use strict';
const { ensureBundle } = require('./cli-bundle.cjs');

ensureBundle().then((bundle) =>
  bundle ? require(bundle) : import('tsx').then(() => import('../local/cli.ts')),
);
