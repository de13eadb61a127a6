/** The report folder: `<report-dir>/<scenario>/<YYYYMMDDTHHMMSSZ>-<drillId>/` (fixed contract). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { compactUtc } from '../util/clock.js';
import { DRILL_ID_PATTERN } from '../util/ids.js';
import { inputError } from '../util/errors.js';
import { reportModes } from './file-mode.js';

const FOLDER_NAME = /^(\d{8}T\d{6}Z)-([a-z0-9]{8})$/;

/** The name of one drill's folder inside its scenario folder. */
export function reportFolderName(startedAt: Date, drillId: string): string {
  return `${compactUtc(startedAt)}-${drillId}`;
}

/** The path of a drill's report folder (no I/O). */
export function reportFolderPath(reportDir: string, scenarioName: string, startedAt: Date, drillId: string): string {
  // The scenario name becomes a path segment: refuse anything that could climb out of the report dir.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(scenarioName)) {
    throw inputError(
      'REPORT_SCENARIO_NAME',
      `scenario name "${scenarioName}" cannot be a folder name`,
      'use letters, digits, ".", "_" and "-"',
    );
  }
  if (!DRILL_ID_PATTERN.test(drillId)) {
    throw inputError('REPORT_DRILL_ID', `drill id "${drillId}" is not 8 characters [a-z0-9]`, 'use newDrillId()');
  }
  return join(reportDir, scenarioName, reportFolderName(startedAt, drillId));
}

/** Creates (if needed) and returns the drill's report folder. */
export function reportFolder(reportDir: string, scenarioName: string, startedAt: Date, drillId: string): string {
  const folder = reportFolderPath(reportDir, scenarioName, startedAt, drillId);
  // Every folder this creates (the scenario's too) gets the report mode; folders that exist are left as they are.
  mkdirSync(folder, { recursive: true, mode: reportModes().dir });
  return folder;
}

/** Start time and drill id read back from a folder name; null when the name is not a drill folder. */
export function parseReportFolderName(name: string): { startedAt: Date; drillId: string } | null {
  const m = FOLDER_NAME.exec(name);
  if (!m) return null;
  const s = m[1]!;
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`;
  const startedAt = new Date(iso);
  return Number.isNaN(startedAt.getTime()) ? null : { startedAt, drillId: m[2]! };
}
