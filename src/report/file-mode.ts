/**
 * Who may read the evidence. A report folder holds the journal, hook logs and restore details of production
 * namespaces, and shared CI runners have other users: everything a drill writes there is owner-only by
 * default (folders 0700, files 0600). Teams whose auditors or dashboards read the folder as a group set
 * DR_DRILL_REPORT_ACCESS=group (0750/0640). The process umask still applies on top, as it does for any tool.
 */
import { inputError } from '../util/errors.js';

/** The environment variable that widens report access (docs/reliability.md). */
export const REPORT_ACCESS_ENV = 'DR_DRILL_REPORT_ACCESS';

const MODES = {
  private: { dir: 0o700, file: 0o600 },
  group: { dir: 0o750, file: 0o640 },
} as const;

/** Modes for report folders and files, from DR_DRILL_REPORT_ACCESS (private when unset). */
export function reportModes(env: Readonly<Record<string, string | undefined>> = process.env): {
  dir: number;
  file: number;
} {
  const access = env[REPORT_ACCESS_ENV] ?? '';
  if (access === '' || access === 'private') return MODES.private;
  if (access === 'group') return MODES.group;
  throw inputError(
    'REPORT_ACCESS',
    `${REPORT_ACCESS_ENV}="${access}" is not private or group`,
    `unset it (owner-only reports) or set ${REPORT_ACCESS_ENV}=group for group read`,
  );
}
