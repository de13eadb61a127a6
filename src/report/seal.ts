/**
 * Sealing: the report files are written, then SHA256SUMS over everything else in the folder (journal
 * included), last, so that a folder with SHA256SUMS is complete and any later edit is detectable.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DrillError } from '../util/errors.js';
import { READ_LIMITS, readCapped } from '../util/capped-read.js';
import { reportModes } from './file-mode.js';
import { parseReportFolderName } from './folder.js';
import { formatSums, sha256File, SUMS_FILE } from './checksums.js';
import { redactDeep } from '../util/redact.js';
import { renderers } from './render/index.js';
import type { Report } from './schema.js';
import { validateReport } from './validate-report.js';

/** Options for writeReportFolder. */
export interface SealOptions {
  /** Renders report.html when the scenario enables it (self-contained HTML, owned by its own module). */
  html?: (report: Report) => string;
}

/** What writeReportFolder wrote. */
export interface SealResult {
  /** The report as written (after redaction): print this, not the input. */
  report: Report;
  /** Files listed in SHA256SUMS, name → hex SHA-256. */
  sums: Record<string, string>;
  /** Path of SHA256SUMS. */
  sumsPath: string;
}

/**
 * Writes report.json, report.md, junit.xml (and report.html) into `folder`, then SHA256SUMS over every other
 * file there. Throws DrillError REPORT_INVALID — a bug, not a drill outcome — if the report breaks its schema.
 */
export function writeReportFolder(folder: string, input: Report, options: SealOptions = {}): SealResult {
  const report = redactDeep(input);
  const mode = reportModes().file;
  const problems = validateReport(report);
  if (problems.length) {
    throw new DrillError(
      'REPORT_INVALID',
      `the report does not match its schema: ${problems.slice(0, 5).join('; ')}`,
      'this is a dr-drill bug; the journal.jsonl in the report folder holds what the drill saw',
    );
  }
  for (const r of Object.values(renderers)) {
    if (r.fileName) writeFileSync(join(folder, r.fileName), r.render(report), { mode });
  }
  if (options.html) writeFileSync(join(folder, 'report.html'), options.html(report), { mode });

  const sums: Record<string, string> = {};
  for (const name of readdirSync(folder)) {
    if (name === SUMS_FILE || !statSync(join(folder, name)).isFile()) continue;
    sums[name] = sha256File(join(folder, name));
  }
  const sumsPath = join(folder, SUMS_FILE);
  writeFileSync(sumsPath, formatSums(sums), { mode });
  return { report, sums, sumsPath };
}

/** The link from a drill to the previous sealed drill of its scenario. */
export interface PreviousReport {
  folder: string;
  drillId: string;
  /** SHA-256 of its report.json. */
  reportSha256: string;
}

/**
 * The newest sealed report folder of `scenarioName` whose name sorts before `beforeFolder` (folder names
 * start with the UTC start time, so name order is time order). Folders without report.json — drills that
 * crashed — are passed over: the chain links reports, and a journal alone is not one.
 */
export function findPreviousReport(
  reportDir: string,
  scenarioName: string,
  beforeFolder: string,
): PreviousReport | null {
  const scenarioDir = join(reportDir, scenarioName);
  const before = basename(beforeFolder);
  for (const name of drillFolders(scenarioDir).reverse()) {
    if (name >= before) continue;
    const json = join(scenarioDir, name, 'report.json');
    if (!existsSync(json)) continue;
    return { folder: join(scenarioDir, name), drillId: drillIdOf(json, name), reportSha256: sha256File(json) };
  }
  return null;
}

/** Drill folder names in a scenario folder, oldest first; [] when it does not exist. */
export function drillFolders(scenarioDir: string): string[] {
  if (!existsSync(scenarioDir)) return [];
  return readdirSync(scenarioDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && parseReportFolderName(d.name) !== null)
    .map((d) => d.name)
    .sort();
}

// The report's own drillId wins over the folder name; the name is the fallback for an unreadable report.
function drillIdOf(reportJson: string, folderName: string): string {
  try {
    const read = readCapped(reportJson, READ_LIMITS.reportJson);
    const id = read.ok ? (JSON.parse(read.bytes.toString('utf8')) as { drillId?: unknown }).drillId : undefined;
    if (typeof id === 'string') return id;
  } catch {
    // fall through
  }
  return parseReportFolderName(folderName)!.drillId;
}

/** The scenario folder a drill folder lives in. */
export function scenarioDirOf(folder: string): string {
  return dirname(folder.replace(/[\\/]+$/, ''));
}
