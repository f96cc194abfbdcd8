#!/usr/bin/env node
// `npx q2c …` — runs the TypeScript CLI through tsx (no build step; the same sources the tests run).
require('tsx/cjs');
require('../local/cli.ts');
