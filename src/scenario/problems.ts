/**
 * Scenario problems: what `validate` prints, one per line, as `<file>:<line>:<col> <path>: <what was expected>`.
 * Every check (YAML syntax, schema, semantics, `${ENV}` resolution) reports in this one shape so the user sees
 * all of them at once, before anything touches a cluster.
 */

/** A segment of a path inside the scenario: a map key or a list index. */
export type PathSegment = string | number;

/** One thing wrong with a scenario file. */
export interface Problem {
  /** The scenario file as the user named it. */
  file: string;
  /** 1-based line of the offending node (1 when unknown). */
  line: number;
  /** 1-based column of the offending node (1 when unknown). */
  col: number;
  /** Where in the scenario, written like `spec.probes[0].kind`; `(root)` for the document itself. */
  path: string;
  /** What was expected, for a human. */
  message: string;
}

/** 1-based position in the source text. */
export interface Position {
  line: number;
  col: number;
}

/** Finds a path's position in the source; `key` asks for the map key rather than the value. */
export type Locator = (path: readonly PathSegment[], key?: boolean) => Position;

/** A locator for scenarios that did not come from a file (library use): everything is at 1:1. */
export const noLocation: Locator = () => ({ line: 1, col: 1 });

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['spec', 'probes', 0, 'kind']` → `spec.probes[0].kind`; odd keys are quoted: `labels["app.io/x"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** One line per problem, the contract's format. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col} ${p.path}: ${p.message}`;
}

/** All problems, one per line, in file order. */
export function formatProblems(problems: readonly Problem[]): string {
  return sortProblems(problems).map(formatProblem).join('\n');
}

/** File, then line, then column: the order a reader fixes them in. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.path.localeCompare(b.path),
  );
}

/** Builds a problem at a path, located through the locator. */
export function problemAt(
  file: string,
  locate: Locator,
  path: readonly PathSegment[],
  message: string,
  key = false,
): Problem {
  const { line, col } = locate(path, key);
  return { file, line, col, path: formatPath(path), message };
}
