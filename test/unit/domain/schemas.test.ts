import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { jsonSchema, schemaFile, SCHEMAS } from '../../../schemas/definitions';

describe('published JSON Schemas (schemas/v1)', () => {
  it.each(Object.keys(SCHEMAS))(
    '%s is up to date with the zod definition (run `npm run schemas`)',
    (name) => {
      const published = JSON.parse(
        readFileSync(path.join(__dirname, '../../../schemas', schemaFile(name)), 'utf8'),
      );
      expect(published).toEqual(jsonSchema(name));
    },
  );

  it('describes money as integers in minor units', () => {
    const invoice = jsonSchema('invoice') as { properties: Record<string, { type?: string }> };
    expect(invoice.properties.total.type).toBe('integer');
  });
});
