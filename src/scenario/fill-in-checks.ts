/**
 * Placeholders a generator (`dr-drill init`) leaves for a person: any text value starting with FILL-IN. A
 * scenario holding one is invalid, so an unreviewed file can neither validate nor run; the problem points at the
 * value and repeats what it asks for.
 */
import type { PathSegment } from './problems.js';

export const FILL_IN = 'FILL-IN';

/** Every FILL-IN value in a parsed scenario, with its path. */
export function fillInProblems(doc: unknown): Array<{ path: PathSegment[]; message: string }> {
  const out: Array<{ path: PathSegment[]; message: string }> = [];
  const walk = (v: unknown, path: PathSegment[]) => {
    if (typeof v === 'string') {
      if (v.startsWith(FILL_IN)) {
        const ask = v.slice(FILL_IN.length).replace(/^[:\s]+/, '');
        out.push({ path, message: `expected a value in place of the ${FILL_IN} placeholder${ask ? `: ${ask}` : ''}` });
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object')
      for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], [...path, k]);
  };
  walk(doc, []);
  return out;
}
