/**
 * Checks a value against the report.json schema of its own `schemaVersion`: the current version against the
 * typebox schema (the source of truth), older versions against their frozen published schema, so evidence
 * sealed by an older dr-drill still verifies.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Report } from './schema.js';
import type { Report as ReportT } from './schema.js';

/** The schemaVersion this dr-drill writes. */
export const CURRENT_SCHEMA_VERSION = 2;

/** Older report schemas, frozen as published (schemas/ ships with the package). */
const FROZEN: Record<number, string> = { 1: 'report.v1.schema.json' };

const compiled = new Map<number, ValidateFunction>();

function schemaFor(version: number): object | null {
  if (version === CURRENT_SCHEMA_VERSION) return Report;
  const file = FROZEN[version];
  if (!file) return null;
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');
  return JSON.parse(readFileSync(join(root, file), 'utf8')) as object;
}

function validator(version: number): ValidateFunction | null {
  let v = compiled.get(version);
  if (!v) {
    const schema = schemaFor(version);
    if (!schema) return null;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    v = ajv.compile(schema);
    compiled.set(version, v);
  }
  return v;
}

/** Problems with a report, one line each (`/rto/met: must be boolean`); empty when valid. */
export function validateReport(value: unknown): string[] {
  const raw = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  const version = typeof raw === 'number' ? raw : CURRENT_SCHEMA_VERSION;
  const validate = validator(version);
  if (!validate) return [`/schemaVersion: unknown report schema version ${String(raw)} (this dr-drill knows 1 and 2)`];
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => {
    const where = e.instancePath || '/';
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
        : '';
    return `${where}: ${e.message ?? e.keyword}${extra}`;
  });
}

/** Type guard form of validateReport (current schema version only). */
export function isValidReport(value: unknown): value is ReportT {
  return (
    (value as { schemaVersion?: unknown } | null)?.schemaVersion === CURRENT_SCHEMA_VERSION &&
    validateReport(value).length === 0
  );
}
