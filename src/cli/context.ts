import type { OutputFormat } from './output.js';

/** Global options every command receives. */
export interface GlobalOptions {
  kubeconfig?: string;
  output: OutputFormat;
}
