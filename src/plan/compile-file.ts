/**
 * A scenario file to a DrillPlan in one call (`plan`, `run`, `watch`, fleet runs): load and check it as written,
 * then resolve and compile it.
 */
import { inputError } from '../util/errors.js';
import { loadScenarioFile } from '../scenario/load.js';
import { formatProblems } from '../scenario/problems.js';
import { compilePlan } from './compile.js';
import type { DrillPlan } from './types.js';

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
