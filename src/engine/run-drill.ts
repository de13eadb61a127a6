/**
 * runDrill: the phases in order, each recorded; whatever ends the drill early, teardown runs and the report is
 * sealed after it, so teardown's outcome is part of the evidence. A library API: it returns data and prints
 * nothing (the CLI listens to events for progress).
 */
import type { KubeGateway } from '../kube/gateway.js';
import type { DrillPlan } from '../plan/types.js';
import type { Report } from '../report/schema.js';
import { Journal } from '../report/journal.js';
import { reportFolder } from '../report/folder.js';
import { measureObjectives } from '../measure/drill-objectives.js';
import { deriveVerdict } from '../measure/verdict.js';
import { judgeNegativeControl } from '../measure/negative-control.js';
import { inputError } from '../util/errors.js';
import type { Clock } from '../util/clock.js';
import { chainEvidence, sealFolder, type Signer, type UploadOutcome } from '../evidence/index.js';
import { DrillRecorder, emptyReport, type EventListener } from './recorder.js';
import { noFindingsYet, type DrillContext } from './context.js';
import { skippedProbes } from './verify-step.js';
import { blastRadiusPhase } from './blast-radius.js';
import { LazyStorage, type StorageOpener } from './drill-storage.js';
import { aksTeardownPhase, requireAksNameFree, type AksHandle } from './aks-lifecycle.js';
import { afterRestoreHooksEnd, finishHookReport, placeHooks, runTeardownHooks, withHookPhases } from './hook-steps.js';
import { builtinPhases } from './phases.js';
import { runPhases, type Pause } from './phase-runner.js';
import { runTeardown } from './teardown-phase.js';
import { probeKind } from '../probes/index.js';
import type { PlantedExpectation } from '../plan/types.js';
import { azureIdentities } from '../evidence/ran-by.js';
import { drillGateways } from './api-outages.js';

/** What a caller gives runDrill besides the plan: clock, gateways, report folder, signer, stop signal, progress. */
export interface DrillOptions {
  clock: Clock;
  gatewayFor(context: string | null): KubeGateway;
  reportDir: string;
  toolVersion: string;
  disasterAt?: Date | null;
  keep?: boolean;
  /** Aborted on SIGINT/SIGTERM/SIGHUP: the drill stops waiting, tears down and seals. */
  signal?: AbortSignal;
  onEvent?: EventListener;
  /** run --negative-control: what was made impossible; the report says whether its FAIL proved anything. */
  negativeControl?: PlantedExpectation | null;
  html?: (r: Report) => string;
  /** The earlier drills report.html's trend draws; recorded in report.json so report.html re-renders from it. */
  trend?: Report['evidence']['trend'];
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

/** What runDrill returns: the sealed report, its folder, and how the run ended (for the exit code). */
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
  // A taken AKS cluster name is refused before the drill writes anything, even the report folder.
  if (plan.target.aks) await requireAksNameFree(plan.target.aks);
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
    negativeControl: Boolean(opts.negativeControl),
    rtoObjectiveSeconds: plan.objectives.rtoMs / 1000,
    rpoObjectiveSeconds: plan.objectives.rpoMs / 1000,
  });
  // Filled as each cluster is first reached; the Azure side is asked at sealing.
  report.evidence.ranBy = { kube: [], azure: [] };
  placeHooks(report, plan);
  report.restore.volumeData = plan.restore.volumeData;
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

  const ctx: DrillContext = {
    plan,
    rec,
    clock,
    signal: opts.signal ?? new AbortController().signal,
    gatewayFor: drillGateways(rec, opts.gatewayFor),
    disasterAt,
    ...noFindingsYet(),
    storage: plan.storage ? new LazyStorage(plan.storage, opts.openStorage) : null,
    reportFolder: folder,
  };

  let aks: AksHandle | null = null;
  const phases = withHookPhases(
    plan,
    builtinPhases((h) => (aks = h)),
  );
  const run = await runPhases(ctx, phases, { beforePhase: opts.beforePhase });
  if (!report.probes.length) report.probes = skippedProbes(ctx, run.stopped ?? 'not run');

  const measured = measure(ctx);
  const passing = deriveVerdict(report).verdict === 'PASS';
  const keep = opts.keep ?? false;
  const aksHandle = aks as AksHandle | null;
  if (aksHandle?.cluster) await aksTeardownPhase(ctx, aksHandle, keep, passing);
  else await runTeardown(ctx, keep, passing);
  await blastRadiusPhase(ctx);
  Object.assign(report, deriveVerdict(report));
  if (opts.negativeControl) report.negativeControlResult = judgeNegativeControl(report, opts.negativeControl);
  if (opts.beforePhase) report.rehearsal = rehearsalOf(run.pauses, report.rto.achievedSeconds);
  journal.append('verdict', { verdict: report.verdict, reasons: report.reasons });
  await runTeardownHooks(ctx, keep, passing);
  finishHookReport(report);

  rec.startPhase('seal');
  const chain = await chainEvidence({
    reportDir: opts.reportDir,
    scenario: plan.scenario.name,
    folder,
    upload: plan.report.upload ?? null,
    signer: opts.signer ?? null,
    onInfo: (m) => rec.event('info', m),
  });
  report.evidence = {
    ...chain.evidence,
    ranBy: { kube: report.evidence.ranBy?.kube ?? [], azure: await azureIdentities(plan) },
    trend: opts.html ? (opts.trend ?? []) : null,
  };
  report.warnings.push(...chain.warnings);
  rec.endPhase('succeeded');
  report.endedAt = clock.now().toISOString();
  // What report verify compares with report.json: a report edited after sealing no longer agrees with its journal.
  journal.append('report-sealed', {
    drillId: report.drillId,
    verdict: report.verdict,
    rtoAchievedSeconds: report.rto.achievedSeconds,
    rpoAchievedSeconds: report.rpo.achievedSeconds,
    previousDrillId: report.evidence.previousDrillId,
    previousReportSha256: report.evidence.previousReportSha256,
  });
  journal.close();
  const sealed = await sealFolder(folder, report, {
    html: opts.html,
    signer: opts.signer ?? null,
    upload: plan.report.upload ?? null,
    storage: plan.storage ?? null,
    now: clock.now(),
  });
  return {
    report: sealed.report,
    folder,
    interrupted: run.interrupted,
    inputProblem: run.inputProblem || measured.inputProblem,
    upload: sealed.upload,
  };
}

/** RTO and RPO from what the report recorded (pure: ../measure), with the warnings they raise. */
function measure(ctx: DrillContext): { inputProblem: boolean } {
  const { rec, plan } = ctx;
  const report = rec.report;
  const restoreEnd =
    ctx.restoreEndedMono !== null && ctx.restoreUsable
      ? Math.max(rec.sinceT0(ctx.restoreEndedMono), afterRestoreHooksEnd(report) ?? -Infinity)
      : null;
  const critical = plan.probes.filter((p) => p.critical);
  const canaries = critical.filter((p) => p.kind === 'canary');
  // A heartbeat is written by the workload, on its cluster's clock; the drill's own marker on the runner's.
  const canaryClock = canaries.some((p) => p.kind === 'canary' && p.writer === 'heartbeat') ? 'source' : 'runner';
  const m = measureObjectives({
    rtoObjectiveSeconds: plan.objectives.rtoMs / 1000,
    rpoObjectiveSeconds: plan.objectives.rpoMs / 1000,
    t0: {
      at: new Date(report.t0),
      clock: report.t0Basis === 'backup-completed' ? 'source' : 'runner',
      resolutionSeconds: report.t0Basis === 'backup-completed' ? 1 : 0,
    },
    t0ObservedAt: ctx.t0ObservedAt ?? null,
    sourceClock: report.clocks.source,
    probes: report.probes,
    // Measured between looks when the probe passed; a full interval when it did not say (it cannot be less).
    probeLatencySeconds: Math.max(
      0,
      ...critical
        .filter((p) => probeKind(p.kind).polls)
        .map((p) => ctx.detectionLatency?.[p.name] ?? p.intervalMs / 1000),
    ),
    restoreEndedAtSeconds: restoreEnd,
    canaryRecoveryPoint: ctx.canaryRecoveryPoint
      ? { at: ctx.canaryRecoveryPoint, clock: canaryClock, resolutionSeconds: 1 }
      : null,
    canaryExpected: canaries.length > 0,
    backupStart: report.backup.startTimestamp ? new Date(report.backup.startTimestamp) : null,
    notRecoverySeconds: (ctx.blast?.recordMs ?? 0) / 1000,
  });
  report.rto = m.rto;
  report.rpo = m.rpo;
  report.warnings.push(...m.warnings);
  return { inputProblem: m.inputProblem };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** RTO as lived includes the operator's pauses; the machine RTO leaves out those taken before the RTO moment. */
export function rehearsalOf(pauses: Pause[], rto: number | null): Report['rehearsal'] {
  const before = pauses.filter((p) => rto !== null && p.atSeconds < rto).reduce((n, p) => n + p.seconds, 0);
  return {
    operatorSeconds: r3(pauses.reduce((n, p) => n + p.seconds, 0)),
    pauses: pauses.map((p) => ({ beforePhase: p.beforePhase, seconds: r3(p.seconds) })),
    machineRtoSeconds: rto === null ? null : r3(Math.max(0, rto - before)),
  };
}
