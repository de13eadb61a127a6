import { redactDeep } from '../../util/redact.js';
import type { ReportRenderer } from './renderer.js';

/** report.json: the machine-readable evidence, pretty-printed with a trailing newline. */
export const jsonRenderer: ReportRenderer = {
  fileName: 'report.json',
  render: (report) => JSON.stringify(redactDeep(report), null, 2) + '\n',
};
