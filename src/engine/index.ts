/**
 * The engine's public API: what the command line, fleets and library users call. Everything else under engine/ is
 * internal (the import rule, .dependency-cruiser.mjs, keeps cli/ and fleet/ to this file), so phases, the recorder
 * and the context can change shape without touching a caller.
 */
export { runDrill, type DrillOptions, type DrillOutcome } from './run-drill.js';
export { preflight, type PreflightCheck } from './preflight.js';
export { hookPreflight } from './hook-preflight.js';
export { drillPhases } from './hook-steps.js';
export { cleanupDrill, findDrills, type CleanupResult } from './cleanup.js';
export type { EventListener } from './recorder.js';
