import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// `import { z } from 'zod'` takes zod's namespace object whole (every locale, JSON Schema conversion:
// ~350 KB in each Lambda bundle); `import * as z` lets esbuild keep only what is used (zod's own docs form).
// (no-restricted-imports cannot say this: with importNames it refuses the namespace import as well.)
const zodNamespaceImport = {
  selector:
    "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z'], " +
    "ImportDeclaration[source.value='zod'] > ImportDefaultSpecifier",
  message: "Use `import * as z from 'zod'`: the named z import defeats tree-shaking (~350 KB per bundle).",
};

export default tseslint.config(
  { ignores: ['node_modules', 'cdk.out', '.q2c', 'dist', 'coverage', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-restricted-syntax': ['error', zodNamespaceImport],
    },
  },
  {
    // Domain code is pure: no AWS, no vendor SDKs, no I/O.
    files: ['lambdas/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@aws-sdk/*',
            '@aws-lambda-powertools/*',
            'stripe',
            'jsforce',
            'node:fs',
            'fs',
            'node:http',
          ],
        },
      ],
    },
  },
);
