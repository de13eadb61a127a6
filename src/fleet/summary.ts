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
  /** A negative-control run's judgement (report.negativeControlResult); null otherwise or when it did not run. */
  negativeControl: { conclusive: boolean; reason: string } | null;
  reasons: string[];
}

/** A fleet run's summary: each member's verdict and report folder, and the fleet's (summary.json). */
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
    negativeControl: report.negativeControlResult
      ? { conclusive: report.negativeControlResult.conclusive, reason: report.negativeControlResult.reason }
      : null,
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
    ...negativeControlLine(s.drills),
    '',
    '| Scenario | Verdict | RTO | RPO | Restore queued | Velero server | Report |',
    '|---|---|---|---|---|---|---|',
    ...s.drills.map(
      (d) =>
        `| ${cell(d.scenario)} | ${d.verdict ?? 'not run'} | ${secs(d.rtoSeconds)} | ${secs(d.rpoSeconds)} | ${secs(d.restoreQueuedSeconds)} | ${cell(d.veleroServer)} | ${cell(d.folder ?? '-')} |`,
    ),
  ];
  const reasons = s.drills.filter((d) => d.reasons.length > 0 || d.negativeControl);
  if (reasons.length) {
    lines.push('', '## Reasons', '');
    for (const d of reasons)
      lines.push(
        `- **${d.scenario}**: ${d.negativeControl ? `negative control ${d.negativeControl.conclusive ? 'conclusive' : 'inconclusive'}: ${d.negativeControl.reason}` : d.reasons.join('; ')}`,
      );
  }
  if (s.queueNotes.length) {
    lines.push('', '## Velero queue', '');
    for (const n of s.queueNotes) lines.push(`- ${n}`);
  }
  return lines.join('\n') + '\n';
}

/** A negative-control fleet says how many controls proved their drill can fail: exit 0 means every one did. */
function negativeControlLine(drills: readonly FleetDrill[]): string[] {
  const judged = drills.filter((d) => d.negativeControl);
  if (!judged.length) return [];
  const conclusive = judged.filter((d) => d.negativeControl!.conclusive).length;
  return [
    '',
    `Negative control: ${conclusive} of ${judged.length} conclusive (a conclusive FAIL is the expected outcome; an inconclusive one proves nothing).`,
  ];
}

function cell(t: string): string {
  return t.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/**
 * How a drill counts as a test case: a FAIL is a failure, an ERROR or a drill that did not run an error. A
 * negative control passes when it is conclusive (its FAIL is the point) and fails when it is not.
 */
function caseOutcome(d: FleetDrill): 'pass' | 'failure' | 'error' {
  if (d.verdict === null || d.verdict === 'ERROR') return 'error';
  if (d.negativeControl) return d.negativeControl.conclusive ? 'pass' : 'failure';
  return d.verdict === 'PASS' ? 'pass' : 'failure';
}

/** One testcase per drill (caseOutcome). */
export function renderFleetJunit(s: FleetSummary): string {
  const failures = s.drills.filter((d) => caseOutcome(d) === 'failure').length;
  const errors = s.drills.filter((d) => caseOutcome(d) === 'error').length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dr-drill fleet" tests="${s.drills.length}" failures="${failures}" errors="${errors}">`,
    `  <testsuite name="${x(`fleet ${s.fleetId}`)}" tests="${s.drills.length}" failures="${failures}" errors="${errors}" timestamp="${x(s.startedAt)}">`,
  ];
  for (const d of s.drills) {
    const outcome = caseOutcome(d);
    const message =
      d.negativeControl && d.verdict !== 'ERROR'
        ? `negative control inconclusive: ${d.negativeControl.reason}`
        : d.reasons.join('; ') || (d.verdict ?? 'not run');
    lines.push(
      `    <testcase classname="dr-drill.fleet" name="${x(d.scenario)}" time="${d.rtoSeconds ?? 0}">`,
      ...(outcome === 'pass'
        ? []
        : [
            outcome === 'failure'
              ? `      <failure message="${x(message)}" type="${d.negativeControl ? 'NEGATIVE CONTROL INCONCLUSIVE' : 'FAIL'}">${x(message)}</failure>`
              : `      <error message="${x(message)}" type="${d.verdict ?? 'NOT RUN'}">${x(message)}</error>`,
          ]),
      `      <system-out>${x(`${d.file}\ndrill ${d.drillId}\n${d.folder ?? 'no report folder'}`)}</system-out>`,
      '    </testcase>',
    );
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}
