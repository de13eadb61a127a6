import type { KubeGateway } from '../kube/gateway.js';
import type { ObjectRef } from '../kube/types.js';
import type { DrillPlan } from '../plan/types.js';
import type { Target } from '../targets/index.js';
import type { RestoredItem } from '../velero/results.js';
import type { VeleroBackup } from '../velero/types.js';
import type { ContentsSource } from '../velero/backup-reading.js';
import type { Clock } from '../util/clock.js';
import type { BackupStorage } from '../velero/storage/index.js';
import type { DrillRecorder } from './recorder.js';
import type { ModifierRule, StorageClassDecision } from '../velero/restore-config.js';
import type { ClusterComparison } from '../kube/cluster-identity.js';
import type { BackupReach } from './harm-checks.js';
import type { ObjectDigest } from '../kube/object-digest.js';

/** What the phases share while a drill runs. */
export interface DrillContext {
  plan: DrillPlan;
  rec: DrillRecorder;
  clock: Clock;
  /** The running phase's signal: aborted on the drill's interrupt and when the runner's time limit passes. */
  signal: AbortSignal;
  gatewayFor(context: string | null): KubeGateway;
  disasterAt: Date | null;
  /** spec.storage, read directly (opened lazily); absent/null when the scenario names no storage. */
  storage?: BackupStorage | null;
  source: KubeGateway | null;
  target: Target | null;
  backup: VeleroBackup | null;
  /** The backup as the target cluster sees it (after sync); the restore references its storage location. */
  targetBackup: VeleroBackup | null;
  /** Source namespaces restored and where they went. */
  namespaceMapping: Record<string, string>;
  /** What the drill created and teardown may remove. */
  owned: {
    namespaces: string[];
    restore: string | null;
    restoreCreatedAtMono: number | null;
    restoreCreatedAt: Date | null;
    restoredItems: RestoredItem[] | null;
    /** Velero ConfigMaps the drill created for its restore (change-storage-class, resource modifiers). */
    configMaps?: ObjectRef[];
  };
  /** The target against the source cluster (kube-system UID); null without a source cluster. */
  clusterComparison?: ClusterComparison | null;
  /** What the backup holds, read in prepare-target before the Restore (resource list, PVs, volume infos). */
  reach?: BackupReach;
  /** The pre-existing objects fingerprinted before the Restore, for the blast-radius phase. */
  blast?: BlastState;
  /** Cross-region Velero configuration decided in prepare-target, applied just before the Restore. */
  restoreConfig?: RestoreConfigState;
  /** Monotonic time the restore reached a terminal phase. */
  restoreEndedMono: number | null;
  /** The restore reached a usable outcome (Completed, or PartiallyFailed): probes are worth running. */
  restoreUsable: boolean;
  /** What probes prepared on the source before a drill-created backup (canary nonce, checksum manifest), by probe name. */
  prepared?: Record<string, unknown>;
  /** The report folder (hook logs go there); absent in contexts built outside runDrill. */
  reportFolder?: string;
  /** When the drill saw the backup it took complete (runner clock); the monotonic T0 is that moment. */
  t0ObservedAt?: Date;
  /** The oldest recovery point the passing canary probes proved (rpo.basis canary); unset without one. */
  canaryRecoveryPoint?: Date;
  /**
   * Per polling probe that passed: seconds from the start of its look before the passing one (or of the passing
   * look, when that was its first) to its pass. The copy became ready within that window (probe detection latency).
   */
  detectionLatency?: Record<string, number>;
}

/** An object the check watches, where it lives in the target. */
export interface WatchedRef {
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string;
}

/** The blast-radius check's record: the pre-existing objects read before the Restore, and what it could not read. */
export interface BlastState {
  watched: Array<{ ref: WatchedRef; digest: ObjectDigest }>;
  notChecked: string[];
  recordMs: number;
}

/** What prepare-target decided for the restore step. */
export interface RestoreConfigState {
  storageClass: StorageClassDecision;
  rules: ModifierRule[];
  generatedRules: number;
  /** target.isolation strict: CronJobs suspended, LoadBalancer Services made ClusterIP (engine/isolation.ts). */
  isolationRules?: ModifierRule[];
}

export function drillLabels(plan: DrillPlan): Record<string, string> {
  return { 'dr-drill.io/drill-id': plan.drillId, 'dr-drill.io/scenario': plan.scenario.name };
}

/** Where the drill reads its backup's files: spec.storage first, else a DownloadRequest in the target. */
export function backupFilesIn(ctx: DrillContext): ContentsSource {
  return {
    storage: ctx.storage ?? null,
    gateway: ctx.target!.gateway,
    veleroNamespace: ctx.target!.veleroNamespace,
    labels: drillLabels(ctx.plan),
    signal: ctx.signal,
  };
}

/**
 * Sends the plan's target context to a gateway the drill made while running (a new AKS cluster, the kubeconfig a
 * provision hook wrote); every other context is reached as before.
 */
export function routeTargetContext(ctx: DrillContext, gw: KubeGateway): void {
  const original = ctx.gatewayFor;
  ctx.gatewayFor = (c) => (c === ctx.plan.target.kubeContext ? gw : original(c));
}

/** The part of a drill's context that its phases fill in: at the start nothing is found, owned or restored. */
export type DrillFindings = Pick<
  DrillContext,
  'source' | 'target' | 'backup' | 'targetBackup' | 'namespaceMapping' | 'owned' | 'restoreEndedMono' | 'restoreUsable'
>;

export function noFindingsYet(): DrillFindings {
  return {
    source: null,
    target: null,
    backup: null,
    targetBackup: null,
    namespaceMapping: {},
    owned: { namespaces: [], restore: null, restoreCreatedAtMono: null, restoreCreatedAt: null, restoredItems: null },
    restoreEndedMono: null,
    restoreUsable: false,
  };
}
