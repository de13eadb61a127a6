/**
 * Checks a value against the report.json schema of its own `schemaVersion`: the current version against the
 * published schema (generated from the typebox source), older versions against their frozen one, so evidence
 * sealed by an older dr-drill still verifies.
 */
import type { ValidateFunction } from 'ajv';
import type { Report as ReportT } from './schema.js';
import { publishedValidator, type PublishedSchemaName } from '../util/published-schema.js';

/** The schemaVersion this dr-drill writes. */
export const CURRENT_SCHEMA_VERSION = 2;

/** The published schema of each version: v1 frozen, the current one generated from ./schema.ts. */
const PUBLISHED: Record<number, PublishedSchemaName> = { 1: 'report.v1', [CURRENT_SCHEMA_VERSION]: 'report.v2' };

function validator(version: number): ValidateFunction | null {
  const name = PUBLISHED[version];
  return name ? publishedValidator(name) : null;
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
