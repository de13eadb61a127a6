/**
 * The scenario module's front door: load and check a file as written (`validate`). Compiling it into a DrillPlan
 * (`plan`, `run`) is plan/compile-file.ts: scenario/ comes before plan/ and never imports it.
 */
import { loadScenarioFile, type LoadedScenario } from './load.js';

export type { LoadedScenario } from './load.js';
export { checkScenarioText } from './load.js';
export { formatProblem, formatProblems, formatPath, type Problem, type PathSegment } from './problems.js';
export { interpolate, placeholderProblems } from './interpolate.js';

/** Reads and checks a scenario file as written; every problem is collected, nothing throws for bad input. */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  return loadScenarioFile(file);
}
