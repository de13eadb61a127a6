/**
 * Checks inside one sealed folder that SHA256SUMS alone cannot make: anyone who edits report.json can recompute
 * the sums, but then report.md, junit.xml and report.html (rendered from it at sealing) and the journal's final
 * entry no longer agree with it, and a folder copied under another scenario or time no longer matches its name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseReportFolderName } from './folder.js';
import { renderers } from './render/index.js';
import { renderHtml } from './render/html.js';
import type { Report } from './schema.js';

/** One disagreement, naming the file at fault. */
export interface CrossProblem {
  file: string;
  message: string;
}

/** Re-renders, journal agreement and folder name; `report` is report.json as read (already schema-checked). */
export function crossCheck(folder: string, report: Report): { problems: CrossProblem[]; notes: string[] } {
  const problems: CrossProblem[] = [];
  const notes: string[] = [];
  checkFolderName(folder, report, problems);
  if ((report as { schemaVersion: unknown }).schemaVersion !== 2) {
    notes.push(
      `schemaVersion ${String((report as { schemaVersion: unknown }).schemaVersion)} report: checked against its own schema; its renderer is not kept, so report.md, junit.xml and report.html are not re-rendered and compared`,
    );
  } else {
    checkRenders(folder, report, problems, notes);
  }
  checkJournal(folder, report, problems, notes);
  return { problems, notes };
}

function checkFolderName(folder: string, report: Report, problems: CrossProblem[]): void {
  const name = basename(folder);
  const parsed = parseReportFolderName(name);
  if (!parsed) return; // not a drill folder name (a temp copy); the chain check names what it can
  if (parsed.drillId !== report.drillId)
    problems.push({
      file: 'report.json',
      message: `drillId ${report.drillId} does not match the folder name (${name})`,
    });
  const started = new Date(report.startedAt);
  if (Number.isNaN(started.getTime()) || Math.floor(started.getTime() / 1000) !== parsed.startedAt.getTime() / 1000)
    problems.push({
      file: 'report.json',
      message: `startedAt ${report.startedAt} does not match the folder name's time (${name}): the folder was copied or renamed`,
    });
  const scenarioDir = basename(dirname(folder));
  if (scenarioDir !== report.scenario.name)
    problems.push({
      file: 'report.json',
      message: `scenario.name "${report.scenario.name}" does not match the scenario folder "${scenarioDir}": the folder was copied under another scenario`,
    });
}

function checkRenders(folder: string, report: Report, problems: CrossProblem[], notes: string[]): void {
  const files: Array<[string, () => string]> = [];
  for (const r of Object.values(renderers))
    if (r.fileName && r.fileName !== 'report.json') files.push([r.fileName, () => r.render(report)]);
  if (existsSync(join(folder, 'report.html'))) files.push(['report.html', () => renderHtml(report)]);
  const same: string[] = [];
  for (const [file, render] of files) {
    const path = join(folder, file);
    if (!existsSync(path)) {
      problems.push({ file, message: 'missing: every sealed folder has it' });
      continue;
    }
    const expected = render();
    const actual = readFileSync(path, 'utf8');
    if (actual === expected) same.push(file);
    else
      problems.push({
        file,
        message: `differs from report.json rendered again (first difference at line ${firstDifferentLine(actual, expected)}): report.json or ${file} was changed after sealing`,
      });
  }
  if (same.length) notes.push(`${same.join(', ')} re-rendered from report.json: identical`);
}

function checkJournal(folder: string, report: Report, problems: CrossProblem[], notes: string[]): void {
  const path = join(folder, 'journal.jsonl');
  if (!existsSync(path)) {
    // Folders sealed by library callers without a journal exist; the note keeps the gap visible.
    notes.push('no journal.jsonl: report.json is not compared with a journal');
    return;
  }
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  let last: Record<string, unknown> | null = null;
  try {
    last = JSON.parse(lines.at(-1) ?? 'null') as Record<string, unknown> | null;
  } catch {
    problems.push({ file: 'journal.jsonl', message: `line ${lines.length} is not JSON` });
    return;
  }
  if (!last || last.type !== 'report-sealed') {
    problems.push({
      file: 'journal.jsonl',
      message: 'its last entry is not report-sealed: the journal was cut or extended',
    });
    return;
  }
  const wants: Array<[string, unknown, unknown]> = [
    ['verdict', last.verdict, report.verdict],
    ['drillId', last.drillId, report.drillId],
    ['RTO (seconds)', last.rtoAchievedSeconds, report.rto.achievedSeconds],
    ['RPO (seconds)', last.rpoAchievedSeconds, report.rpo.achievedSeconds],
    ['evidence.previousDrillId', last.previousDrillId, report.evidence.previousDrillId],
    ['evidence.previousReportSha256', last.previousReportSha256, report.evidence.previousReportSha256],
  ];
  let compared = 0;
  for (const [what, journal, json] of wants) {
    // Journals sealed before drill id, RTO, RPO and the link were written there carry only the verdict.
    if (journal === undefined) continue;
    compared++;
    if (journal !== json)
      problems.push({
        file: 'report.json',
        message: `${what} ${JSON.stringify(json)} disagrees with the journal's final entry (${JSON.stringify(journal)}): report.json was changed after sealing`,
      });
  }
  if (compared) notes.push(`journal's final entry agrees with report.json on ${compared} field(s)`);
}

function firstDifferentLine(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return i + 1;
  return x.length;
}
