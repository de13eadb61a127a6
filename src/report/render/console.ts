/** The short summary printed at the end of `dr-drill run`: what happened and where the evidence is. */
import { redactDeep } from '../../util/redact.js';
import type { Report, VerdictT } from '../schema.js';
import { objectiveLines } from './format.js';
import type { ReportRenderer, RenderOptions } from './renderer.js';

const COLOUR = {
  green: '\u001b[32m',
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  bold: '\u001b[1m',
  reset: '\u001b[0m',
} as const;
const VERDICT_COLOUR: Record<VerdictT, keyof typeof COLOUR> = { PASS: 'green', FAIL: 'red', ERROR: 'yellow' };

/** Renders the terminal summary; colour only when options.colour (see cli/output.ts useColour). */
export const consoleRenderer: ReportRenderer = {
  fileName: null,
  render: (input, options = {}) => renderConsole(redactDeep(input), options),
};

function renderConsole(r: Report, options: RenderOptions): string {
  const paint = (c: keyof typeof COLOUR, s: string) => (options.colour ? `${COLOUR[c]}${s}${COLOUR.reset}` : s);
  const out: string[] = [];
  out.push(
    `${paint(VERDICT_COLOUR[r.verdict], r.verdict)}  ${paint('bold', r.scenario.name)}  drill ${r.drillId}${r.negativeControl ? '  (negative control)' : ''}`,
  );
  for (const o of objectiveLines(r)) {
    const status = o.met === false ? paint('red', o.status) : o.met ? paint('green', o.status) : o.status;
    const margin = o.met === null ? '' : `, margin ${o.margin}`;
    out.push(`  ${o.label}  ${o.achieved.padEnd(8)} objective ${o.objective.padEnd(8)} ${status}${margin}`);
  }
  if (r.restore.phase) {
    out.push(
      `  restore ${r.restore.name ?? ''} ${r.restore.phase}` +
        (r.restore.warnings || r.restore.errors
          ? ` (${r.restore.warnings ?? 0} warnings, ${r.restore.errors ?? 0} errors)`
          : ''),
    );
  }
  const vols = r.restore.volumes ?? [];
  if (r.restore.volumeData === 'metadata-only')
    out.push(
      `  ${paint('yellow', 'volume data not checked')} (restore.volumeData: metadata-only): ${vols.length} volume(s)`,
    );
  else if (vols.length)
    out.push(`  volumes: ${vols.filter((v) => v.dataRestored).length}/${vols.length} with their data restored`);
  if (r.reasons.length) {
    out.push('  reasons:');
    for (const s of r.reasons) out.push(`    - ${s}`);
  }
  const failing = r.probes.filter((p) => p.outcome === 'failed' || p.outcome === 'error');
  if (failing.length) {
    out.push('  failing probes:');
    for (const p of failing) {
      out.push(
        `    - ${p.name} (${p.kind}${p.critical ? '' : ', non-critical'}): ${p.outcome}${p.lastObservation ? ` — ${p.lastObservation}` : ''}`,
      );
    }
  }
  if (r.teardown.leftBehind.length) {
    out.push(`  left behind ${r.teardown.leftBehind.length} object(s): run dr-drill cleanup --drill-id ${r.drillId}`);
  }
  if (options.folder) out.push(`  report: ${options.folder}`);
  return out.join('\n') + '\n';
}
