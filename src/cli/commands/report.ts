/** `report verify <dir>` and `report history`: checking evidence and listing past drills. */
import { defineCommand, defineGroup } from '../command.js';
import type { GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { verifyReportFolder } from '../../evidence/verify-folder.js';
import { loadPublicKey, loadSigningKey } from '../../evidence/signing.js';
import { PRUNE_FILE, pruneScenario } from '../../evidence/prune-record.js';
import { verifyChain } from '../../evidence/chain.js';
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { WithLoaders } from '../loaders.js';
import { cleanPrefix } from '../../plan/storage-plan.js';
import { readHistory, renderHistory } from '../../report/history.js';
import { renderHistoryMarkdown } from '../../report/compliance.js';
import { TREND_DEFAULTS } from '../../report/trend.js';
import { inputError } from '../../util/errors.js';
import { trustPolicy } from '../../evidence/trust.js';
import { parseDuration as parseDurationText } from '../../util/duration.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The evidence container's code (args.loaders.evidence) is loaded only with --container: the Azure SDKs are
// ~1,300 modules.
interface VerifyArgs extends WithLoaders {
  dir: string;
  'public-key'?: string;
  'trusted-keys'?: string;
  'require-signature'?: boolean;
  chain?: boolean;
  container?: string;
  prefix?: string;
  'account-url'?: string;
  'connection-string'?: string;
}

const verify = defineCommand<VerifyArgs>({
  command: 'verify <dir>',
  describe:
    'Check a report folder (or, with --container, its uploaded copy <scenario>/<folder>): SHA256SUMS, the signature, report.json against its schema, and the chain to the previous drill; --chain checks every drill of <report-dir>/<scenario> and the links between them',
  builder: (y) =>
    y
      .positional('dir', {
        type: 'string',
        demandOption: true,
        describe:
          'The report folder, or <scenario>/<folder> of an uploaded copy; with --chain <report-dir>/<scenario> (or <scenario> with --container)',
      })
      .option('chain', {
        type: 'boolean',
        describe:
          'Verify every drill of the scenario and the chain: gaps, re-links, forks, missing folders, chain starts and prune records',
      })
      .option('public-key', {
        type: 'string',
        describe: 'Require a signature (SHA256SUMS.sig) by this Ed25519 public key (PEM)',
      })
      .option('trusted-keys', {
        type: 'string',
        describe:
          'File of trusted signing keys (PEM blocks or sha256:<fingerprint> lines; default: $DR_DRILL_TRUSTED_KEYS). Keep it outside the report folder and the evidence account',
      })
      .option('require-signature', {
        type: 'boolean',
        describe: 'Fail (exit 1) unsigned folders and signatures by keys that are not trusted',
      })
      .option('container', { type: 'string', describe: 'Verify the uploaded copy in this evidence container' })
      .option('prefix', { type: 'string', describe: 'Prefix of the uploads in the evidence container' })
      .option('account-url', { type: 'string', describe: 'Evidence account, signed in with DefaultAzureCredential' })
      // No yargs default: it would print the secret in --help.
      .option('connection-string', {
        type: 'string',
        describe: 'Evidence account connection string (default: $AZURE_STORAGE_CONNECTION_STRING)',
      }) as never,
  run: async (args) => {
    const publicKey = args['public-key'] ? loadPublicKey(args['public-key']) : null;
    const trust = trustPolicy({ trustedKeys: args['trusted-keys'], requireSignature: args['require-signature'] });
    if (args.chain) return verifyWholeChain(args, publicKey, trust);
    const result = args.container
      ? await (async () => {
          const { verifyUploadedReport, evidenceContainerFromFlags } = await args.loaders.evidence();
          return verifyUploadedReport(evidenceContainerFromFlags(containerFlags(args)), args.dir, {
            prefix: cleanPrefix(args.prefix),
            publicKey,
            trust,
          });
        })()
      : verifyReportFolder(args.dir, { publicKey, trust });
    if (args.output === 'json') printJson(result);
    else {
      for (const p of result.problems) printLine(`${result.folder}/${p.file}: ${p.message}`);
      for (const n of result.notes) printLine(`note: ${n}`);
      printLine(
        result.status === 'verified'
          ? `VERIFIED ${result.folder}: ${result.verifiedFiles.length} file(s) match SHA256SUMS, signed by a trusted key`
          : result.status === 'self-consistent'
            ? `SELF-CONSISTENT (not authenticated) ${result.folder}: ${result.verifiedFiles.length} file(s) match SHA256SUMS, report.json is valid`
            : `FAILED ${result.folder}: ${result.problems.length} problem(s)`,
      );
      printLine(`assumption: ${result.assumption}`);
    }
    return result.ok ? EXIT.pass : EXIT.fail;
  },
});

async function verifyWholeChain(
  args: VerifyArgs & GlobalOptions,
  publicKey: ReturnType<typeof loadPublicKey> | null,
  trust: ReturnType<typeof trustPolicy>,
): Promise<number> {
  const result = args.container
    ? await (async () => {
        const { verifyUploadedChain, evidenceContainerFromFlags } = await args.loaders.evidence();
        return verifyUploadedChain(evidenceContainerFromFlags(containerFlags(args)), args.dir, {
          prefix: cleanPrefix(args.prefix),
          publicKey,
          trust,
        });
      })()
    : verifyChain(args.dir, { publicKey, trust });
  if (args.output === 'json') printJson(result);
  else {
    for (const d of result.drills) {
      printLine(`${d.status.toUpperCase()} ${basename(d.folder)}`);
      for (const p of d.problems) printLine(`  ${p.file}: ${p.message}`);
    }
    for (const p of result.problems) printLine(`${p.folder}: ${p.message}`);
    for (const n of result.notes) printLine(`note: ${n}`);
    const broken = result.drills.filter((d) => !d.ok).length;
    printLine(
      result.status === 'verified'
        ? `CHAIN VERIFIED ${result.scenarioDir}: ${result.drills.length} drill(s), every one signed by a trusted key, links whole`
        : result.status === 'self-consistent'
          ? `CHAIN SELF-CONSISTENT (not authenticated) ${result.scenarioDir}: ${result.drills.length} drill(s), links whole`
          : `CHAIN FAILED ${result.scenarioDir}: ${broken} broken drill(s), ${result.problems.length} link problem(s)`,
    );
    printLine(`assumption: ${result.assumption}`);
  }
  return result.ok ? EXIT.pass : EXIT.fail;
}

interface PruneArgs extends WithLoaders {
  dir: string;
  before: string;
  'sign-key'?: string;
}

const prune = defineCommand<PruneArgs>({
  command: 'prune <dir>',
  describe:
    'Retention for <report-dir>/<scenario>: remove drill folders started before --before (never the newest) and record them in a signed prune record (chain-prune.json), so verify --chain tells a pruned link from a missing one',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: '<report-dir>/<scenario>' })
      .option('before', {
        type: 'string',
        demandOption: true,
        describe: 'Remove drills started before this date (ISO-8601, e.g. 2026-01-01)',
      })
      .option('sign-key', {
        type: 'string',
        describe: 'Ed25519 private key (PEM) that signs the prune record: the key your drills are signed with',
      }) as never,
  run: async (args) => {
    const before = parseSince(args.before, '--before');
    if (!existsSync(args.dir) || !statSync(args.dir).isDirectory())
      throw inputError('REPORT_DIR_NOT_FOUND', `no scenario folder at ${args.dir}`, 'pass <report-dir>/<scenario>');
    const signer = args['sign-key'] ? loadSigningKey(args['sign-key']) : null;
    const { removed } = pruneScenario(args.dir, before, signer, new Date());
    if (args.output === 'json') printJson({ removed, signed: Boolean(signer) && removed.length > 0 });
    else {
      for (const r of removed) printLine(`removed ${r}`);
      printLine(
        removed.length
          ? `pruned ${removed.length} drill(s); recorded in ${PRUNE_FILE}${signer ? ' (signed)' : ' (NOT signed: pass --sign-key)'}`
          : `nothing started before ${before.toISOString()} (the newest sealed drill is always kept)`,
      );
    }
    return EXIT.pass;
  },
});

interface HistoryArgs extends WithLoaders {
  'report-dir': string;
  'public-key'?: string;
  'trusted-keys'?: string;
  container?: string;
  prefix?: string;
  'account-url'?: string;
  'connection-string'?: string;
  scenario?: string;
  since?: string;
  'trend-window': number;
  'trend-threshold': number;
}

const history = defineCommand<HistoryArgs>({
  command: 'history',
  describe:
    'List past drills, newest first, each verified / self-consistent / broken, the last verified restore (a PASS signed by a trusted key) and RTO trend of each scenario; --output markdown gives a per-control compliance summary',
  builder: (y) =>
    y
      .option('report-dir', { type: 'string', default: 'reports', describe: 'Where drills write their reports' })
      .option('container', {
        type: 'string',
        describe: 'Read the drills uploaded to this evidence container instead (CI runners keep no report dir)',
      })
      .option('prefix', { type: 'string', describe: 'Prefix of the uploads in the evidence container' })
      .option('account-url', { type: 'string', describe: 'Evidence account, signed in with DefaultAzureCredential' })
      // No yargs default: it would print the secret in --help.
      .option('connection-string', {
        type: 'string',
        describe: 'Evidence account connection string (default: $AZURE_STORAGE_CONNECTION_STRING)',
      })
      .option('public-key', {
        type: 'string',
        describe: 'Ed25519 public key (PEM) that authenticates signed drills (the last verified restore needs one)',
      })
      .option('trusted-keys', {
        type: 'string',
        describe: 'File of trusted signing keys (default: $DR_DRILL_TRUSTED_KEYS), as for report verify',
      })
      .option('scenario', { type: 'string', describe: 'Only this scenario' })
      .option('since', {
        type: 'string',
        describe: 'Only drills started on or after this date (ISO-8601, e.g. 2026-01-01)',
      })
      .option('trend-window', {
        type: 'number',
        default: TREND_DEFAULTS.window,
        describe: 'Drills per scenario the RTO trend looks at',
      })
      .option('trend-threshold', {
        type: 'number',
        default: TREND_DEFAULTS.thresholdPercent,
        describe: 'Warn when RTO grew by more than this percentage over the window',
      })
      // yargs merges choices of a redefined option: history alone also speaks markdown.
      .option('output', {
        choices: ['markdown'] as const,
        describe: 'Output format (markdown: compliance summary)',
      }) as never,
  run: async (args) => {
    const options = {
      ...(args.scenario === undefined ? {} : { scenario: args.scenario }),
      ...(args.since === undefined ? {} : { since: parseSince(args.since) }),
      trendWindow: positive('--trend-window', args['trend-window'], 2),
      trendThresholdPercent: positive('--trend-threshold', args['trend-threshold'], 0),
    };
    const trust = historyTrust(args);
    const h = args.container
      ? await (async () => {
          const { readUploadedHistory, evidenceContainerFromFlags } = await args.loaders.evidence();
          return readUploadedHistory(evidenceContainerFromFlags(containerFlags(args)), cleanPrefix(args.prefix), {
            ...options,
            verify: { trust },
          });
        })()
      : readHistory(args['report-dir'], { ...options, verify: (folder) => verifyReportFolder(folder, { trust }) });
    const format = args.output as string;
    if (format === 'json') printJson(h);
    else if (format === 'markdown') process.stdout.write(renderHistoryMarkdown(h));
    else process.stdout.write(renderHistory(h));
    // Trend warnings go to stderr too, so a nightly job's log shows them whatever the output format.
    for (const t of h.trends) if (t.warning) process.stderr.write(`warning: ${t.warning}\n`);
    return EXIT.pass;
  },
});

/** History lists unsigned drills as self-consistent, not broken: the keys authenticate, they do not require. */
function historyTrust(args: HistoryArgs): ReturnType<typeof trustPolicy> {
  const trust = trustPolicy({ publicKey: args['public-key'], trustedKeys: args['trusted-keys'] });
  return trust && { ...trust, require: false };
}

/** --since (or --before) as a UTC date or date-time. */
export function parseSince(text: string, flag = '--since'): Date {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime())) {
    throw inputError(
      'BAD_SINCE',
      `${flag} "${text}" is not an ISO-8601 date`,
      'write it like 2026-01-01 or 2026-01-01T00:00:00Z',
    );
  }
  return d;
}

function positive(flag: string, n: number, min: number): number {
  if (!Number.isFinite(n) || n < min)
    throw inputError('BAD_FLAG', `${flag} must be a number of at least ${min}`, `e.g. ${flag} 5`);
  return n;
}

interface UploadArgs extends WithLoaders {
  dir: string;
  container: string;
  prefix?: string;
  'account-url'?: string;
  'connection-string'?: string;
  'immutable-for'?: string;
  lock?: boolean;
}

/**
 * Finishes an evidence upload that failed or was cut short (a storage outage, a stopped runner): the sealed
 * folder is checked first, files already uploaded byte for byte are kept, and nothing different is overwritten.
 */
const upload = defineCommand<UploadArgs>({
  command: 'upload <dir>',
  describe:
    'Upload a sealed report folder to an evidence container, or finish an upload that failed: the folder must verify; files already there with the same bytes are kept, nothing is overwritten',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'The sealed report folder' })
      .option('container', { type: 'string', demandOption: true, describe: 'The evidence container' })
      .option('prefix', { type: 'string', describe: 'Prefix of the uploads in the evidence container' })
      .option('account-url', { type: 'string', describe: 'Evidence account, signed in with DefaultAzureCredential' })
      .option('connection-string', {
        type: 'string',
        describe: 'Evidence account connection string (default: $AZURE_STORAGE_CONNECTION_STRING)',
      })
      .option('immutable-for', {
        type: 'string',
        describe:
          'Immutability policy length on each blob where the container supports it (default: what the sealed report states, else 365d)',
      })
      .option('lock', {
        type: 'boolean',
        describe: 'Set the policy Locked (default: what the sealed report states, else Unlocked)',
      })
      .example(
        '$0 report upload reports/payments-nightly/20261129T020000Z-ab12cd34 --container evidence --prefix nightly',
        'finish the upload a storage outage cut short',
      ) as never,
  run: async (args) => {
    const local = verifyReportFolder(args.dir);
    if (!local.ok) {
      for (const p of local.problems) printLine(`${local.folder}/${p.file}: ${p.message}`);
      printLine(`not uploaded: ${local.folder} does not verify (${local.problems.length} problem(s))`);
      return EXIT.fail;
    }
    const report = JSON.parse(readFileSync(join(args.dir, 'report.json'), 'utf8')) as {
      drillId: string;
      verdict: string;
      scenario: { name: string };
      evidence: { immutability?: { policyMode: 'Locked' | 'Unlocked'; periodSeconds: number } | null };
    };
    const policy = uploadPolicy(report.evidence.immutability ?? null, args);
    const { uploadReportFolder, evidenceContainerFromFlags } = await args.loaders.evidence();
    const result = await uploadReportFolder(args.dir, {
      container: evidenceContainerFromFlags({
        container: args.container,
        accountUrl: args['account-url'],
        connectionString: args['connection-string'],
      }),
      prefix: cleanPrefix(args.prefix),
      scenario: report.scenario.name,
      verdict: report.verdict,
      drillId: report.drillId,
      ...policy,
      now: new Date(),
    });
    if (args.output === 'json') printJson(result);
    else {
      const fresh = result.files.length - result.alreadyUploaded.length;
      printLine(
        `uploaded: ${result.location} (${fresh} file(s) now, ${result.alreadyUploaded.length} already there byte for byte)`,
      );
      printLine(result.immutability.statement);
    }
    return EXIT.pass;
  },
});

/**
 * The policy `report upload` sets: the one the sealed report states (verify --container compares the blobs with
 * it), so a flag that says otherwise is an input error; flags only for a report that states none.
 */
function uploadPolicy(
  stated: { policyMode: 'Locked' | 'Unlocked'; periodSeconds: number } | null,
  args: { 'immutable-for'?: string | undefined; lock?: boolean | undefined },
): { immutableForMs: number; immutabilityMode: 'Locked' | 'Unlocked' } {
  const flagMs = args['immutable-for'] === undefined ? null : parseDuration(args['immutable-for'], '--immutable-for');
  if (!stated)
    return { immutableForMs: flagMs ?? 365 * 86_400_000, immutabilityMode: args.lock ? 'Locked' : 'Unlocked' };
  const statedMs = stated.periodSeconds * 1000;
  const conflict = [
    flagMs !== null && Math.ceil(flagMs / 1000) !== stated.periodSeconds
      ? `--immutable-for ${args['immutable-for']}`
      : '',
    args.lock !== undefined && args.lock !== (stated.policyMode === 'Locked') ? `--lock=${args.lock}` : '',
  ].filter(Boolean);
  if (conflict.length)
    throw inputError(
      'UPLOAD_POLICY_CONFLICT',
      `${conflict.join(' and ')} disagree with report.json evidence.immutability (${stated.policyMode}, ${stated.periodSeconds} s): the sealed report states the policy its upload must have`,
      'drop the flag: report upload sets the policy the report states',
    );
  return { immutableForMs: statedMs, immutabilityMode: stated.policyMode };
}

function parseDuration(text: string, flag: string): number {
  try {
    return parseDurationText(text);
  } catch {
    throw inputError('BAD_FLAG', `${flag} "${text}" is not a duration`, `e.g. ${flag} 365d`);
  }
}

/** The `report` command group. */
export const reportCommand = defineGroup('report', 'Verify report folders, upload, prune and list drill history', [
  verify,
  upload,
  history,
  prune,
]);

/** What --container, --account-url and --connection-string name, for evidenceContainerFromFlags. */
function containerFlags(args: { container?: string; 'account-url'?: string; 'connection-string'?: string }) {
  return { container: args.container!, accountUrl: args['account-url'], connectionString: args['connection-string'] };
}
