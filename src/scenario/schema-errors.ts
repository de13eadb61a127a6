/**
 * Turns ajv's errors into problems a person can act on. ajv reports every branch of a union (anyOf) it tried,
 * which for `backup`, `target` and each probe means a wall of irrelevant complaints; here we pick the branch the
 * user evidently meant (the probe `kind` they wrote, the one selection key present) and report only its errors,
 * or say plainly which keys were expected.
 */
import type { ErrorObject } from 'ajv';
import { ownValue } from '../util/own-keys.js';
import { DURATION_PATTERN } from '../util/duration.js';
import { problemAt, type Locator, type PathSegment, type Problem } from './problems.js';

type Json = Record<string, unknown>;
const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** An ajv instancePath (`/spec/probes/0/kind`) as path segments, numbers where the data holds a list. */
export function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  const path: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = unescape(raw);
    if (Array.isArray(node)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node = ownValue(node, key);
    }
  }
  return path;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node: unknown = data;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === 'number') node = node[seg];
    else if (isObject(node)) node = ownValue(node, String(seg));
    else return undefined;
  }
  return node;
}

/** The sub-schema an ajv schemaPath (`#/properties/spec/anyOf/1`) points at. */
function schemaAt(root: unknown, schemaPath: string): unknown {
  let node: unknown = root;
  for (const raw of schemaPath.replace(/^#/, '').split('/').slice(1)) {
    const key = unescape(raw);
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node)) node = node[key];
    else return undefined;
  }
  return node;
}

const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer + '/');
const show = (v: unknown) => JSON.stringify(v);

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (isObject(v)) return 'a mapping';
  if (typeof v === 'string') return show(v);
  return String(v);
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'nothing',
};

type Choice = { branch: number } | { at: PathSegment[]; message: string; key: boolean };

/** Which branch of a union the user meant; or, when that cannot be told, a problem saying what was expected. */
function chooseBranch(branches: Json[], value: unknown, errorCounts: number[]): Choice {
  if (branches.every((b) => 'const' in b)) {
    const allowed = branches.map((b) => String(b.const)).join(', ');
    return { at: [], message: `expected one of ${allowed}, got ${describeValue(value)}`, key: false };
  }
  const props = branches.map((b) => (isObject(b.properties) ? b.properties : {}));
  // A property that is a literal in every branch (a probe's `kind`) names the branch outright.
  const discriminator = Object.keys(props[0] ?? {}).find((k) => props.every((p) => isObject(p[k]) && 'const' in p[k]));
  if (discriminator !== undefined) {
    const allowed = props.map((p) => String((p[discriminator] as Json).const));
    const list = allowed.join(', ');
    if (!isObject(value))
      return { at: [], message: `expected a mapping with ${discriminator}: one of ${list}`, key: false };
    const v = value[discriminator];
    const i = allowed.indexOf(String(v));
    if (v === undefined)
      return { at: [], message: `missing required field \`${discriminator}\` (one of ${list})`, key: true };
    if (i < 0 || typeof v !== 'string') {
      return { at: [discriminator], message: `expected one of ${list}, got ${describeValue(v)}`, key: false };
    }
    return { branch: i };
  }
  // Otherwise the branches differ by which key is required (backup: name | fromSchedule | create).
  const required = branches.map((b) => (Array.isArray(b.required) ? (b.required as string[]) : []));
  const distinct = required.map((r) => r.filter((k) => !required.every((o) => o.includes(k))));
  const keys = distinct.flat();
  if (keys.length > 0) {
    const expected = `expected exactly one of ${keys.join(', ')}`;
    if (!isObject(value)) return { at: [], message: `${expected}, got ${describeValue(value)}`, key: false };
    const present = distinct.map((d, i) => (d.some((k) => k in value) ? i : -1)).filter((i) => i >= 0);
    if (present.length === 1) return { branch: present[0]! };
    const found = keys.filter((k) => k in value);
    return { at: [], message: found.length > 1 ? `${expected}, found ${found.join(' and ')}` : expected, key: true };
  }
  // No structural hint: the branch that came closest.
  const best = errorCounts.indexOf(Math.min(...errorCounts));
  return { branch: Math.max(best, 0) };
}

interface Explained {
  path: PathSegment[];
  message: string;
  key: boolean;
}

/** One ajv error (not anyOf) in words. */
function explain(e: ErrorObject, path: PathSegment[]): Explained {
  const p = e.params as Record<string, unknown>;
  const got = describeValue(e.data);
  switch (e.keyword) {
    case 'required':
      return { path, message: `missing required field \`${String(p.missingProperty)}\``, key: true };
    case 'additionalProperties': {
      const extra = String(p.additionalProperty);
      const allowed =
        isObject(e.parentSchema) && isObject(e.parentSchema.properties) ? Object.keys(e.parentSchema.properties) : [];
      const hint = allowed.length > 0 ? ` (expected one of ${allowed.join(', ')})` : '';
      return { path: [...path, extra], message: `unknown field \`${extra}\`${hint}`, key: true };
    }
    case 'type': {
      const t = String(p.type);
      if (isObject(e.parentSchema) && e.parentSchema.pattern === DURATION_PATTERN) {
        return { path, message: `expected a duration such as 90s, 15m, 4h, 1h30m, got ${got}`, key: e.data === null };
      }
      return { path, message: `expected ${TYPE_WORDS[t] ?? t}, got ${got}`, key: e.data === null };
    }
    case 'pattern': {
      const pattern = String(p.pattern);
      if (pattern === DURATION_PATTERN) {
        return { path, message: `expected a duration such as 90s, 15m, 4h, 1h30m, got ${got}`, key: false };
      }
      if (pattern === DNS_LABEL_PATTERN) {
        return {
          path,
          message: `expected lower-case letters, digits and dashes, starting and ending with a letter or digit, got ${got}`,
          key: false,
        };
      }
      return { path, message: `expected text matching ${pattern}, got ${got}`, key: false };
    }
    case 'const':
      return { path, message: `expected ${show(p.allowedValue)}, got ${got}`, key: false };
    case 'enum':
      return {
        path,
        message: `expected one of ${(p.allowedValues as unknown[]).map(String).join(', ')}, got ${got}`,
        key: false,
      };
    case 'minLength':
      return {
        path,
        message: p.limit === 1 ? 'must not be empty' : `expected at least ${String(p.limit)} characters`,
        key: false,
      };
    case 'maxLength':
      return {
        path,
        message: `expected at most ${String(p.limit)} characters, got ${String((e.data as string).length)}`,
        key: false,
      };
    case 'minItems':
      return { path, message: `expected at least ${String(p.limit)} entr${p.limit === 1 ? 'y' : 'ies'}`, key: false };
    case 'minimum':
      return { path, message: `expected a number >= ${String(p.limit)}, got ${got}`, key: false };
    case 'format':
      return { path, message: `expected a ${String(p.format)}, got ${got}`, key: false };
    default:
      return { path, message: e.message ?? `failed ${e.keyword}`, key: false };
  }
}

/**
 * ajv errors (run with allErrors and verbose) as problems, unions narrowed to the branch the user meant.
 * `root` is the schema validated against, `data` the validated value.
 */
export function schemaProblems(
  errors: readonly ErrorObject[],
  root: unknown,
  data: unknown,
  file: string,
  locate: Locator,
): Problem[] {
  const dropped = new Set<ErrorObject>();
  const problems: Problem[] = [];
  // Outermost unions first: choosing a branch there discards the nested unions of the other branches.
  const unions = errors
    .filter((e) => e.keyword === 'anyOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length || a.instancePath.length - b.instancePath.length);
  for (const u of unions) {
    if (dropped.has(u)) continue;
    dropped.add(u);
    const inside = errors.filter(
      (e) => e !== u && e.schemaPath.startsWith(u.schemaPath + '/') && within(e.instancePath, u.instancePath),
    );
    const branches = (schemaAt(root, u.schemaPath) as Json[] | undefined) ?? [];
    const counts = branches.map(
      (_, i) => inside.filter((e) => e.schemaPath.startsWith(`${u.schemaPath}/${i}/`)).length,
    );
    const path = pointerToPath(u.instancePath, data);
    const choice = chooseBranch(branches, valueAt(data, path), counts);
    if ('branch' in choice) {
      const prefix = `${u.schemaPath}/${choice.branch}/`;
      for (const e of inside) if (!e.schemaPath.startsWith(prefix)) dropped.add(e);
    } else {
      for (const e of inside) dropped.add(e);
      problems.push(problemAt(file, locate, [...path, ...choice.at], choice.message, choice.key));
    }
  }
  // Several missing fields of one mapping read better as one problem.
  const missing = new Map<string, string[]>();
  for (const e of errors) {
    if (dropped.has(e) || e.keyword !== 'required') continue;
    missing.set(e.instancePath, [...(missing.get(e.instancePath) ?? []), String(e.params.missingProperty)]);
  }
  for (const [pointer, fields] of missing) {
    const list = fields.map((f) => `\`${f}\``).join(', ');
    const message = fields.length === 1 ? `missing required field ${list}` : `missing required fields ${list}`;
    problems.push(problemAt(file, locate, pointerToPath(pointer, data), message, true));
  }
  for (const e of errors) {
    if (dropped.has(e) || e.keyword === 'required') continue;
    const x = explain(e, pointerToPath(e.instancePath, data));
    problems.push(problemAt(file, locate, x.path, x.message, x.key));
  }
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.line}:${p.col}:${p.path}:${p.message}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
