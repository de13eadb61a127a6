/**
 * The fleet summary: one line per drill (verdict, RTO/RPO, restore queue time, report folder), the fleet's exit
 * code (the worst drill's), and a note for every Velero server that had more than one drill's restore queued on
 * it (Velero runs one restore at a time, so parallel drills into one cluster wait for each other and that wait
 * counts in their RTO). Pure: built from reports and rendered as JSON, Markdown and JUnit XML.
 */
import type { Report, VerdictT } from '../report/schema.js';
import { xmlEscape as x } from '../report/render/junit.js';
import { formatSeconds } from '../util/duration.js';

/** One drill of a fleet run. */
export interface FleetDrill {
  scenario: string;
  file: string;
  drillId: string;
  /** null when the drill did not start (e.g. the scenario was already being drilled) or threw. */
  verdict: VerdictT | null;
  exitCode: number;
  folder: string | null;
  rtoSeconds: number | null;
  rpoSeconds: number | null;
  restoreQueuedSeconds: number | null;
  /** `<kube context>/<velero namespace>` of the Velero server that ran the restore. */
  veleroServer: string;
  reasons: string[];
}

export interface FleetSummary {
  fleetId: string;
  startedAt: string;
  endedAt: string;
  parallel: number;
  exitCode: number;
  counts: Record<VerdictT | 'NOT RUN', number>;
  drills: FleetDrill[];
  /** One line per Velero server that restored more than one drill of this fleet while another was queued. */
  queueNotes: string[];
}

/** Severity of exit codes: interrupted > ERROR > invalid input > FAIL > PASS. */
const SEVERITY = [0, 1, 2, 3, 130];

export function worstExitCode(codes: readonly number[]): number {
  return codes.reduce((w, c) => (SEVERITY.indexOf(c) > SEVERITY.indexOf(w) ? c : w), 0);
}

/** The drill line of a finished drill. */
export function fleetDrillOf(
  report: Report,
  fields: Pick<FleetDrill, 'file' | 'exitCode' | 'folder' | 'veleroServer'>,
): FleetDrill {
  return {
    scenario: report.scenario.name,
    drillId: report.drillId,
    verdict: report.verdict,
    rtoSeconds: report.rto.achievedSeconds,
    rpoSeconds: report.rpo.achievedSeconds,
    restoreQueuedSeconds: report.restore.queuedSeconds,
    reasons: [...report.reasons],
    ...fields,
  };
}

export function summarise(
  drills: FleetDrill[],
  meta: Pick<FleetSummary, 'fleetId' | 'startedAt' | 'endedAt' | 'parallel'>,
): FleetSummary {
  const counts: FleetSummary['counts'] = { PASS: 0, FAIL: 0, ERROR: 0, 'NOT RUN': 0 };
  for (const d of drills) counts[d.verdict ?? 'NOT RUN']++;
  const byServer = new Map<string, FleetDrill[]>();
  for (const d of drills)
    if (d.restoreQueuedSeconds !== null) byServer.set(d.veleroServer, [...(byServer.get(d.veleroServer) ?? []), d]);
  const queueNotes: string[] = [];
  for (const [server, ds] of byServer) {
    const waited = ds.filter((d) => (d.restoreQueuedSeconds ?? 0) >= 1);
    if (ds.length < 2 || waited.length === 0) continue;
    queueNotes.push(
      `${ds.length} drills restored through the Velero server ${server}, which runs one restore at a time: ` +
        waited.map((d) => `${d.scenario} queued ${formatSeconds(d.restoreQueuedSeconds!)}`).join(', ') +
        ' (the queued time counts in RTO; drill into separate clusters or lower --parallel to measure each alone)',
    );
  }
  return { ...meta, exitCode: worstExitCode(drills.map((d) => d.exitCode)), counts, drills, queueNotes };
}

const secs = (s: number | null) => (s === null ? '-' : formatSeconds(s));

export function renderFleetMarkdown(s: FleetSummary): string {
  const lines = [
    `# dr-drill fleet ${s.fleetId}`,
    '',
    `${s.drills.length} drills, at most ${s.parallel} at a time, ${s.startedAt} to ${s.endedAt}: ` +
      `${s.counts.PASS} PASS, ${s.counts.FAIL} FAIL, ${s.counts.ERROR} ERROR` +
      (s.counts['NOT RUN'] ? `, ${s.counts['NOT RUN']} not run` : '') +
      `. Exit code ${s.exitCode}.`,
    '',
    '| Scenario | Verdict | RTO | RPO | Restore queued | Velero server | Report |',
    '|---|---|---|---|---|---|---|',
    ...s.drills.map(
      (d) =>
        `| ${cell(d.scenario)} | ${d.verdict ?? 'not run'} | ${secs(d.rtoSeconds)} | ${secs(d.rpoSeconds)} | ${secs(d.restoreQueuedSeconds)} | ${cell(d.veleroServer)} | ${cell(d.folder ?? '-')} |`,
    ),
  ];
  const reasons = s.drills.filter((d) => d.reasons.length > 0);
  if (reasons.length) {
    lines.push('', '## Reasons', '');
    for (const d of reasons) lines.push(`- **${d.scenario}**: ${d.reasons.join('; ')}`);
  }
  if (s.queueNotes.length) {
    lines.push('', '## Velero queue', '');
    for (const n of s.queueNotes) lines.push(`- ${n}`);
  }
  return lines.join('\n') + '\n';
}

function cell(t: string): string {
  return t.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** One testcase per drill: a FAIL is a failure, an ERROR or a drill that did not run an error. */
export function renderFleetJunit(s: FleetSummary): string {
  const failures = s.drills.filter((d) => d.verdict === 'FAIL').length;
  const errors = s.drills.filter((d) => d.verdict !== 'FAIL' && d.verdict !== 'PASS').length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dr-drill fleet" tests="${s.drills.length}" failures="${failures}" errors="${errors}">`,
    `  <testsuite name="${x(`fleet ${s.fleetId}`)}" tests="${s.drills.length}" failures="${failures}" errors="${errors}" timestamp="${x(s.startedAt)}">`,
  ];
  for (const d of s.drills) {
    const message = d.reasons.join('; ') || (d.verdict ?? 'not run');
    lines.push(
      `    <testcase classname="dr-drill.fleet" name="${x(d.scenario)}" time="${d.rtoSeconds ?? 0}">`,
      ...(d.verdict === 'PASS'
        ? []
        : [
            d.verdict === 'FAIL'
              ? `      <failure message="${x(message)}" type="FAIL">${x(message)}</failure>`
              : `      <error message="${x(message)}" type="${d.verdict ?? 'NOT RUN'}">${x(message)}</error>`,
          ]),
      `      <system-out>${x(`${d.file}\ndrill ${d.drillId}\n${d.folder ?? 'no report folder'}`)}</system-out>`,
      '    </testcase>',
    );
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}
