/**
 * `report history`: the drills found in a report dir, newest first, each scenario's last verified restore and
 * its RTO trend. Compliance summaries (compliance.ts) and the HTML trend chart are built from the same data.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { formatBytes, READ_LIMITS, readCapped } from '../util/capped-read.js';
import { join } from 'node:path';
import { formatSeconds } from '../util/duration.js';
import { inputError } from '../util/errors.js';
import { parseReportFolderName } from './folder.js';
import type { Report, VerdictT } from './schema.js';
import { drillFolders } from './seal.js';
import { rtoTrends, TREND_DEFAULTS, type Trend } from './trend.js';

/** One drill as history lists it; fields are null when the folder has no readable report.json (a crash). */
export interface DrillSummary {
  scenario: string;
  drillId: string;
  /** UTC ISO start time (from report.json, else the folder name). */
  startedAt: string;
  folder: string;
  verdict: VerdictT | null;
  rtoAchievedSeconds: number | null;
  rtoObjectiveSeconds: number | null;
  rpoAchievedSeconds: number | null;
  rpoObjectiveSeconds: number | null;
  backupName: string | null;
  rtoMet: boolean | null;
  rpoMet: boolean | null;
  /** Compliance controls the scenario named (report.scenario.controls); [] for older reports. */
  controls: string[];
  /** SHA-256 of report.json: the evidence hash an auditor looks up (SHA256SUMS lists it too). */
  reportSha256: string | null;
  /** Why the folder has no usable report, when it has none. */
  problem: string | null;
  /**
   * What report verify proves of the folder: verified (signed by a trusted key), self-consistent only, or broken;
   * null when the drill did not finish (no report to verify) or history was read without verifying.
   */
  evidence: EvidenceStatus | null;
  /** verify's problems when broken (the first few), else []. */
  evidenceProblems: string[];
}

/** Drill history of a report dir. */
export interface History {
  reportDir: string;
  /** Only drills started at or after this (UTC ISO), when --since was given. */
  since: string | null;
  drills: DrillSummary[];
  /**
   * Scenario → its newest PASS drill whose evidence is verified (signed by a trusted key); null when none is.
   * A PASS that is only self-consistent proves nothing to someone who did not run it, so it never counts here.
   */
  lastVerifiedRestore: Record<string, DrillSummary | null>;
  /** Scenario → its newest PASS drill whatever its evidence (null when it never passed): what history says instead. */
  lastPass: Record<string, DrillSummary | null>;
  /** RTO trend per scenario, over its last `window` drills with a measured RTO. */
  trends: Trend[];
}

/** Options of readHistory. */
export interface HistoryOptions {
  scenario?: string;
  /** Drills started before this are left out. */
  since?: Date;
  /** Drills in the trend window (default 5). */
  trendWindow?: number;
  /** Warn when RTO grew by more than this percentage over the window (default 20). */
  trendThresholdPercent?: number;
  /**
   * Verify each drill with these keys trusted (report verify's --public-key / --trusted-keys); absent: drills are
   * not verified (evidence null), as for the HTML trend chart.
   */
  verify?: FolderVerifier;
}

/** What report verify proves of a folder (evidence/verify-folder.ts), in the words history shows. */
export type EvidenceStatus = 'verified' | 'self-consistent' | 'broken';

/**
 * report verify of one local folder with the auditor's keys, handed in by the caller: verification (signatures,
 * trust) is evidence/, which reads report/, not the other way round.
 */
export type FolderVerifier = (folder: string) => {
  status: EvidenceStatus;
  problems: Array<{ file: string; message: string }>;
};

/** Reads every drill folder under reportDir (optionally one scenario). A missing report dir is an empty history. */
export function readHistory(reportDir: string, options: HistoryOptions = {}): History {
  if (existsSync(reportDir) && !statSync(reportDir).isDirectory()) {
    throw inputError(
      'REPORT_DIR_NOT_DIR',
      `${reportDir} is not a directory`,
      'pass the folder drills write to (--report-dir)',
    );
  }
  const scenarios = !existsSync(reportDir)
    ? []
    : readdirSync(reportDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
  const drills: DrillSummary[] = [];
  for (const scenario of scenarios) {
    if (options.scenario !== undefined && scenario !== options.scenario) continue;
    for (const name of drillFolders(join(reportDir, scenario))) {
      const folder = join(reportDir, scenario, name);
      const json = join(folder, 'report.json');
      const read = existsSync(json) ? readCapped(json, READ_LIMITS.reportJson) : null;
      drills.push(
        read?.ok === false
          ? {
              ...summariseReport(scenario, name, folder, null),
              problem: `report.json is larger than ${formatBytes(READ_LIMITS.reportJson)}: not read`,
            }
          : withEvidence(summariseReport(scenario, name, folder, read?.bytes ?? null), options),
      );
    }
  }
  return historyOf(reportDir, drills, options);
}

/** Orders drills newest first and derives each scenario's last verified restore and RTO trend. */
export function historyOf(location: string, all: DrillSummary[], options: HistoryOptions = {}): History {
  const since = options.since?.toISOString() ?? null;
  const drills = all.filter(
    (d) =>
      (since === null || d.startedAt >= since) && (options.scenario === undefined || d.scenario === options.scenario),
  );
  drills.sort((a, b) =>
    a.startedAt === b.startedAt ? cmp(a.scenario + a.drillId, b.scenario + b.drillId) : cmp(b.startedAt, a.startedAt),
  );
  const lastVerifiedRestore: Record<string, DrillSummary | null> = {};
  const lastPass: Record<string, DrillSummary | null> = {};
  for (const d of drills) {
    if (!(d.scenario in lastVerifiedRestore)) lastVerifiedRestore[d.scenario] = lastPass[d.scenario] = null;
    if (d.verdict !== 'PASS') continue;
    lastPass[d.scenario] ??= d;
    if (d.evidence === 'verified') lastVerifiedRestore[d.scenario] ??= d;
  }
  const trends = rtoTrends(drills, {
    window: options.trendWindow ?? TREND_DEFAULTS.window,
    thresholdPercent: options.trendThresholdPercent ?? TREND_DEFAULTS.thresholdPercent,
  });
  return { reportDir: location, since, drills, lastVerifiedRestore, lastPass, trends };
}

/**
 * One drill folder as history lists it, from its report.json bytes (null: the folder has none, the drill did not
 * finish). `folder` is where it lives: a local path or an uploaded copy's URL.
 */
export function summariseReport(
  scenario: string,
  name: string,
  folder: string,
  reportJson: Buffer | null,
): DrillSummary {
  const parsed = parseReportFolderName(name)!;
  const base: DrillSummary = {
    scenario,
    drillId: parsed.drillId,
    startedAt: parsed.startedAt.toISOString(),
    folder,
    verdict: null,
    rtoAchievedSeconds: null,
    rtoObjectiveSeconds: null,
    rpoAchievedSeconds: null,
    rpoObjectiveSeconds: null,
    backupName: null,
    rtoMet: null,
    rpoMet: null,
    controls: [],
    reportSha256: null,
    problem: null,
    evidence: null,
    evidenceProblems: [],
  };
  if (reportJson === null) return { ...base, problem: 'no report.json (the drill did not finish; see journal.jsonl)' };
  try {
    const r = JSON.parse(reportJson.toString('utf8')) as Report;
    return {
      ...base,
      drillId: r.drillId ?? base.drillId,
      startedAt: r.startedAt ?? base.startedAt,
      verdict: r.verdict ?? null,
      rtoAchievedSeconds: r.rto?.achievedSeconds ?? null,
      rtoObjectiveSeconds: r.rto?.objectiveSeconds ?? null,
      rpoAchievedSeconds: r.rpo?.achievedSeconds ?? null,
      rpoObjectiveSeconds: r.rpo?.objectiveSeconds ?? null,
      backupName: r.backup?.name ?? null,
      rtoMet: r.rto?.met ?? null,
      rpoMet: r.rpo?.met ?? null,
      controls: Array.isArray(r.scenario?.controls) ? r.scenario.controls.filter((c) => typeof c === 'string') : [],
      reportSha256: createHash('sha256').update(reportJson).digest('hex'),
    };
  } catch (e) {
    return { ...base, problem: `report.json unreadable: ${(e as Error).message}` };
  }
}

/** A local drill's summary with what report verify proves of its folder. */
function withEvidence(d: DrillSummary, options: HistoryOptions): DrillSummary {
  // Callers that only chart (run's HTML trend) skip verification: it re-renders every folder.
  if (d.problem || !options.verify) return d;
  const v = options.verify(d.folder);
  return { ...d, evidence: v.status, evidenceProblems: v.problems.slice(0, 3).map((p) => `${p.file}: ${p.message}`) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** History as aligned text columns, then the last verified restore per scenario. */
export function renderHistory(h: History): string {
  if (h.drills.length === 0) return `no drills found in ${h.reportDir}\n`;
  const t = (n: number | null) => (n === null ? '—' : formatSeconds(n));
  const rows = [
    ['DATE (UTC)', 'SCENARIO', 'DRILL', 'VERDICT', 'EVIDENCE', 'RTO/OBJECTIVE', 'RPO/OBJECTIVE', 'BACKUP'],
    ...h.drills.map((d) => [
      d.startedAt.replace(/\.\d{3}Z$/, 'Z'),
      d.scenario,
      d.drillId,
      d.verdict ?? 'INCOMPLETE',
      d.evidence ?? '—',
      `${t(d.rtoAchievedSeconds)}/${t(d.rtoObjectiveSeconds)}`,
      `${t(d.rpoAchievedSeconds)}/${t(d.rpoObjectiveSeconds)}`,
      d.backupName ?? '—',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  lines.push('', 'Last verified restore (a PASS signed by a trusted key):');
  for (const s of Object.keys(h.lastVerifiedRestore).sort()) {
    const d = h.lastVerifiedRestore[s];
    const pass = h.lastPass[s];
    lines.push(
      `  ${s}: ${
        d
          ? `${d.startedAt.replace(/\.\d{3}Z$/, 'Z')} drill ${d.drillId} (RTO ${t(d.rtoAchievedSeconds)})`
          : pass
            ? `none authenticated (newest PASS: drill ${pass.drillId}, ${pass.evidence ?? 'unverified'}; pass --trusted-keys to authenticate signed drills)`
            : 'never passed'
      }`,
    );
  }
  if (h.trends.length) {
    lines.push('', 'RTO trend:');
    for (const tr of h.trends) lines.push(`  ${tr.warning ? 'WARNING ' : ''}${tr.scenario}: ${tr.summary}`);
  }
  return lines.join('\n') + '\n';
}
