/**
 * A fleet's scenarios, read and checked as written: what `list` prints and what `run <dir>` starts from. Each
 * entry carries what a CI matrix needs to run it elsewhere: the file, the name, the labels, the kube contexts it
 * names and the environment variables it reads.
 */
import { loadScenario, type Problem } from '../scenario/index.js';
import { interpolateString } from '../scenario/interpolate.js';
import type { Scenario } from '../scenario/schema.js';
import { discoverScenarioFiles } from './discover.js';
import type { Selector } from './selector.js';

/** One scenario file of a fleet. */
export interface CatalogEntry {
  /** The file as discovered (relative when the argument was). */
  file: string;
  /** metadata.name; null when the file is invalid. */
  name: string | null;
  labels: Record<string, string>;
  valid: boolean;
  problems: Problem[];
  /** `${NAME}` references, sorted: the variables a runner must set. */
  env: string[];
  /** Kube contexts named by source and target, as written (a `${VAR}` stays a reference). */
  contexts: string[];
}

function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}

/** The `${NAME}` variables a scenario reads, sorted and unique. */
export function envReferences(value: unknown): string[] {
  const names = new Set<string>();
  for (const s of stringsIn(value)) for (const n of interpolateString(s, { env: {} }).unset) names.add(n);
  return [...names].sort();
}

function contextsOf(s: Scenario): string[] {
  const t = s.spec.target;
  const all = [
    s.spec.source?.kubeContext,
    'namespace' in t ? t.namespace.kubeContext : undefined,
    'cluster' in t ? t.cluster.kubeContext : undefined,
  ];
  return [...new Set(all.filter((c): c is string => typeof c === 'string'))];
}

/**
 * Reads every scenario that `args` name. With a selector, valid scenarios whose labels do not match are left
 * out; an invalid one is always kept (its labels are unknown, and it must not be skipped silently).
 */
export async function readCatalog(args: readonly string[], selector: Selector | null): Promise<CatalogEntry[]> {
  const entries: CatalogEntry[] = [];
  for (const file of discoverScenarioFiles(args)) {
    const loaded = await loadScenario(file);
    const s = loaded.scenario;
    const entry: CatalogEntry = {
      file,
      name: s?.metadata.name ?? null,
      labels: { ...(s?.metadata.labels ?? {}) },
      valid: s !== null,
      problems: loaded.problems,
      env: s ? envReferences(s) : [],
      contexts: s ? contextsOf(s) : [],
    };
    if (s && selector && !selector.matches(entry.labels)) continue;
    entries.push(entry);
  }
  return entries;
}
