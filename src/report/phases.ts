/**
 * The built-in phases of a drill in running order: the one list behind the report schema's phase names, the
 * recorder's report skeleton and the live progress display. Runbook hooks (`hook:<name>`) are placed among them
 * from the plan (engine/hook-steps.ts).
 */
export const BUILTIN_PHASES = [
  'select-backup',
  'integrity',
  'provision-target',
  'prepare-target',
  'restore',
  'verify',
  'teardown',
  // After teardown, apart from RTO: the pre-existing objects read again (report.blastRadius).
  'blast-radius',
  'seal',
] as const;

/** A built-in phase's name, in drill order (BUILTIN_PHASES). */
export type BuiltinPhase = (typeof BUILTIN_PHASES)[number];
