/**
 * `report verify --chain <report-dir>/<scenario>`: every drill of a scenario, each verified on its own, then the
 * links between them. One folder alone cannot see a drill deleted and the next one relinked past it, two drills
 * that both claim the same predecessor, or a gap left by a removed folder; the whole scenario can. A chain may
 * legitimately start again (a fresh CI runner: `evidence.chainStart` in the sealed report) or lose its oldest
 * drills to retention (a prune record, prune-record.ts): verify reports both as such, never as a missing link.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { inputError } from '../util/errors.js';
import type { TrustPolicy } from './signing.js';
import { parseReportFolderName } from '../report/folder.js';
import { readPruneRecord } from './prune-record.js';
import { drillFolders } from '../report/seal.js';
import {
  verifyReportFolder,
  withUploadedChecks,
  type OutsideFindings,
  type VerifyFolderOptions,
  type VerifyResult,
  type VerifyStatus,
} from './verify-folder.js';
import { readCapped, READ_LIMITS } from '../util/capped-read.js';

/** One link problem of the chain, naming the drill folder at fault. */
export interface ChainProblem {
  folder: string;
  message: string;
}

/** The outcome of verifying a scenario's whole chain. */
export interface ChainResult {
  scenarioDir: string;
  ok: boolean;
  /** verified: every drill verified and the links whole; self-consistent: whole, not all authenticated; broken. */
  status: VerifyStatus;
  authenticated: boolean;
  assumption: string;
  /** Each drill folder's own result, oldest first. */
  drills: VerifyResult[];
  /** Problems of the links between drills (each drill's own problems are in `drills`). */
  problems: ChainProblem[];
  notes: string[];
}

interface Link {
  name: string;
  drillId: string;
  previousDrillId: string | null;
  chainStart: string | null;
}

/**
 * Verifies every drill folder of `scenarioDir` and the chain they form. `outside` adds, per drill folder, what
 * only its uploaded copy shows (blob metadata and immutability), as a single-folder `--container` verify does.
 */
export function verifyChain(
  dir: string,
  opts: VerifyFolderOptions = {},
  outside?: (folder: string) => OutsideFindings,
): ChainResult {
  const scenarioDir = resolve(dir);
  if (!existsSync(scenarioDir) || !statSync(scenarioDir).isDirectory()) {
    throw inputError(
      'REPORT_DIR_NOT_FOUND',
      `no scenario folder at ${dir}`,
      'pass <report-dir>/<scenario>, e.g. reports/payments-nightly',
    );
  }
  const names = drillFolders(scenarioDir);
  if (!names.length)
    throw inputError(
      'CHAIN_EMPTY',
      `${dir} holds no drill folder (<YYYYMMDDTHHMMSSZ>-<drillId>)`,
      'pass <report-dir>/<scenario>, the folder that holds the drill folders',
    );
  const problems: ChainProblem[] = [];
  const notes: string[] = [];
  const drills = names.map((n) => {
    const r = verifyReportFolder(join(scenarioDir, n), opts);
    return outside ? withUploadedChecks(r, outside(join(scenarioDir, n))) : r;
  });
  const prune = readPruneRecord(scenarioDir, opts.trust ?? null, opts.publicKey ?? null);
  notes.push(...prune.notes);
  for (const p of prune.problems) problems.push({ folder: prune.file, message: p });

  const links: Link[] = [];
  for (const name of names) {
    const link = readLink(scenarioDir, name);
    if (link) links.push(link);
    else notes.push(`${name}: no report.json (the drill did not finish): passed over by the chain`);
  }
  const byId = new Map(links.map((l, i) => [l.drillId, i]));
  const children = new Map<string, string[]>();
  // A missing previous folder, a changed previous report and a false first-drill claim are each drill's own
  // problems (verifyReportFolder); what only the whole scenario shows is checked here.
  links.forEach((l, i) => {
    if (!l.previousDrillId) {
      if (l.chainStart && i > 0) notes.push(`${l.name} starts a new chain: ${l.chainStart} (recorded at sealing)`);
      return;
    }
    children.set(l.previousDrillId, [...(children.get(l.previousDrillId) ?? []), l.name]);
    const target = byId.get(l.previousDrillId);
    if (target === undefined) return;
    if (target < i - 1) {
      const skipped = links.slice(target + 1, i).map((s) => s.name);
      problems.push({
        folder: l.name,
        message: `links to ${links[target]!.name}, skipping ${skipped.length} sealed drill(s) in between (${skipped.join(', ')}): re-linked past them`,
      });
    } else if (target >= i)
      problems.push({
        folder: l.name,
        message: `links to ${links[target]!.name}, which is not older: the chain runs backwards`,
      });
  });
  for (const [prevId, kids] of children)
    if (kids.length > 1)
      problems.push({
        folder: kids[kids.length - 1]!,
        message: `fork: ${kids.join(' and ')} all link to ${prevId}; a chain has one successor per drill`,
      });

  const ok = problems.length === 0 && drills.every((d) => d.ok);
  const authenticated = ok && drills.every((d) => d.authenticated) && prune.authenticatedOrAbsent;
  const status: VerifyStatus = !ok ? 'broken' : authenticated ? 'verified' : 'self-consistent';
  return {
    scenarioDir,
    ok,
    status,
    authenticated,
    assumption:
      status === 'verified'
        ? 'every drill (and any prune record) was signed by a key you trust, and the links are whole; holds as long as that private key was only on the runners'
        : status === 'self-consistent'
          ? 'the drills and their links agree with each other; someone who could write the folders could have rewritten the whole chain: pass a trusted key to authenticate'
          : 'the chain is not the evidence it claims to be (see the problems)',
    drills,
    problems,
    notes,
  };
}

function readLink(scenarioDir: string, name: string): Link | null {
  const path = join(scenarioDir, name, 'report.json');
  if (!existsSync(path)) return null;
  const read = readCapped(path, READ_LIMITS.reportJson);
  if (!read.ok) return null;
  try {
    const r = JSON.parse(read.bytes.toString('utf8')) as {
      drillId?: unknown;
      evidence?: { previousDrillId?: unknown; chainStart?: { reason?: unknown } | null };
    };
    const e = r.evidence ?? {};
    return {
      name,
      drillId: typeof r.drillId === 'string' ? r.drillId : parseReportFolderName(basename(name))!.drillId,
      previousDrillId: typeof e.previousDrillId === 'string' ? e.previousDrillId : null,
      chainStart: typeof e.chainStart?.reason === 'string' ? e.chainStart.reason : null,
    };
  } catch {
    return null; // the drill's own verify names the unreadable report
  }
}
