/**
 * Scenario → DrillPlan. Pure: no I/O, no clock, no randomness (the drill id is given). Durations are parsed,
 * defaults filled, `${ENV}` and `{{drillId}}` resolved, names derived; what could never be run safely is refused
 * here as an input error, before anything touches a cluster.
 */
import { inputError } from '../util/errors.js';
import { interpolate, secretReferences } from '../scenario/interpolate.js';
import { runSecrets } from '../util/secrets.js';
import { formatProblems, noLocation, type Locator } from '../scenario/problems.js';
import type { Scenario } from '../scenario/schema.js';
import { probeNamespace } from '../scenario/probe-checks.js';
import { parseDuration } from '../util/duration.js';
import { webhookFormatFor, webhookUrlProblem } from '../util/webhook-url.js';
import { aksTargetPlan } from './aks-plan.js';
import { addStoragePlans } from './storage-plan.js';
import { compileProbe } from './probe-compile.js';
import {
  DEFAULTS,
  SecretText,
  type BackupPlan,
  type DrillPlan,
  type HookPlan,
  type NotifyPlan,
  type TargetPlan,
} from './types.js';

/** What a compilation needs besides the scenario. */
export interface CompileOptions {
  /** The drill's id, 8 × [a-z0-9]. */
  drillId: string;
  /** The scenario file, for the report and for problems; null when the scenario did not come from a file. */
  file: string | null;
  /** SHA-256 of the scenario file's bytes. */
  sha256: string | null;
  /** Environment for `${NAME}`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Line and column of paths in the file, for problems. */
  locate?: Locator;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_NAME = 63;

/** Milliseconds as Velero writes a duration (`72h0m0s`): Go's time.ParseDuration has no `d` unit. */
export function goDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600),
    m = Math.floor((totalSeconds % 3600) / 60),
    s = totalSeconds % 60;
  return `${h}h${m}m${s}s`;
}

/** `<scenario>-<drillId>`, the scenario part cut so the whole is a valid name of at most 63 characters. */
export function createdBackupName(scenarioName: string, drillId: string): string {
  const room = MAX_NAME - drillId.length - 1;
  return `${scenarioName.slice(0, room).replace(/-+$/, '')}-${drillId}`;
}

/** The name a source namespace gets on the target. */
export function mapNamespace(plan: Pick<DrillPlan, 'target'>, sourceNs: string): string {
  return sourceNs + plan.target.namespaceSuffix;
}

const msOr = (d: string | undefined, fallback: number) => (d === undefined ? fallback : parseDuration(d));

function backupPlan(s: Scenario, drillId: string): BackupPlan {
  const b = s.spec.backup;
  const maxAgeMs = b.maxAge === undefined ? null : parseDuration(b.maxAge);
  if ('name' in b) return { mode: 'name', name: b.name, maxAgeMs };
  if ('fromSchedule' in b) return { mode: 'schedule', schedule: b.fromSchedule, maxAgeMs };
  const c = b.create;
  return {
    mode: 'create',
    name: createdBackupName(s.metadata.name, drillId),
    includedNamespaces: [...c.includedNamespaces],
    ttl: c.ttl === undefined ? DEFAULTS.backupTtl : goDuration(parseDuration(c.ttl)),
    storageLocation: c.storageLocation ?? null,
    // Unset stays unset: the Backup follows Velero's defaults, as a scheduled one would, unless the scenario says.
    snapshotVolumes: c.snapshotVolumes ?? null,
    defaultVolumesToFsBackup: c.defaultVolumesToFsBackup ?? null,
    timeoutMs: msOr(c.timeout, DEFAULTS.backupTimeoutMs),
    maxAgeMs,
  };
}

function targetPlan(s: Scenario, drillId: string, sourceContext: string | null, sourceVelero: string): TargetPlan {
  const t = s.spec.target;
  if ('namespace' in t) {
    const n = t.namespace;
    return {
      kind: 'namespace',
      kubeContext: n.kubeContext ?? sourceContext,
      veleroNamespace: n.veleroNamespace ?? sourceVelero,
      namespaceSuffix: (n.suffix ?? DEFAULTS.namespaceSuffix).replaceAll('{{drillId}}', drillId),
      // A scratch copy beside live workloads is fenced unless the scenario says otherwise.
      isolation: t.isolation ?? 'strict',
    };
  }
  // A cluster or AKS target is a standby rehearsing failover for real: restored as the backup holds it.
  if ('aks' in t) return { ...aksTargetPlan(s, t.aks, drillId), isolation: t.isolation ?? 'none' };
  const c = t.cluster;
  return {
    kind: 'cluster',
    kubeContext: c.kubeContext,
    veleroNamespace: c.veleroNamespace ?? sourceVelero,
    namespaceSuffix: c.namespaceSuffix ?? '',
    isolation: t.isolation ?? 'none',
  };
}

/** Refuses plans that would restore over the source or into names Kubernetes rejects. */
function refuseUnsafe(plan: DrillPlan, scenario: Scenario): void {
  const t = plan.target;
  if (t.namespaceSuffix === '' && t.kubeContext === plan.source.kubeContext) {
    throw inputError(
      'TARGET_IS_SOURCE',
      `the ${t.kind} target is the source context (${t.kubeContext ?? 'the current context'}) with no namespace suffix: the restore would overwrite the workload it protects`,
      'restore into another kube context, or set target.cluster.namespaceSuffix (or use a namespace target)',
    );
  }
  const sourceNamespaces = new Set<string>([
    ...(plan.restore.includedNamespaces ?? []),
    ...(plan.backup.mode === 'create' ? plan.backup.includedNamespaces : []),
    ...scenario.spec.probes.flatMap((p) => {
      const ns = probeNamespace(p).namespace;
      return ns === undefined ? [] : [ns];
    }),
  ]);
  const bad = [...sourceNamespaces]
    .map((ns) => mapNamespace(plan, ns))
    .filter((mapped) => mapped.length > MAX_NAME || !DNS_LABEL.test(mapped));
  if (bad.length > 0) {
    throw inputError(
      'TARGET_NAMESPACE_INVALID',
      `mapped target namespace${bad.length > 1 ? 's' : ''} ${bad.map((b) => `"${b}"`).join(', ')} ${bad.length > 1 ? 'are' : 'is'} not a valid namespace name (a DNS label: at most 63 lower-case letters, digits and dashes)`,
      'shorten or fix the target suffix (it is appended to each source namespace)',
    );
  }
}

/**
 * Compiles a schema-valid scenario into the plan the engine runs. Throws an input DrillError for unset
 * `${ENV}` variables (all listed) and for targets that are unsafe (TARGET_IS_SOURCE) or unnameable.
 */
export function compilePlan(scenario: Scenario, opts: CompileOptions): DrillPlan {
  const file = opts.file ?? '<scenario>';
  // Before anything is resolved or printed: a secret that reaches an error message is already masked there.
  for (const v of secretReferences(scenario, opts.env ?? {})) runSecrets.register(v);
  const resolved = interpolate(scenario, {
    env: opts.env,
    drillId: opts.drillId,
    file,
    locate: opts.locate ?? noLocation,
  });
  if (resolved.problems.length > 0) {
    throw inputError(
      'SCENARIO_ENV_UNSET',
      `${file}: ${resolved.problems.length} unset environment variable${resolved.problems.length > 1 ? 's' : ''}\n${formatProblems(resolved.problems)}`,
      'export the variables before plan or run (validate checks the file as written)',
    );
  }
  const s = resolved.value;
  const spec = s.spec;
  const sourceContext = spec.source?.kubeContext ?? null;
  const sourceVelero = spec.source?.veleroNamespace ?? DEFAULTS.veleroNamespace;
  const backup = backupPlan(s, opts.drillId);
  const r = spec.restore ?? {};
  const plan: DrillPlan = {
    drillId: opts.drillId,
    scenario: {
      name: s.metadata.name,
      file: opts.file,
      sha256: opts.sha256,
      labels: { ...(s.metadata.labels ?? {}) },
      description: s.metadata.description ?? null,
      // Only when named, like notify below: plans of scenarios without them stay as they were.
      ...(s.metadata.controls ? { controls: [...s.metadata.controls] } : {}),
    },
    objectives: { rtoMs: parseDuration(spec.objectives.rto), rpoMs: parseDuration(spec.objectives.rpo) },
    source: { kubeContext: sourceContext, veleroNamespace: sourceVelero },
    backup,
    target: targetPlan(s, opts.drillId, sourceContext, sourceVelero),
    restore: {
      name: `dr-drill-${opts.drillId}`,
      // A backup the drill takes has known namespaces; otherwise they are known once the backup is selected.
      includedNamespaces: r.includedNamespaces
        ? [...r.includedNamespaces]
        : backup.mode === 'create'
          ? [...backup.includedNamespaces]
          : null,
      excludedNamespaces: [...(r.excludedNamespaces ?? [])],
      includedResources: [...(r.includedResources ?? [])],
      excludedResources: [...(r.excludedResources ?? [])],
      labelSelector: r.labelSelector ? { ...r.labelSelector } : null,
      restorePVs: r.restorePVs ?? true,
      volumeData: r.volumeData ?? 'checked',
      existingResourcePolicy: r.existingResourcePolicy ?? 'none',
      ...(r.allowClusterScopedUpdates !== undefined ? { allowClusterScopedUpdates: r.allowClusterScopedUpdates } : {}),
      ...(r.allowSharedVolumeAssets !== undefined ? { allowSharedVolumeAssets: r.allowSharedVolumeAssets } : {}),
      timeoutMs: msOr(r.timeout, DEFAULTS.restoreTimeoutMs),
      tolerateMaxErrors: r.tolerate && r.tolerate !== 'none' ? r.tolerate.partiallyFailed.maxErrors : null,
      partiallyFailedBackup: r.tolerate === 'none' ? 'fail' : 'warn',
      // Only when written, so plans of scenarios without them stay as they were.
      ...(r.storageClassMapping || r.zones || r.resourceModifiers
        ? {
            crossRegion: {
              storageClassMapping: { ...(r.storageClassMapping ?? {}) },
              zoneMap: { ...(r.zones?.map ?? {}) },
              dropNodeAffinity: r.zones?.dropNodeAffinity ?? false,
              modifierRules: structuredClone(r.resourceModifiers?.resourceModifierRules ?? []),
            },
          }
        : {}),
    },
    probes: spec.probes.map((p) => compileProbe(p)),
    teardown: {
      when: spec.teardown?.when ?? 'always',
      timeoutMs: msOr(spec.teardown?.timeout, DEFAULTS.teardownTimeoutMs),
    },
    report: {
      html: spec.report?.html ?? false,
      ...(spec.report?.notify ? { notify: notifyPlan(spec.report.notify) } : {}),
    },
  };
  if (spec.hooks?.length) plan.hooks = spec.hooks.map(hookPlan);
  refuseUnsafe(plan, s);
  addStoragePlans(plan, s, opts.env);
  return plan;
}

/** spec.hooks[i] with defaults; env values are wrapped so `plan --output json` never prints them. */
function hookPlan(h: NonNullable<Scenario['spec']['hooks']>[number]): HookPlan {
  return {
    name: h.name,
    at: h.at,
    command: [...h.command],
    env: Object.fromEntries(Object.entries(h.env ?? {}).map(([k, v]) => [k, new SecretText(v)])),
    inheritEnv: [...(h.inheritEnv ?? [])],
    workingDir: h.workingDir ?? null,
    timeoutMs: msOr(h.timeout, DEFAULTS.hookTimeoutMs),
    // A teardown hook never stops teardown nor changes the verdict: it can only warn.
    onFailure: h.at === 'on-teardown' ? 'warn' : (h.onFailure ?? 'fail'),
    produces: h.produces ? { kubeconfig: h.produces.kubeconfig, context: h.produces.context ?? null } : null,
  };
}

/**
 * spec.report.notify with defaults: on FAIL and ERROR, 10s per attempt, the format by the webhook host; the URL is
 * wrapped so it never prints.
 */
function notifyPlan(n: NonNullable<NonNullable<Scenario['spec']['report']>['notify']> | undefined): NotifyPlan | null {
  if (!n) return null;
  const problem = webhookUrlProblem(n.webhook);
  if (problem !== null) {
    throw inputError(
      'NOTIFY_WEBHOOK_URL',
      `spec.report.notify.webhook ${problem}`,
      'set it to the incoming-webhook URL, e.g. webhook: ${TEAMS_WEBHOOK_URL}',
    );
  }
  const on =
    n.on === undefined ? (['fail', 'error'] as const) : n.on === 'always' ? (['pass', 'fail', 'error'] as const) : n.on;
  const format = n.format === undefined || n.format === 'auto' ? webhookFormatFor(n.webhook) : n.format;
  return { webhook: new SecretText(n.webhook), on: [...on], timeoutMs: msOr(n.timeout, 10_000), format };
}
