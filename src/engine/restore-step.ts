import { formatSeconds } from '../util/duration.js';
import { WaitTimeout } from '../kube/wait.js';
import { createRestore, getRestore, waitRestoreTerminal, restoreObservation } from '../velero/restore.js';
import { bslCaCert, downloadRestoredItems, downloadRestoreResults } from '../velero/download.js';
import { countMessages, type RestoredItem } from '../velero/results.js';
import { readRestoreResourceList, readRestoreResults, type BackupStorage } from '../velero/storage/index.js';
import { triageRestore } from '../velero/triage.js';
import type { RestoreResults, RestoreStatus, VeleroRestore } from '../velero/types.js';
import { volumeErrors } from '../velero/volume-errors.js';
import { drillLabels, type DrillContext } from './context.js';
import { watchVelero } from './velero-watchdog.js';
import { proveRestoredVolumes } from './volume-step.js';
import { error, fail } from './outcome.js';
import { applyRestoreConfig } from './cross-region.js';
import { confirmIsolation, isolationExcludedResources } from './isolation.js';
import type { PhaseEnd } from './phase.js';
import { describeError } from '../util/errors.js';

const ARTIFACT_TIMEOUT_MS = 60_000;

/**
 * restore: one Restore CR, watched to a terminal phase under the scenario's timeout; the time split into queued
 * (created → Velero's start; restores run one at a time) and running. Velero's results and resource list are
 * archived into the report before anything is torn down.
 */
export async function runRestore(ctx: DrillContext): Promise<PhaseEnd | void> {
  const { plan, rec } = ctx;
  const target = ctx.target!;
  const gw = target.gateway;
  const vns = target.veleroNamespace;
  const name = plan.restore.name;
  rec.report.restore.name = name;

  const resourceModifier = await applyRestoreConfig(ctx);
  await createRestore(gw, {
    name,
    veleroNamespace: vns,
    backupName: ctx.backup!.metadata.name,
    includedNamespaces: Object.keys(ctx.namespaceMapping),
    excludedNamespaces: plan.restore.excludedNamespaces,
    includedResources: plan.restore.includedResources,
    excludedResources: [...plan.restore.excludedResources, ...isolationExcludedResources(ctx)],
    namespaceMapping: ctx.namespaceMapping,
    labelSelector: plan.restore.labelSelector,
    restorePVs: plan.restore.restorePVs,
    existingResourcePolicy: plan.restore.existingResourcePolicy,
    labels: drillLabels(plan),
    resourceModifier,
  });
  const createdMono = rec.now();
  ctx.owned.restore = name;
  ctx.owned.restoreCreatedAtMono = createdMono;
  ctx.owned.restoreCreatedAt = ctx.clock.now();
  rec.event('info', `created Restore ${name} of backup ${ctx.backup!.metadata.name} in ${gw.context}`);

  let startedMono: number | null = null;
  let restore: VeleroRestore;
  try {
    restore = await watchVelero(ctx, gw, vns, (signal, observed) =>
      waitRestoreTerminal(gw, vns, name, {
        timeoutMs: plan.restore.timeoutMs,
        signal,
        onObservation: (o) => {
          observed();
          rec.event('info', o);
        },
        onStarted: () => {
          startedMono = rec.now();
          rec.subphase('queued', (startedMono - createdMono) / 1000);
        },
      }),
    );
  } catch (e) {
    if (e instanceof WaitTimeout) {
      const current = await getRestore(gw, vns, name).catch(() => null);
      if (current) recordRestore(ctx, current);
      if (startedMono === null) {
        throw fail(
          `restore ${name} did not start within ${formatSeconds(plan.restore.timeoutMs / 1000)}: Velero runs one restore at a time and never picked it up (is the Velero server running, or is another restore stuck?)`,
        );
      }
      throw fail(`restore did not finish within ${formatSeconds(plan.restore.timeoutMs / 1000)}: ${e.observation}`);
    }
    throw e;
  }
  const endMono = rec.now();
  ctx.restoreEndedMono = endMono;
  if (startedMono === null) {
    startedMono = endMono;
    rec.subphase('queued', (endMono - createdMono) / 1000);
  }
  rec.subphase('running', (endMono - startedMono) / 1000);
  recordRestore(ctx, restore);
  rec.report.restore.queuedSeconds = round3((startedMono - createdMono) / 1000);
  rec.report.restore.runningSeconds = round3((endMono - startedMono) / 1000);

  const { results, resultsProblem } = await archiveArtifacts(ctx, restore);
  requireResults(restore, results, resultsProblem);
  rec.report.restore.triage = triageRestore(restore, results);
  await confirmIsolation(ctx);
  // Only a restore that produced a copy has volumes to prove; the PodVolumeRestores go with the Restore at teardown.
  if (restore.status?.phase === 'Completed' || restore.status?.phase === 'PartiallyFailed')
    await proveRestoredVolumes(ctx);
  return judge(ctx, restore, results);
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function recordRestore(ctx: DrillContext, r: VeleroRestore): void {
  const s = r.status ?? {};
  Object.assign(ctx.rec.report.restore, {
    phase: s.phase ?? 'New',
    warnings: s.warnings ?? 0,
    errors: s.errors ?? 0,
    failureReason: s.failureReason ?? null,
    validationErrors: s.validationErrors ?? [],
    startTimestamp: s.startTimestamp ? new Date(s.startTimestamp).toISOString() : null,
    completionTimestamp: s.completionTimestamp ? new Date(s.completionTimestamp).toISOString() : null,
    itemsRestored: s.progress?.itemsRestored ?? null,
    totalItems: s.progress?.totalItems ?? null,
  });
}

/**
 * Reads the results file and the restored resource list: straight from the BSL's storage when the scenario
 * names it (no DownloadRequest, no Velero server needed), otherwise — or when that read fails — through
 * DownloadRequests (as `velero restore describe`).
 */
async function archiveArtifacts(
  ctx: DrillContext,
  restore: VeleroRestore,
): Promise<{ results: RestoreResults | null; resultsProblem: string | null }> {
  const { rec } = ctx;
  const gw = ctx.target!.gateway;
  const vns = ctx.target!.veleroNamespace;
  if (restore.status?.phase === 'FailedValidation') return { results: null, resultsProblem: null };
  const fromStorage = ctx.storage
    ? await readFromStorage(ctx, ctx.storage, restore.metadata.name)
    : { results: null, items: null };
  if (fromStorage.results && fromStorage.items) return { results: fromStorage.results, resultsProblem: null };
  let resultsProblem: string | null = null;
  // A BSL that cannot be read leaves the system's trust, which serves storage with a public certificate.
  const caCertPem = await bslCaCert(gw, vns, ctx.targetBackup?.spec?.storageLocation ?? null).catch(() => null);
  const dl = {
    gateway: gw,
    veleroNamespace: vns,
    labels: drillLabels(ctx.plan),
    timeoutMs: ARTIFACT_TIMEOUT_MS,
    signal: ctx.signal,
  };
  let results: RestoreResults | null = fromStorage.results;
  if (!results)
    try {
      results = await downloadRestoreResults(dl, restore.metadata.name, { caCertPem });
      rec.report.restore.messages = results;
      rec.report.restore.messagesSource = 'download-request';
      rec.journalEntry('restore-results', {
        errors: countMessages(results.errors),
        warnings: countMessages(results.warnings),
      });
    } catch (e) {
      resultsProblem = describeError(e);
      rec.event('warn', `could not read the restore's results file: ${resultsProblem}`);
    }
  if (!fromStorage.items)
    try {
      ctx.owned.restoredItems = await downloadRestoredItems(dl, restore.metadata.name, { caCertPem });
      rec.journalEntry('restored-resources', {
        items: ctx.owned.restoredItems.length,
        created: ctx.owned.restoredItems.filter((i) => i.action === 'created').length,
      });
    } catch (e) {
      rec.event(
        'warn',
        `could not read the restored resource list (teardown falls back to labels): ${describeError(e)}`,
      );
    }
  return { results, resultsProblem };
}

/**
 * A restore that ran has a results file; without it the report cannot say what Velero warned about or which
 * items failed, so the drill has no evidence of what it restored: ERROR, naming the storage that failed.
 */
function requireResults(restore: VeleroRestore, results: RestoreResults | null, problem: string | null): void {
  const phase = restore.status?.phase;
  if (results || (phase !== 'Completed' && phase !== 'PartiallyFailed')) return;
  throw error(
    `restore ${restore.metadata.name} ended ${phase}, but its results file could not be read (${problem ?? 'no reason given'}): ` +
      'the report cannot show what Velero restored, warned about or failed',
  );
}

/** Both restore files read from storage; null for each that could not be read (a warning says why). */
async function readFromStorage(
  ctx: DrillContext,
  storage: BackupStorage,
  name: string,
): Promise<{ results: RestoreResults | null; items: RestoredItem[] | null }> {
  const { rec } = ctx;
  let results: RestoreResults | null = null;
  let items: RestoredItem[] | null = null;
  try {
    results = await readRestoreResults(storage, name);
    if (results) {
      rec.report.restore.messages = results;
      rec.report.restore.messagesSource = 'storage';
      rec.journalEntry('restore-results', {
        source: 'storage',
        errors: countMessages(results.errors),
        warnings: countMessages(results.warnings),
      });
    } else rec.event('warn', `the restore's results file is not in ${storage.description}; trying a DownloadRequest`);
  } catch (e) {
    rec.event(
      'warn',
      `could not read the restore's results from storage (trying a DownloadRequest): ${describeError(e)}`,
    );
  }
  try {
    const list = await readRestoreResourceList(storage, name);
    if (list) {
      items = list;
      ctx.owned.restoredItems = items;
      rec.journalEntry('restored-resources', {
        source: 'storage',
        items: items.length,
        created: items.filter((i) => i.action === 'created').length,
      });
    } else rec.event('warn', `the restored resource list is not in ${storage.description}; trying a DownloadRequest`);
  } catch (e) {
    rec.event(
      'warn',
      `could not read the restored resource list from storage (trying a DownloadRequest): ${describeError(e)}`,
    );
  }
  return { results, items };
}

/** Velero's outcome against the scenario's tolerance: which are FAIL and which ERROR (DESIGN "Verdict"). */
function judge(ctx: DrillContext, r: VeleroRestore, results: RestoreResults | null): PhaseEnd | void {
  const s = r.status ?? {};
  const name = r.metadata.name;
  switch (s.phase) {
    case 'Completed':
      ctx.restoreUsable = true;
      return;
    case 'PartiallyFailed': {
      ctx.restoreUsable = true;
      const why = tolerance(ctx.plan.restore.tolerateMaxErrors, s, results);
      if (why.tolerated) {
        ctx.rec.event('warn', `restore ${name} PartiallyFailed with ${s.errors ?? 0} error(s), ${why.words}`);
        return;
      }
      // Probes still run: they show the operator what the errors cost.
      return {
        outcome: 'failed',
        effect: 'FAIL',
        reason: `restore ${name} PartiallyFailed with ${s.errors ?? '?'} error(s)${why.words ? ` (${why.words})` : ''}: ${ctx.rec.report.restore.triage.slice(1).join('; ') || 'see restore.messages'}`,
      };
    }
    case 'Failed':
      throw fail(`restore ${name} Failed: ${s.failureReason ?? 'no reason given'}`);
    case 'FailedValidation':
      throw error(
        `Velero rejected the drill's Restore request (FailedValidation): ${(s.validationErrors ?? []).join('; ') || restoreObservation(r, name)}`,
      );
    default:
      throw fail(`restore ${name} ended in an unknown phase ${s.phase}`);
  }
}

/**
 * Whether a PartiallyFailed restore is within the scenario's error budget. Volume errors never are: a missing
 * volume's data is exactly what a drill exists to catch. Errors that could not be read cannot be shown to spare
 * the volumes, so they are not tolerated either.
 */
export function tolerance(
  maxErrors: number | null,
  s: RestoreStatus,
  results: RestoreResults | null,
): { tolerated: boolean; words: string } {
  if (maxErrors === null) return { tolerated: false, words: '' };
  if ((s.errors ?? 0) > maxErrors) return { tolerated: false, words: `tolerated: ${maxErrors}` };
  if (!results)
    return {
      tolerated: false,
      words: `within maxErrors ${maxErrors}, but the errors could not be read, so volume errors cannot be ruled out`,
    };
  const volume = volumeErrors(results, s);
  if (volume.length)
    return {
      tolerated: false,
      words: `volume errors are never tolerated: ${volume.map((m) => `"${clip(m)}"`).join('; ')}`,
    };
  return { tolerated: true, words: `tolerated (maxErrors ${maxErrors}, no volume errors)` };
}

const clip = (m: string) => (m.length > 200 ? `${m.slice(0, 200)}…` : m);
