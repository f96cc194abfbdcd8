/** npm run schemas — regenerates schemas/v1 from the zod definitions (a test fails when they drift). */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { jsonSchema, schemaFile, SCHEMAS } from './definitions';

for (const name of Object.keys(SCHEMAS)) {
  const file = path.join(__dirname, schemaFile(name));
  writeFileSync(file, JSON.stringify(jsonSchema(name), null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
