/**
 * Reading a scenario file (YAML or JSON) and collecting every problem in it before anything touches a cluster:
 * YAML syntax, then the JSON Schema (ajv, all errors), then the checks a schema cannot express. Each problem
 * carries the line and column of the node it is about.
 */
import { createHash } from 'node:crypto';
import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import { formatBytes, READ_LIMITS, readCapped } from '../util/capped-read.js';
import type { Scenario } from './schema.js';
import { publishedSchema, publishedValidator } from '../util/published-schema.js';
import { schemaProblems } from './schema-errors.js';
import { semanticProblems } from './checks.js';
import { placeholderProblems } from './interpolate.js';
import { sortProblems, type Locator, type PathSegment, type Problem } from './problems.js';
import { describeError } from '../util/errors.js';

/** A scenario file read and checked as written (no `${ENV}` resolved). */
export interface LoadedScenario {
  file: string;
  /** The scenario when it has no problems; null otherwise. */
  scenario: Scenario | null;
  /** Every problem found, in file order; empty when valid. */
  problems: Problem[];
  /** SHA-256 of the file's bytes (hex); null when the file could not be read. */
  sha256: string | null;
  /** Finds a path's line and column in the file (for later problems, e.g. unset variables). */
  locate: Locator;
}

let schema: object | undefined;
/** The schema the problems are explained against (read only when there are problems). */
function scenarioSchema(): object {
  return (schema ??= publishedSchema('scenario.v1'));
}

/** A locator over a parsed YAML document: map keys and list items down to the deepest node that exists. */
export function documentLocator(doc: Document, lines: LineCounter): Locator {
  const pos = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, col };
  };
  return (path: readonly PathSegment[], wantKey = false) => {
    let node: unknown = doc.contents;
    let keyNode: Node | null = null;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair === undefined) break;
        keyNode = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        keyNode = null;
        node = node.items[seg];
      } else {
        break;
      }
    }
    const valueNode = node as Node | null;
    // An empty value (`objectives:` with nothing after it) has no useful position of its own: point at its key.
    const emptyValue =
      valueNode === null || (isScalar(valueNode) && valueNode.value === null && valueNode.source === '');
    if ((wantKey || emptyValue) && keyNode?.range) return pos(keyNode.range[0]);
    if (valueNode?.range) return pos(valueNode.range[0]);
    if (keyNode?.range) return pos(keyNode.range[0]);
    return { line: 1, col: 1 };
  };
}

/**
 * Guards against crafted files (docs/reliability.md): a scenario is a page of YAML, so anything far outside
 * that is refused with a location before it can exhaust memory or the stack.
 */
export const SCENARIO_LIMITS = {
  /** File size, bytes. */
  bytes: READ_LIMITS.scenario,
  /** Nesting of maps and lists; the deepest real scenario (a probe's `match`) is about 12. */
  depth: 64,
  /** yaml's budget for alias expansion (`*ref` to `&ref`); an alias bomb needs orders of magnitude more. */
  aliases: 100,
} as const;

const tooDeep = `nested more than ${SCENARIO_LIMITS.depth} levels deep: a scenario needs far fewer (a resource exhaustion guard)`;

const notText = 'not a text file (it holds NUL bytes): expected a YAML or JSON scenario';
const scenarioShape = 'a scenario is one YAML or JSON mapping that starts with apiVersion: dr-drill/v1';
const multipleDocuments =
  'a scenario file holds one YAML document; a second one starts here after `---`: put each scenario in a file of its own';
const tooLarge = `the file is larger than ${formatBytes(SCENARIO_LIMITS.bytes)}, the limit for a scenario`;

/** The first collection nested deeper than the limit, found without recursion (the tree may be thousands deep). */
function tooDeepNode(doc: Document): Node | null {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: doc.contents, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isCollection(node)) continue;
    if (depth > SCENARIO_LIMITS.depth) return node;
    for (const item of node.items) {
      if (isPair(item)) {
        stack.push({ node: item.key, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
      } else stack.push({ node: item, depth: depth + 1 });
    }
  }
  return null;
}

/** The first alias in the document, where an expansion problem is reported. */
function firstAlias(doc: Document): Node | null {
  let found: Node | null = null;
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0 && found === null) {
    const node = stack.pop();
    if (isAlias(node)) found = node;
    else if (isPair(node)) stack.push(node.value, node.key);
    else if (isCollection(node)) stack.push(...[...node.items].reverse());
  }
  return found;
}

/** The first line of a yaml error, without the code frame prettyErrors appends. */
function yamlMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** Checks scenario source text; `file` names it in problems. */
export function checkScenarioText(text: string, file: string): Omit<LoadedScenario, 'sha256'> {
  if (Buffer.byteLength(text, 'utf8') > SCENARIO_LIMITS.bytes) return unreadable(file, tooLarge);
  // Quoting a binary file's bytes in a problem would only print garbage.
  if (text.includes('\u0000')) return unreadable(file, notText);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const locate = documentLocator(doc, lines);
  const at = (offset: number | undefined, message: string): Omit<LoadedScenario, 'sha256'> => {
    const { line, col } = lines.linePos(offset ?? 0);
    return { file, scenario: null, problems: [{ file, line, col, path: '(root)', message }], locate };
  };
  if (doc.errors.length > 0) {
    const second = doc.errors.find((e) => e.code === 'MULTIPLE_DOCS');
    if (second) return at(second.pos[0], multipleDocuments);
    // Syntax errors in a file with no apiVersion key at all: another kind of file (Markdown, a shell script), not a
    // scenario with a typo. One line says so, rather than the parser's guesses about every line after.
    const overflow = doc.errors.some((e) => e.message.includes('Maximum call stack size exceeded'));
    if (!overflow && !/^\s*["']?apiVersion["']?\s*:/m.test(text)) {
      const e = doc.errors[0]!;
      const first = yamlMessage(e.message);
      return at(e.pos[0], `not a YAML scenario (${first.charAt(0).toLowerCase()}${first.slice(1)}): ${scenarioShape}`);
    }
    // The parser recurses per nesting level: a stack overflow means a crafted depth, said once as such. The errors
    // beside it are the parser losing its place afterwards (how many depends on the stack left), not the author's.
    const overflowed = doc.errors.find((e) => e.message.includes('Maximum call stack size exceeded'));
    if (overflowed) return at(overflowed.pos[0], tooDeep);
    // The tree after a syntax error is a guess; schema errors on it would mislead.
    const problems = doc.errors.map((e) => ({
      file,
      line: e.linePos?.[0].line ?? 1,
      col: e.linePos?.[0].col ?? 1,
      path: '(root)',
      message: `YAML syntax: ${yamlMessage(e.message)}`,
    }));
    return { file, scenario: null, problems: sortProblems(problems), locate };
  }
  const deep = tooDeepNode(doc);
  if (deep !== null) return at(deep.range?.[0], tooDeep);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: SCENARIO_LIMITS.aliases });
  } catch (e) {
    // yaml throws (rather than reporting) for alias expansion beyond its budget and for aliases without anchors.
    const message = /Excessive alias count/.test(String(e))
      ? `YAML aliases expand beyond ${SCENARIO_LIMITS.aliases} nodes (an alias bomb guard): write the repeated parts out`
      : `YAML: ${yamlMessage(describeError(e))}`;
    return at(firstAlias(doc)?.range?.[0], message);
  }
  // A text without a single `key: value` parses as one string: plain prose, not a scenario.
  if (typeof data === 'string')
    return at(
      doc.contents?.range?.[0],
      'expected a scenario (a mapping that starts with apiVersion: dr-drill/v1), got plain text',
    );
  const validate = publishedValidator('scenario.v1');
  const problems: Problem[] = [];
  const valid = validate(data);
  if (!valid) problems.push(...schemaProblems(validate.errors ?? [], scenarioSchema(), data, file, locate));
  problems.push(...placeholderProblems(data, file, locate));
  if (valid) problems.push(...semanticProblems(data as Scenario, file, locate));
  const sorted = sortProblems(problems);
  return { file, scenario: sorted.length === 0 ? (data as Scenario) : null, problems: sorted, locate };
}

/** Reads and checks a scenario file; never throws for a bad or missing file, it reports a problem instead. */
export async function loadScenarioFile(file: string): Promise<LoadedScenario> {
  let bytes: Buffer;
  try {
    const read = readCapped(file, SCENARIO_LIMITS.bytes);
    if (!read.ok) return unreadable(file, tooLarge);
    bytes = read.bytes;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : `cannot read: ${code ?? String(e)}`;
    return unreadable(file, message);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { ...checkScenarioText(bytes.toString('utf8'), file), sha256 };
}

function unreadable(file: string, message: string): LoadedScenario {
  return {
    file,
    scenario: null,
    problems: [{ file, line: 1, col: 1, path: '(root)', message }],
    sha256: null,
    locate: () => ({ line: 1, col: 1 }),
  };
}
