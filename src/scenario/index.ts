/**
 * The scenario module's front door: load and check a file as written (`validate`), or load, resolve and compile
 * it into a DrillPlan (`plan`, `run`).
 */
import { inputError } from '../errors.js';
import { compilePlan } from '../plan/compile.js';
import type { DrillPlan } from '../plan/types.js';
import { loadScenarioFile, type LoadedScenario } from './load.js';
import { formatProblems } from './problems.js';

export type { LoadedScenario } from './load.js';
export { checkScenarioText } from './load.js';
export { formatProblem, formatProblems, formatPath, type Problem, type PathSegment } from './problems.js';
export { interpolate, placeholderProblems } from './interpolate.js';

/** Reads and checks a scenario file as written; every problem is collected, nothing throws for bad input. */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  return loadScenarioFile(file);
}

/** What compiling a file needs besides the file. */
export interface CompileFileOptions {
  drillId: string;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Loads, checks, resolves and compiles a scenario file. Throws an input DrillError (exit 2) whose message lists
 * every problem, one per line, when the file is invalid, refers to unset variables, or would be unsafe to run.
 */
export async function compileScenarioFile(file: string, opts: CompileFileOptions): Promise<DrillPlan> {
  const loaded = await loadScenarioFile(file);
  if (loaded.scenario === null) {
    const n = loaded.problems.length;
    throw inputError(
      'SCENARIO_INVALID',
      `${file}: ${n} problem${n === 1 ? '' : 's'}\n${formatProblems(loaded.problems)}`,
      `fix the scenario; \`dr-drill validate ${file}\` lists the same problems`,
    );
  }
  return compilePlan(loaded.scenario, {
    drillId: opts.drillId,
    file,
    sha256: loaded.sha256,
    env: opts.env,
    locate: loaded.locate,
  });
}
