/** Runbook hooks: commands run at named points of a drill (spec.hooks). */
export { runHook, describeEnd } from './run-hook.js';
export { maskText, maskCommand, secretEnvValues, kubeconfigSecrets } from './mask.js';
export type { HookCommand, HookEnd, HookRunOptions, HookRunResult } from './types.js';
export { findExecutable } from './which.js';
