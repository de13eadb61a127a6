/**
 * The compliance view of history (`report history --output markdown [--since <date>]`): for each control a
 * scenario evidences (metadata.controls, carried into report.scenario.controls), the drills of the period, the
 * pass rate, the last verified restore, RTO/RPO against objectives and the SHA-256 of every report.json, so an
 * auditor can look each piece of evidence up. Pure: it works on a History already read.
 */
import { formatSeconds } from '../util/duration.js';
import type { DrillSummary, History } from './history.js';

/** Drills of scenarios that name no control are grouped under this heading, so nothing is silently left out. */
export const NO_CONTROL = '(no control named)';

/** One scenario's drills within a control. */
export interface ScenarioEvidence {
  scenario: string;
  drills: DrillSummary[];
  passed: number;
  /** Passed / finished drills (crashed drills count as not passed), 0..1; null when there were none. */
  passRate: number | null;
  lastVerifiedRestore: DrillSummary | null;
  rtoMet: number;
  rpoMet: number;
}

/** One control and the scenarios that evidence it. */
export interface ControlSummary {
  control: string;
  drills: number;
  passed: number;
  passRate: number | null;
  scenarios: ScenarioEvidence[];
}

/** Groups the history's drills by control id (sorted), then by scenario. */
export function complianceSummary(h: History): ControlSummary[] {
  const byControl = new Map<string, DrillSummary[]>();
  for (const d of h.drills) {
    for (const c of d.controls.length ? d.controls : [NO_CONTROL]) byControl.set(c, [...(byControl.get(c) ?? []), d]);
  }
  const names = [...byControl.keys()].filter((c) => c !== NO_CONTROL).sort();
  if (byControl.has(NO_CONTROL)) names.push(NO_CONTROL);
  return names.map((control) => {
    const drills = byControl.get(control)!;
    const scenarios = [...new Set(drills.map((d) => d.scenario))].sort().map((s) =>
      scenarioEvidence(
        s,
        drills.filter((d) => d.scenario === s),
      ),
    );
    const passed = drills.filter((d) => d.verdict === 'PASS').length;
    return {
      control,
      drills: drills.length,
      passed,
      passRate: drills.length ? passed / drills.length : null,
      scenarios,
    };
  });
}

function scenarioEvidence(scenario: string, drills: DrillSummary[]): ScenarioEvidence {
  const newestFirst = [...drills].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  const passed = drills.filter((d) => d.verdict === 'PASS').length;
  return {
    scenario,
    drills: newestFirst,
    passed,
    passRate: drills.length ? passed / drills.length : null,
    // Only an authenticated PASS is a verified restore (history.ts says the same).
    lastVerifiedRestore: newestFirst.find((d) => d.verdict === 'PASS' && d.evidence === 'verified') ?? null,
    rtoMet: drills.filter((d) => d.rtoMet === true).length,
    rpoMet: drills.filter((d) => d.rpoMet === true).length,
  };
}

/** History as Markdown for an auditor: period, per-control summary, evidence, RTO trends. */
export function renderHistoryMarkdown(h: History, now: Date = new Date()): string {
  const t = (n: number | null) => (n === null ? '—' : formatSeconds(n));
  const pct = (n: number | null) => (n === null ? '—' : `${Math.round(n * 1000) / 10}%`);
  const day = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');
  const out: string[] = ['# DR drill evidence', ''];
  out.push(`- Period: ${h.since ? day(h.since) : 'all recorded drills'} to ${day(now.toISOString())}`);
  out.push(`- Report dir: \`${code(h.reportDir)}\``);
  out.push(`- Drills: ${h.drills.length}, passed ${h.drills.filter((d) => d.verdict === 'PASS').length}`);
  out.push(
    '- Each report folder holds `SHA256SUMS`; check it with `dr-drill report verify <folder>`. The hashes below are of `report.json`.',
    '',
  );
  if (h.drills.length === 0) return out.join('\n') + '\nNo drills in this period.\n';

  for (const c of complianceSummary(h)) {
    out.push(`## ${md(c.control)}`, '');
    out.push(`${c.drills} drill(s), ${c.passed} passed (pass rate ${pct(c.passRate)}).`, '');
    out.push(
      '| Scenario | Drills | Pass rate | Last verified restore | RTO met | RPO met |',
      '|---|---|---|---|---|---|',
    );
    for (const s of c.scenarios) {
      const lv = s.lastVerifiedRestore;
      out.push(
        `| ${md(s.scenario)} | ${s.drills.length} | ${pct(s.passRate)} | ${lv ? `${day(lv.startedAt)} (\`${lv.drillId}\`)` : s.passed ? '**none authenticated** (PASS drills are not signed by a trusted key)' : '**never in this period**'} | ${s.rtoMet}/${s.drills.length} | ${s.rpoMet}/${s.drills.length} |`,
      );
    }
    out.push(
      '',
      '| Date (UTC) | Scenario | Drill | Verdict | Evidence | RTO / objective | RPO / objective | report.json SHA-256 |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const s of c.scenarios) {
      for (const d of s.drills) {
        out.push(
          `| ${day(d.startedAt)} | ${md(d.scenario)} | \`${d.drillId}\` | ${d.verdict ?? 'INCOMPLETE'} | ${d.evidence ?? '—'} | ${t(d.rtoAchievedSeconds)} / ${t(d.rtoObjectiveSeconds)}${d.rtoMet === false ? ' (missed)' : ''} | ${t(d.rpoAchievedSeconds)} / ${t(d.rpoObjectiveSeconds)}${d.rpoMet === false ? ' (missed)' : ''} | ${d.reportSha256 ? `\`${d.reportSha256}\`` : md(d.problem ?? '—')} |`,
        );
      }
    }
    out.push('');
  }
  if (h.trends.length) {
    out.push('## RTO trend', '');
    for (const tr of h.trends)
      out.push(`- ${tr.warning ? `**Warning:** ${md(tr.warning)}; ` : ''}${md(tr.scenario)}: ${md(tr.summary)}`);
    out.push('');
  }
  return out.join('\n');
}

// Table cells and headings: no pipes or line breaks.
function md(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function code(s: string): string {
  return s.replace(/`/g, "'");
}
