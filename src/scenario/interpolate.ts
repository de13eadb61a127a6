/**
 * `${ENV}` and `{{drillId}}` in scenario string values. `validate` only checks that they are well-formed (the file
 * as written); `plan` and `run` resolve them. Resolution is one pass, so a value taken from the environment is
 * never expanded again.
 */
import { setOwn } from '../util/own-keys.js';
import { noLocation, problemAt, type Locator, type PathSegment, type Problem } from './problems.js';
import { isSecretFlag, isSecretKey } from '../util/secrets.js';

/** The environment variable name rule: upper-case letters, digits and `_`, not starting with a digit. */
export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const ENV_REF = /\$\{([^}]*)(\})?/g;
const PLACEHOLDER = /\{\{([^}]*)(\}\})?/g;
const RESOLVABLE = /\$\{([A-Z_][A-Z0-9_]*)\}|\{\{\s*drillId\s*\}\}/g;

/** Calls `visit` for every string value with its path; keys are never interpolated. */
function walkStrings(value: unknown, path: PathSegment[], visit: (s: string, path: PathSegment[]) => string): unknown {
  if (typeof value === 'string') return visit(value, path);
  if (Array.isArray(value)) return value.map((v, i) => walkStrings(v, [...path, i], visit));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, walkStrings(v, [...path, k], visit));
    return out;
  }
  return value;
}

/** Malformed `${…}` references and `{{…}}` placeholders other than `{{drillId}}`, one problem each. */
export function placeholderProblems(value: unknown, file: string, locate: Locator = noLocation): Problem[] {
  const problems: Problem[] = [];
  walkStrings(value, [], (s, path) => {
    for (const m of s.matchAll(ENV_REF)) {
      const name = m[1] ?? '';
      if (m[2] === undefined) {
        problems.push(problemAt(file, locate, path, `unclosed \`\${\`: expected \${NAME}`));
      } else if (!ENV_NAME.test(name)) {
        problems.push(
          problemAt(
            file,
            locate,
            path,
            `malformed variable \`\${${name}}\`: expected \${NAME} with NAME of A-Z, 0-9 and _, not starting with a digit`,
          ),
        );
      }
    }
    for (const m of s.matchAll(PLACEHOLDER)) {
      const inner = (m[1] ?? '').trim();
      if (m[2] === undefined)
        problems.push(problemAt(file, locate, path, 'unclosed `{{`: the only placeholder is {{drillId}}'));
      else if (inner !== 'drillId') {
        problems.push(
          problemAt(file, locate, path, `unknown placeholder \`{{${inner}}}\`: the only placeholder is {{drillId}}`),
        );
      }
    }
    return s;
  });
  return problems;
}

/** What to resolve; an omitted one is left as written. */
export interface InterpolateOptions {
  /** The environment `${NAME}` reads from; omitted: `${…}` is kept. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Replaces `{{drillId}}`; omitted: kept. */
  drillId?: string;
  /** For problems. */
  file: string;
  /** For problems' line and column. */
  locate?: Locator;
}

/** Replaces `${NAME}` and `{{drillId}}` in a string; unset variables are returned, not thrown. */
export function interpolateString(
  s: string,
  opts: Pick<InterpolateOptions, 'env' | 'drillId'>,
): { value: string; unset: string[] } {
  const unset: string[] = [];
  const value = s.replace(RESOLVABLE, (whole, name: string | undefined) => {
    if (name === undefined) return opts.drillId ?? whole;
    if (opts.env === undefined) return whole;
    const v = opts.env[name];
    if (v === undefined) {
      unset.push(name);
      return whole;
    }
    return v;
  });
  return { value, unset };
}

/**
 * A copy of `value` with `${ENV}` and `{{drillId}}` resolved in every string, and a problem for each unset
 * variable naming the file, the path and the variable.
 */
export function interpolate<T>(value: T, opts: InterpolateOptions): { value: T; problems: Problem[] } {
  const problems: Problem[] = [];
  const locate = opts.locate ?? noLocation;
  const out = walkStrings(value, [], (s, path) => {
    const r = interpolateString(s, opts);
    for (const name of r.unset) {
      problems.push(
        problemAt(opts.file, locate, path, `environment variable ${name} is not set (used as \${${name}})`),
      );
    }
    return r.value;
  });
  return { value: out as T, problems };
}

/**
 * The environment values a scenario references in secret positions: under a secret-looking variable name
 * (`${ARM_CLIENT_SECRET}`), under a secret-looking field (`connectionString`, `webhook`), in a hook's env, or
 * as the argument after a credential flag (`--password ${DB}`). The run registers them before anything prints.
 */
export function secretReferences(value: unknown, env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  const visit = (v: unknown, path: PathSegment[], prev: unknown): void => {
    if (typeof v === 'string') {
      const field = String(path.at(-1) ?? '');
      const parent = String(path.at(-2) ?? '');
      const position =
        isSecretKey(field) ||
        field === 'webhook' ||
        parent === 'env' ||
        (typeof prev === 'string' && isSecretFlag(prev));
      for (const m of v.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)) {
        const name = m[1]!;
        if ((position || isSecretKey(name)) && env[name]) out.push(env[name]!);
      }
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...path, i], i > 0 ? v[i - 1] : null));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, [...path, k], null);
  };
  visit(value, [], null);
  return out;
}
