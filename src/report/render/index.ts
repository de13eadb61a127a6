/** Report formats, found through one registry (STYLE 2): the format names are derived from it. */
import { consoleRenderer } from './console.js';
import { jsonRenderer } from './json.js';
import { junitRenderer } from './junit.js';
import { markdownRenderer } from './markdown.js';
import type { ReportRenderer } from './renderer.js';

export type { ReportRenderer, RenderOptions } from './renderer.js';

/** Every built-in format. HTML is passed to writeReportFolder separately, since it is optional per scenario. */
export const renderers = {
  json: jsonRenderer,
  markdown: markdownRenderer,
  junit: junitRenderer,
  console: consoleRenderer,
} as const satisfies Record<string, ReportRenderer>;

/** A built-in report format name. */
export type ReportFormat = keyof typeof renderers;
