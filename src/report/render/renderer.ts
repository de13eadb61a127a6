import type { Report } from '../schema.js';

/** Context a renderer may use; renderers are pure and do no I/O. */
export interface RenderOptions {
  /** The report folder, for formats that point at it (console). */
  folder?: string;
  /** ANSI colour (console only); callers decide from TTY and NO_COLOR. */
  colour?: boolean;
}

/** One report format. */
export interface ReportRenderer {
  /** File written into the report folder, or null for formats that are only printed. */
  readonly fileName: string | null;
  render(report: Report, options?: RenderOptions): string;
}
