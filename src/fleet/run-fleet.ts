/**
 * A fleet run: many scenarios, at most `parallel` drills at a time, each the same `runDrill` a single `run` does
 * (its own drill id, so scratch namespaces, Restore names and report folders never collide), then one summary.
 * Every scenario is compiled before the first drill starts: one invalid scenario stops the fleet at exit 2 with
 * nothing touched. A library API like runDrill: it returns data and prints nothing.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DrillPlan } from '../plan/types.js';
import { mapNamespace } from '../plan/compile.js';
import { negativeControlPlan } from '../plan/negative-control.js';
import { runDrill, type DrillOptions, type DrillOutcome } from '../engine/index.js';
import { inputError, describeError, isDrillError } from '../util/errors.js';
import { exitCodeForError, exitCodeForNegativeControl, exitCodeForVerdict, EXIT } from '../exit-codes.js';
import { compactUtc, utc } from '../util/clock.js';
import {
  fleetDrillOf,
  renderFleetJunit,
  renderFleetMarkdown,
  summarise,
  type FleetDrill,
  type FleetSummary,
} from './summary.js';

/** Each drill's plan with the file it came from. */
export interface FleetMember {
  file: string;
  plan: DrillPlan;
}

/** How a fleet runs: how many drills at once, its id, and each drill's options. */
export interface FleetOptions {
  parallel: number;
  fleetId: string;
  /** The options of each drill; `drill` may add per-drill ones (progress, html with history). */
  drill: Omit<DrillOptions, 'onEvent' | 'html'>;
  perDrill?: (m: FleetMember) => Pick<DrillOptions, 'onEvent' | 'html'>;
  /** Called after each drill (notifications, progress). */
  afterDrill?: (m: FleetMember, outcome: DrillOutcome) => Promise<void>;
  /**
   * Every drill is its scenario's negative control (`run --negative-control`): one impossible expectation planted,
   * exit 0 only when that is what failed, 1 for a PASS or any other FAIL, 3 for an ERROR.
   */
  negativeControl?: boolean;
  /** Wraps a drill (e.g. the per-scenario lease); default: runs it. */
  around?: (m: FleetMember, drill: () => Promise<DrillOutcome>) => Promise<DrillOutcome>;
}

/** The Velero server that runs a plan's restore, `<context>/<namespace>`. */
export function veleroServerOf(plan: DrillPlan): string {
  const ctx = plan.target.kubeContext ?? plan.source.kubeContext ?? '(current context)';
  return `${ctx}/${plan.target.veleroNamespace}`;
}

/**
 * Input errors a fleet has that its scenarios alone do not: two files with one scenario name (one lease, one
 * history), and two drills that would restore into the same namespace of the same cluster.
 */
export function fleetProblems(members: readonly FleetMember[]): string[] {
  const problems: string[] = [];
  const byName = new Map<string, string[]>();
  for (const m of members) byName.set(m.plan.scenario.name, [...(byName.get(m.plan.scenario.name) ?? []), m.file]);
  for (const [name, files] of byName)
    if (files.length > 1) problems.push(`scenario name ${name} is used by ${files.join(' and ')}`);
  const owner = new Map<string, string>();
  for (const m of members) {
    const ctx = m.plan.target.kubeContext ?? m.plan.source.kubeContext ?? '(current context)';
    for (const ns of m.plan.restore.includedNamespaces ?? []) {
      const key = `${ctx}/${mapNamespace(m.plan, ns)}`;
      const other = owner.get(key);
      if (other && other !== m.plan.scenario.name)
        problems.push(`${other} and ${m.plan.scenario.name} both restore into namespace ${key}`);
      owner.set(key, m.plan.scenario.name);
    }
  }
  return problems;
}

/** Runs `fn` over `items` with at most `limit` running at once; results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** What a fleet run returns: the summary and the files it was written to. */
export interface FleetOutcome {
  summary: FleetSummary;
  /** Where summary.md, summary.json and junit.xml were written. */
  files: { markdown: string; json: string; junit: string };
}

export async function runFleet(members: readonly FleetMember[], opts: FleetOptions): Promise<FleetOutcome> {
  const problems = fleetProblems(members);
  if (problems.length) {
    throw inputError('FLEET_INVALID', problems.join('\n'), 'give each scenario its own name and target namespaces');
  }
  const startedAt = opts.drill.clock.now();
  const drills = await mapBounded(members, opts.parallel, async (m): Promise<FleetDrill> => {
    const base = { file: m.file, veleroServer: veleroServerOf(m.plan) };
    if (opts.drill.signal?.aborted) return notRun(m, base, EXIT.interrupted, 'interrupted before it started');
    try {
      const negative = opts.negativeControl ? negativeControlPlan(m.plan) : null;
      const go = () =>
        runDrill(negative?.plan ?? m.plan, {
          ...opts.drill,
          ...opts.perDrill?.(m),
          negativeControl: negative?.planted ?? null,
        });
      const outcome = await (opts.around ? opts.around(m, go) : go());
      await opts.afterDrill?.(m, outcome);
      const r = outcome.report;
      const exitCode = outcome.interrupted
        ? EXIT.interrupted
        : outcome.inputProblem
          ? EXIT.input
          : negative
            ? exitCodeForNegativeControl(r.verdict, r.negativeControlResult?.conclusive)
            : exitCodeForVerdict(r.verdict);
      return fleetDrillOf(r, { ...base, exitCode, folder: outcome.folder });
    } catch (e) {
      // One drill that cannot start (already being drilled, bad credentials) must not stop the others.
      return notRun(m, base, exitCodeForError(e), isDrillError(e) ? `${e.code}: ${e.message}` : describeError(e));
    }
  });
  const endedAt = opts.drill.clock.now();
  const summary = summarise(drills, {
    fleetId: opts.fleetId,
    startedAt: utc(startedAt),
    endedAt: utc(endedAt),
    parallel: opts.parallel,
  });
  mkdirSync(opts.drill.reportDir, { recursive: true });
  // Files beside the scenario folders (not a folder of their own, which report history would take for a scenario).
  const stem = join(opts.drill.reportDir, `fleet-${compactUtc(startedAt)}-${opts.fleetId}`);
  const files = { markdown: `${stem}.md`, json: `${stem}.json`, junit: `${stem}.junit.xml` };
  writeFileSync(files.markdown, renderFleetMarkdown(summary));
  writeFileSync(files.json, JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(files.junit, renderFleetJunit(summary));
  return { summary, files };
}

function notRun(
  m: FleetMember,
  base: Pick<FleetDrill, 'file' | 'veleroServer'>,
  exitCode: number,
  reason: string,
): FleetDrill {
  return {
    ...base,
    scenario: m.plan.scenario.name,
    drillId: m.plan.drillId,
    verdict: null,
    exitCode,
    folder: null,
    rtoSeconds: null,
    rpoSeconds: null,
    restoreQueuedSeconds: null,
    negativeControl: null,
    reasons: [reason],
  };
}
