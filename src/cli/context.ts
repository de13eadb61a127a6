import type { OutputFormat } from './output.js';

/** Global options every command receives. */
export interface GlobalOptions {
  kubeconfig?: string;
  /** --context: the kube context (cli/context-flags.ts for plan and run). */
  context?: string;
  output: OutputFormat;
}
