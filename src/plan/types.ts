/**
 * The compiled drill plan: what the engine runs. Durations are milliseconds, defaults are filled, `${ENV}` and
 * `{{drillId}}` are resolved, namespace names are mapped. The engine never sees the scenario file.
 */
import type { ScenarioModifierRule } from '../scenario/schema.js';
import type { ProbePlan } from './probe-plan.js';
import { runSecrets } from '../util/secrets.js';

/** Which backup the drill restores: a named one, the newest of a schedule, or one the drill takes (spec.backup). */
export type BackupPlan =
  | { mode: 'name'; name: string; maxAgeMs: number | null }
  | { mode: 'schedule'; schedule: string; maxAgeMs: number | null }
  | {
      mode: 'create';
      /** Name of the Backup the drill creates, `<scenario>-<drillId>` (cut to a valid name). */
      name: string;
      includedNamespaces: string[];
      ttl: string;
      storageLocation: string | null;
      /** null: not set on the Backup, so Velero's default applies (snapshot when a snapshotter can). */
      snapshotVolumes: boolean | null;
      /** null: not set on the Backup, so the Velero server's --default-volumes-to-fs-backup applies. */
      defaultVolumesToFsBackup: boolean | null;
      timeoutMs: number;
      maxAgeMs: number | null;
    };

/** The cluster the backup was taken from, and where its Velero runs (spec.source). */
export interface SourcePlan {
  /** null: the current context of the kubeconfig. */
  kubeContext: string | null;
  veleroNamespace: string;
}

/** Where the drill restores (spec.target), defaults filled; the engine turns it into a Target (targets/). */
export interface TargetPlan {
  kind: 'namespace' | 'cluster' | 'aks';
  kubeContext: string | null;
  veleroNamespace: string;
  /** Appended to every restored namespace; '' keeps names (cluster targets only). */
  namespaceSuffix: string;
  /** Only for kind aks: the cluster the drill provisions (kubeContext is then a name the engine routes to it). */
  aks?: AksTargetPlan;
  /** target.isolation, default filled: strict for namespace targets, none for cluster and aks targets. */
  isolation: 'strict' | 'none';
}

/** A scratch AKS cluster: where, how big, how Velero reaches the source storage, when it expires. */
export interface AksTargetPlan {
  subscriptionId: string;
  resourceGroup: string;
  createResourceGroup: boolean;
  location: string;
  clusterName: string;
  dnsPrefix: string;
  kubernetesVersion: string | null;
  nodePools: Array<{ name: string; mode: 'System' | 'User'; vmSize: string; count: number; zones: string[] }>;
  networkPlugin: 'azure' | 'kubenet' | 'none';
  identity: { type: 'SystemAssigned' } | { type: 'UserAssigned'; resourceId: string };
  /** Scenario tags plus dr-drill-drill-id, dr-drill-scenario (dr-drill-expires is set at provisioning time). */
  tags: Record<string, string>;
  credentials: 'admin' | 'user';
  expiresAfterMs: number;
  costPerNodeHour: number;
  provisionTimeoutMs: number;
  velero: AksVeleroPlan;
}

/** Velero in the drill's AKS cluster: whether and how to install it, and how its ReadOnly BSL reaches the source. */
export interface AksVeleroPlan {
  install: 'auto' | 'always' | 'never';
  installer: 'auto' | 'cli' | 'manifests';
  image: string;
  pluginImage: string;
  bslName: string;
  storage: AksVeleroStoragePlan;
  credentials: { secretFile: string } | { workloadIdentityClientId: string };
  timeoutMs: number;
}

/** The source's Azure Blob container as the drill cluster's BSL names it (velero/install.ts derives its spec). */
export interface AksVeleroStoragePlan {
  container: string;
  prefix: string | null;
  storageAccount: string;
  resourceGroup: string;
  subscriptionId: string;
  storageAccountUri: string | null;
  /** A PEM file trusted for the storage endpoint; install reads it (VeleroInstallSpec.storage.caCertPem). */
  caCertFile: string | null;
}

/** The Velero Restore the drill creates, and how much of a PartiallyFailed result it tolerates (spec.restore). */
export interface RestorePlan {
  /** Name of the Restore CR: `dr-drill-<drillId>`. */
  name: string;
  /** Source namespaces; null: those the backup included (resolved once the backup is known). */
  includedNamespaces: string[] | null;
  excludedNamespaces: string[];
  includedResources: string[];
  excludedResources: string[];
  labelSelector: Record<string, string> | null;
  restorePVs: boolean;
  /** checked: a restored volume without its data is a FAIL; metadata-only: listed, stated as not checked. */
  volumeData: 'checked' | 'metadata-only';
  existingResourcePolicy: 'none' | 'update';
  /** restore.allowClusterScopedUpdates (only when written): update in the source cluster despite cluster-scoped items. */
  allowClusterScopedUpdates?: boolean;
  /** restore.allowSharedVolumeAssets (only when written): a PV restored as-is on the source's storage is accepted. */
  allowSharedVolumeAssets?: boolean;
  timeoutMs: number;
  /** A PartiallyFailed restore with at most this many errors passes; null: PartiallyFailed fails the drill. */
  tolerateMaxErrors: number | null;
  /** A PartiallyFailed backup: a warning with Velero's reasons, or a FAIL (`tolerate: none`). */
  partiallyFailedBackup: 'warn' | 'fail';
  /** Storage classes, zones and resource modifiers for the target region; absent when the scenario sets none. */
  crossRegion?: CrossRegionPlan;
}

/** spec.restore.{storageClassMapping, zones, resourceModifiers}, compiled. */
export interface CrossRegionPlan {
  /** Source class → target class ({} when none). */
  storageClassMapping: Record<string, string>;
  /** Source zone → target zone ({} when none). */
  zoneMap: Record<string, string>;
  dropNodeAffinity: boolean;
  /** The scenario's own Velero resource-modifier rules, applied after the generated ones. */
  modifierRules: ScenarioModifierRule[];
}

/** What `run --negative-control` made impossible, and how its failure reads when that is why it failed. */
export interface PlantedExpectation {
  /** The critical probe that carries the impossibility. */
  probe: string;
  /** For the report: what was made impossible. */
  expectation: string;
  /** The planted probe's last observation when it failed because of the impossibility (not for another reason). */
  failsWith: RegExp;
}

/**
 * One drill, compiled from one scenario file (plan/compile.ts): everything the engine reads, nothing it must default.
 */
export interface DrillPlan {
  drillId: string;
  scenario: {
    name: string;
    file: string | null;
    sha256: string | null;
    labels: Record<string, string>;
    description: string | null;
    controls?: string[];
  };
  objectives: { rtoMs: number; rpoMs: number };
  source: SourcePlan;
  backup: BackupPlan;
  target: TargetPlan;
  restore: RestorePlan;
  probes: ProbePlan[];
  teardown: { when: 'always' | 'on-pass' | 'never'; timeoutMs: number };
  report: { html: boolean; notify?: NotifyPlan | null; upload?: UploadPlan };
  /** spec.storage: the BSL's storage, read directly (absent when the scenario names none). */
  storage?: StoragePlan;
  /** spec.hooks in file order (absent when the scenario has none). */
  hooks?: HookPlan[];
}

/** A runbook hook with its defaults filled (spec.hooks). */
export interface HookPlan {
  name: string;
  at: 'provision' | 'before-restore' | 'after-restore' | 'after-verify' | 'on-teardown';
  command: string[];
  /** Extra environment; every value is treated as a secret (masked in output, never printed by plan). */
  env: Record<string, SecretText>;
  /** Runner environment variables the hook inherits besides PATH and HOME (`ARM_*` for a prefix); [] by default. */
  inheritEnv: string[];
  /** null: the current directory. */
  workingDir: string | null;
  timeoutMs: number;
  onFailure: 'fail' | 'warn';
  /** provision hooks: the kubeconfig the command writes (relative to workingDir) and the context in it. */
  produces: { kubeconfig: string; context: string | null } | null;
}

/** How to reach a storage account; a connection string is a secret and never prints. */
export type StorageAuthPlan =
  { kind: 'connection-string'; connectionString: SecretText } | { kind: 'default-credential'; accountUrl: string };

/** The BSL's container and prefix, read directly (spec.storage). */
export interface StoragePlan {
  auth: StorageAuthPlan;
  container: string;
  prefix: string | null;
  caCertFile: string | null;
  /** spec.source is omitted: the backup is selected from storage, and there is no source cluster. */
  selectBackup: boolean;
}

/** Where the sealed report folder is uploaded (spec.report.upload). */
export interface UploadPlan {
  auth: StorageAuthPlan;
  container: string;
  prefix: string | null;
  /** Immutability policy length, where the container supports it. */
  immutableForMs: number;
  /** Locked: nobody can shorten or remove the policy; Unlocked: the storage account owner can. */
  immutabilityMode: ImmutabilityMode;
}

/** A blob immutability policy mode as Azure Storage names it. */
export type ImmutabilityMode = 'Locked' | 'Unlocked';

/** A verdict a notification can be sent on. */
export type NotifyOn = 'pass' | 'fail' | 'error';

/** A message format a webhook speaks (report/notify-formats.ts). */
export type NotifyFormat = 'teams' | 'slack' | 'json';

/** Where and when to post a chat message after sealing (spec.report.notify). */
export interface NotifyPlan {
  /** The webhook URL, resolved; a secret, so it is wrapped to never print or serialise. */
  webhook: SecretText;
  on: NotifyOn[];
  /** Per attempt. */
  timeoutMs: number;
  /** The message format, `auto` already resolved from the webhook host. */
  format: NotifyFormat;
}

/**
 * A string that must not be printed: `plan --output json`, logs and util.inspect see `***`; only reveal()
 * gives the value (a webhook URL carries its credential in the path).
 */
export class SecretText {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    runSecrets.register(value);
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '***';
  }
  toString(): string {
    return '***';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '***';
  }
}

export type { ProbePlan } from './probe-plan.js';

/** Defaults the compiler fills in (probe kinds' own are PROBE_DEFAULTS in probe-compile.ts). */
export const DEFAULTS = {
  veleroNamespace: 'velero',
  namespaceSuffix: '-drill-{{drillId}}',
  backupTtl: '72h0m0s',
  backupTimeoutMs: 30 * 60_000,
  restoreTimeoutMs: 30 * 60_000,
  probeTimeoutMs: 5 * 60_000,
  probeIntervalMs: 5_000,
  teardownTimeoutMs: 5 * 60_000,
  hookTimeoutMs: 10 * 60_000,
} as const;

/** Labels on everything a drill creates and will remove. */
export const LABEL_DRILL_ID = 'dr-drill.io/drill-id';
export const LABEL_SCENARIO = 'dr-drill.io/scenario';
/** On a backup the drill takes (kept, expires by TTL) instead of the drill-id label. */
export const LABEL_TAKEN_BY = 'dr-drill.io/taken-by';
