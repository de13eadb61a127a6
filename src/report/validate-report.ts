/** Checks a value against the report.json schema (the typebox schema is the source of truth). */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Report } from './schema.js';
import type { Report as ReportT } from './schema.js';

let compiled: ValidateFunction | null = null;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    compiled = ajv.compile(Report);
  }
  return compiled;
}

/** Problems with a report, one line each (`/rto/met: must be boolean`); empty when valid. */
export function validateReport(value: unknown): string[] {
  const validate = validator();
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

/** Type guard form of validateReport. */
export function isValidReport(value: unknown): value is ReportT {
  return validateReport(value).length === 0;
}
