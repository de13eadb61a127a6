import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv as AjvClass, Options, ValidateFunction } from 'ajv';

/**
 * The JSON Schemas as published under schemas/ (shipped with the package), and their validators. Validation
 * reads the published files rather than the typebox values they are generated from (`npm run schemas`; a unit
 * test keeps them equal), because importing typebox costs some 700 modules. And `npm run build` compiles each
 * validator ahead of time into dist/validators/ (scripts/build-validators.ts, ajv's standalone code): compiling
 * the scenario schema at run time was most of what `validate` spent.
 */
export const PUBLISHED_SCHEMAS = {
  // verbose: errors carry the failing data and parent schema, which the scenario problem messages quote.
  'scenario.v1': { allErrors: true, verbose: true, strict: false },
  'report.v1': { allErrors: true, strict: false },
  'report.v2': { allErrors: true, strict: false },
} as const satisfies Record<string, Options>;

/** A JSON Schema dr-drill publishes under schemas/. */
export type PublishedSchemaName = keyof typeof PUBLISHED_SCHEMAS;

const require = createRequire(import.meta.url);
// src/util or dist/util: schemas/ is two levels up in a checkout and in the package; validators/ is a sibling.
const here = dirname(fileURLToPath(import.meta.url));

/** A published schema, parsed. */
export function publishedSchema(name: PublishedSchemaName): object {
  return JSON.parse(readFileSync(join(here, '..', '..', 'schemas', `${name}.schema.json`), 'utf8')) as object;
}

/** An ajv instance with the options a schema is validated with (`code` only for the ahead-of-time build). */
export function ajvFor(name: PublishedSchemaName, extra: Options = {}): AjvClass {
  // Required, not imported, so that a run from dist/ with precompiled validators never loads ajv's compiler.
  const { Ajv } = require('ajv') as typeof import('ajv');
  const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
  const ajv = new Ajv({ ...PUBLISHED_SCHEMAS[name], ...extra });
  addFormats(ajv);
  return ajv;
}

const validators = new Map<PublishedSchemaName, ValidateFunction>();

/** The validator of a published schema: precompiled when dist/validators/ has it, else compiled once here. */
export function publishedValidator(name: PublishedSchemaName): ValidateFunction {
  let v = validators.get(name);
  if (v === undefined) {
    try {
      v = require(join(here, '..', 'validators', `${name}.cjs`)) as ValidateFunction;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
      v = ajvFor(name).compile(publishedSchema(name));
    }
    validators.set(name, v);
  }
  return v;
}
