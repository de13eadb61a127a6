/**
 * Compiles the published schemas' validators ahead of time into dist/validators/<name>.cjs (ajv standalone
 * code), run by `npm run build` after tsc. src/util/published-schema.ts loads them when present and compiles
 * at run time otherwise (tests running src/ through tsx); test/unit/published-validators.test.ts checks that
 * both give the same answers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { ajvFor, PUBLISHED_SCHEMAS, publishedSchema, type PublishedSchemaName } from '../src/util/published-schema.js';

/** The standalone CommonJS module of a published schema's validator. */
export function validatorModule(name: PublishedSchemaName): string {
  const ajv = ajvFor(name, { code: { source: true } });
  return standaloneCode.default(ajv, ajv.compile(publishedSchema(name)));
}

function main(): void {
  const out = join(fileURLToPath(new URL('..', import.meta.url)), 'dist', 'validators');
  mkdirSync(out, { recursive: true });
  for (const name of Object.keys(PUBLISHED_SCHEMAS) as PublishedSchemaName[]) {
    writeFileSync(join(out, `${name}.cjs`), validatorModule(name));
  }
  process.stdout.write(`wrote ${Object.keys(PUBLISHED_SCHEMAS).length} validators to dist/validators/\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
