/**
 * runDrill: the phases in order, each recorded; whatever ends the drill early, teardown runs and the report is
 * sealed after it, so teardown's outcome is part of the evidence. A library API: it returns data and prints
 * nothing (the CLI listens to events for progress).
 */
import { basename } from 'node:path';
import type { KubeGateway } from '../kube/gateway.js';
import type { DrillPlan } from '../plan/types.js';
import type { Report } from '../report/schema.js';
import { Journal } from '../report/journal.js';
import { reportFolder } from '../report/folder.js';
import { findPreviousReport, writeReportFolder, type PreviousReport } from '../report/seal.js';
import { againstObjective, achievedRpo, achievedRto } from '../measure/objectives.js';
import { decideVerdict } from '../measure/verdict.js';
import { isDrillError, inputError } from '../errors.js';
import { WaitAborted } from '../kube/wait.js';
import type { Clock } from '../util/clock.js';
import { DrillRecorder, emptyReport, type EventListener } from './recorder.js';
import type { DrillContext } from './context.js';
import { Shortfall } from './outcome.js';
import { selectBackup } from './select-backup.js';
import { prepareTarget } from './prepare-target.js';
import { runRestore } from './restore-step.js';
import { runProbes, skippedProbes } from './verify-step.js';
import { clusterScopedCreated, teardown } from './teardown.js';
import { checkIntegrity } from './integrity-step.js';
import { LazyStorage, type StorageOpener } from './drill-storage.js';
import {
  containerFor,
  findPreviousUploaded,
  preparePublicKey,
  signSums,
  uploadEvidence,
  type Signer,
  type UploadOutcome,
} from '../evidence/index.js';
import { aksTeardownPhase, provisionAks, type AksHandle } from './aks-lifecycle.js';
import { afterRestoreHooksEnd, finishHookReport, placeHooks, runTeardownHooks, withHookSteps } from './hook-steps.js';

export interface DrillOptions {
  clock: Clock;
  gatewayFor(context: string | null): KubeGateway;
  reportDir: string;
  toolVersion: string;
  disasterAt?: Date | null;
  keep?: boolean;
  /** Aborted on SIGINT/SIGTERM: the drill stops waiting, tears down and seals. */
  signal?: AbortSignal;
  onEvent?: EventListener;
  negativeControl?: boolean;
  html?: (r: Report) => string;
  /** run --sign-key: signs SHA256SUMS (SHA256SUMS.sig) and records the public key in the report. */
  signer?: Signer | null;
  /**
   * run --step: asked before each phase that will run; the operator's time is part of RTO as lived and reported
   * apart (report.rehearsal). 'abort' stops the drill there: teardown still runs.
   */
  beforePhase?: (phase: Report['phases'][number]['name']) => Promise<'continue' | 'abort'>;
  /** Opens spec.storage (default: Azure Blob); tests inject a local or in-memory BackupStorage. */
  openStorage?: StorageOpener;
}

export interface DrillOutcome {
  report: Report;
  folder: string;
  interrupted: boolean;
  /** The drill ended on bad input discovered at run time (e.g. a target namespace that exists): exit 2. */
  inputProblem: boolean;
  /** spec.report.upload: where the sealed folder went and the immutability statement, or why it failed; null: no upload. */
  upload?: UploadOutcome | null;
}

export async function runDrill(plan: DrillPlan, opts: DrillOptions): Promise<DrillOutcome> {
  const { clock } = opts;
  const startedAt = clock.now();
  const disasterAt = opts.disasterAt ?? null;
  if (disasterAt && disasterAt.getTime() > startedAt.getTime()) {
    throw inputError(
      'DISASTER_AT_IN_FUTURE',
      `--disaster-at ${disasterAt.toISOString()} is in the future`,
      'give a time at or before now, in ISO-8601 UTC',
    );
  }
  const folder = reportFolder(opts.reportDir, plan.scenario.name, startedAt, plan.drillId);
  const journal = new Journal(folder, clock);
  const report = emptyReport({
    toolVersion: opts.toolVersion,
    drillId: plan.drillId,
    scenario: {
      name: plan.scenario.name,
      file: plan.scenario.file,
      sha256: plan.scenario.sha256,
      labels: plan.scenario.labels,
      controls: plan.scenario.controls ?? [],
    },
    startedAt,
    negativeControl: opts.negativeControl ?? false,
    rtoObjectiveSeconds: plan.objectives.rtoMs / 1000,
    rpoObjectiveSeconds: plan.objectives.rpoMs / 1000,
  });
  placeHooks(report, plan);
  const rec = new DrillRecorder(report, clock, journal, opts.onEvent);
  journal.append('drill-started', {
    drillId: plan.drillId,
    scenario: plan.scenario.name,
    backup: plan.backup,
    target: plan.target,
    folder,
  });
  if (disasterAt)
    rec.setT0(rec.drillStartMono - (startedAt.getTime() - disasterAt.getTime()), disasterAt, 'disaster-at');
  else rec.setT0(rec.drillStartMono, startedAt, 'drill-start', plan.backup.mode === 'create');

  const signal = opts.signal ?? new AbortController().signal;
  const ctx: DrillContext = {
    plan,
    rec,
    clock,
    signal,
    gatewayFor: opts.gatewayFor,
    disasterAt,
    source: null,
    target: null,
    backup: null,
    targetBackup: null,
    namespaceMapping: {},
    owned: { namespaces: [], restore: null, restoreCreatedAtMono: null, restoreCreatedAt: null, restoredItems: null },
    restoreEndedMono: null,
    restoreUsable: false,
    failures: [],
    errors: [],
    storage: plan.storage ? new LazyStorage(plan.storage, opts.openStorage) : null,
    reportFolder: folder,
  };
  let interrupted = false;
  let inputProblem = false;

  let aks: AksHandle | null = null;
  const steps = withHookSteps(ctx, [
    ['select-backup', () => selectBackup(ctx)],
    [
      'integrity',
      async () => {
        if (!ctx.storage) throw new SkipPhase('no storage credentials in the scenario');
        await checkIntegrity(ctx);
      },
    ],
    [
      'provision-target',
      async () => {
        const produced = plan.hooks?.find((h) => h.produces);
        if (plan.target.kind !== 'aks')
          throw new SkipPhase(
            produced
              ? `the cluster comes from hook ${produced.name}`
              : `target kind ${plan.target.kind} is an existing cluster`,
          );
        await provisionAks(ctx, (h) => {
          aks = h;
        });
      },
    ],
    ['prepare-target', () => prepareTarget(ctx)],
    ['restore', () => runRestore(ctx)],
    [
      'verify',
      async () => {
        if (!ctx.restoreUsable) throw new SkipPhase('the restore did not produce a usable copy');
        await runProbes(ctx);
      },
    ],
  ]);
  let stopped: string | null = null;
  const pauses: Array<{ beforePhase: Report['phases'][number]['name']; atSeconds: number; seconds: number }> = [];
  for (const [name, step] of steps) {
    if (stopped) {
      rec.skipPhase(name, stopped);
      continue;
    }
    if (signal.aborted) {
      interrupted = true;
      stopped = 'interrupted';
      rec.skipPhase(name, stopped);
      continue;
    }
    if (opts.beforePhase) {
      const pauseStart = rec.now();
      const decision = await opts.beforePhase(name);
      pauses.push({ beforePhase: name, atSeconds: rec.sinceT0(pauseStart), seconds: (rec.now() - pauseStart) / 1000 });
      if (decision === 'abort' || signal.aborted) {
        interrupted = true;
        stopped = 'aborted by the operator';
        ctx.errors.push(`the operator aborted the drill before ${name}`);
        rec.event('warn', `the operator aborted the drill before ${name}`);
        rec.skipPhase(name, stopped);
        continue;
      }
    }
    rec.startPhase(name);
    try {
      await step();
      rec.endPhase(
        ctx.failures.length || ctx.errors.length ? 'failed' : 'succeeded',
        ctx.failures.at(-1) ?? ctx.errors.at(-1) ?? null,
      );
    } catch (e) {
      if (e instanceof SkipPhase) {
        rec.endPhase('skipped', e.message);
        continue;
      }
      if (e instanceof WaitAborted || signal.aborted) {
        interrupted = true;
        stopped = 'interrupted';
        rec.endPhase(
          'interrupted',
          `interrupted (SIGINT/SIGTERM) while: ${e instanceof WaitAborted ? e.observation : describe(e)}`,
        );
        ctx.errors.push(`drill interrupted during ${name}`);
        continue;
      }
      const reason = describe(e);
      if (e instanceof Shortfall && e.verdict === 'FAIL') ctx.failures.push(reason);
      else ctx.errors.push(reason);
      if (isDrillError(e) && e.category === 'input') inputProblem = true;
      rec.endPhase('failed', reason);
      stopped = `not run: ${name} failed`;
    }
  }
  if (!report.probes.length) report.probes = skippedProbes(ctx, stopped ?? 'not run');

  const aksHandle = aks as AksHandle | null;
  if (aksHandle?.cluster) await aksTeardownPhase(ctx, aksHandle, opts.keep ?? false);
  else await runTeardown(ctx, opts);
  measure(ctx);
  if (opts.beforePhase) report.rehearsal = rehearsalOf(pauses, report.rto.achievedSeconds);
  journal.append('verdict', { verdict: report.verdict, reasons: report.reasons });
  await runTeardownHooks(ctx, opts.keep ?? false);
  finishHookReport(report);

  rec.startPhase('seal');
  const local = findPreviousReport(opts.reportDir, plan.scenario.name, folder);
  const prev = local ?? (await previousUploaded(plan, folder, rec));
  report.evidence = {
    previousReportSha256: prev?.reportSha256 ?? null,
    previousDrillId: prev?.drillId ?? null,
    previousFrom: prev ? (local ? 'report-dir' : 'evidence-container') : null,
    // The public key is in the folder before SHA256SUMS is written, so the sums cover it; the .sig comes after.
    signedBy: opts.signer ? preparePublicKey(folder, opts.signer) : null,
  };
  rec.endPhase('succeeded');
  report.endedAt = clock.now().toISOString();
  journal.append('report-sealed', { verdict: report.verdict });
  journal.close();
  const sealed = writeReportFolder(folder, report, { html: opts.html });
  if (opts.signer) signSums(folder, opts.signer);
  const upload = plan.report.upload
    ? await uploadEvidence(folder, sealed.report, plan.report.upload, plan.storage ?? null, clock.now())
    : null;
  return { report: sealed.report, folder, interrupted, inputProblem, upload };
}

class SkipPhase extends Error {}

/**
 * A CI runner starts with an empty report dir: when the drill uploads its evidence, the previous drill of the chain
 * is the newest uploaded one. A storage problem here costs only the link, never the drill.
 */
async function previousUploaded(plan: DrillPlan, folder: string, rec: DrillRecorder): Promise<PreviousReport | null> {
  const up = plan.report.upload;
  if (!up) return null;
  try {
    const prev = await findPreviousUploaded(
      containerFor(up.auth, up.container),
      up.prefix,
      plan.scenario.name,
      basename(folder),
    );
    if (prev)
      rec.event('info', `previous drill ${prev.drillId} of the chain found in the evidence container: ${prev.folder}`);
    return prev;
  } catch (e) {
    rec.report.warnings.push(
      `the previous uploaded report could not be read, so this report starts a new chain: ${describe(e)}`,
    );
    return null;
  }
}

function describe(e: unknown): string {
  if (isDrillError(e)) return `${e.message} (${e.code}; hint: ${e.hint})`;
  return e instanceof Error ? e.message : String(e);
}

async function runTeardown(ctx: DrillContext, opts: DrillOptions): Promise<void> {
  const { plan, rec } = ctx;
  const report = rec.report;
  const when = opts.keep ? 'never' : plan.teardown.when;
  const nothing = !ctx.owned.namespaces.length && !ctx.owned.restore && !ctx.owned.configMaps?.length;
  const passing = !ctx.failures.length && !ctx.errors.length;
  if (nothing || when === 'never' || (when === 'on-pass' && !passing)) {
    const reason = nothing
      ? 'the drill created nothing to remove'
      : opts.keep
        ? 'kept on request (--keep)'
        : `teardown.when is ${when}`;
    rec.skipPhase('teardown', reason);
    report.teardown = { performed: false, reason, deleted: [], leftBehind: [] };
    if (!nothing)
      rec.event(
        'info',
        `left the restored copy in place: ${reason}; remove it with dr-drill cleanup --drill-id ${plan.drillId}`,
      );
    return;
  }
  rec.startPhase('teardown');
  const gw = ctx.target!.gateway;
  try {
    const clusterScoped = ctx.owned.restore
      ? await clusterScopedCreated(gw, ctx.owned.restore, ctx.owned.restoreCreatedAt, ctx.owned.restoredItems)
      : [];
    const result = await teardown(
      gw,
      {
        drillId: plan.drillId,
        namespaces: ctx.owned.namespaces,
        restore: ctx.owned.restore ? { name: ctx.owned.restore, veleroNamespace: ctx.target!.veleroNamespace } : null,
        clusterScoped,
        configMaps: ctx.owned.configMaps ?? [],
      },
      plan.teardown.timeoutMs,
      rec,
    );
    report.teardown = { performed: true, reason: null, ...result };
    rec.endPhase(
      result.leftBehind.length ? 'failed' : 'succeeded',
      result.leftBehind.length
        ? `${result.leftBehind.length} object(s) left for dr-drill cleanup --drill-id ${plan.drillId}`
        : null,
    );
  } catch (e) {
    report.teardown = { performed: true, reason: describe(e), deleted: [], leftBehind: [] };
    rec.endPhase('failed', describe(e));
  }
  if (report.teardown.leftBehind.length)
    report.warnings.push(
      `teardown left ${report.teardown.leftBehind.length} object(s): run dr-drill cleanup --drill-id ${plan.drillId}`,
    );
}

function measure(ctx: DrillContext): void {
  const { rec, plan } = ctx;
  const report = rec.report;
  const critical = report.probes.filter((p) => p.critical);
  const restoreEnd =
    ctx.restoreEndedMono !== null && ctx.restoreUsable
      ? Math.max(rec.sinceT0(ctx.restoreEndedMono), afterRestoreHooksEnd(report) ?? -Infinity)
      : null;
  if (!critical.length && restoreEnd !== null)
    report.warnings.push('no critical probes: RTO is measured to the end of the restore, without proof the copy works');
  const rto = achievedRto({
    criticalPassedAtSeconds: critical.map((p) => (p.outcome === 'passed' ? p.passedAtSeconds : null)),
    restoreEndedAtSeconds: restoreEnd,
  });
  report.rto = againstObjective(plan.objectives.rtoMs / 1000, ctx.restoreUsable ? rto : null);
  // A canary read back from the restored copy is the newest data proven present; without a canary probe the
  // backup's start stands in. A scenario whose critical canary found nothing has no proven recovery point at all.
  const canaryExpected = plan.probes.some((p) => p.kind === 'canary' && p.critical);
  const basis = ctx.canaryRecoveryPoint ? ('canary' as const) : canaryExpected ? null : ('backup-start' as const);
  const recoveryPoint =
    ctx.canaryRecoveryPoint ?? (basis && report.backup.startTimestamp ? new Date(report.backup.startTimestamp) : null);
  let rpo: number | null = null;
  try {
    rpo = achievedRpo(new Date(report.t0), recoveryPoint);
  } catch {
    rpo = null; // already refused in select-backup as an input error (a canary is never after T0: written before the backup)
  }
  report.rpo = {
    ...againstObjective(plan.objectives.rpoMs / 1000, rpo),
    basis: rpo === null ? null : basis,
    recoveryPoint: recoveryPoint?.toISOString() ?? null,
  };
  const { verdict, reasons } = decideVerdict({
    errors: ctx.errors,
    failures: ctx.failures,
    rto: report.rto,
    rpo: report.rpo,
  });
  report.verdict = verdict;
  report.reasons = reasons;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** RTO as lived includes the operator's pauses; the machine RTO leaves out those taken before the RTO moment. */
export function rehearsalOf(
  pauses: Array<{ beforePhase: Report['phases'][number]['name']; atSeconds: number; seconds: number }>,
  rto: number | null,
): Report['rehearsal'] {
  const before = pauses.filter((p) => rto !== null && p.atSeconds < rto).reduce((n, p) => n + p.seconds, 0);
  return {
    operatorSeconds: r3(pauses.reduce((n, p) => n + p.seconds, 0)),
    pauses: pauses.map((p) => ({ beforePhase: p.beforePhase, seconds: r3(p.seconds) })),
    machineRtoSeconds: rto === null ? null : r3(Math.max(0, rto - before)),
  };
}
