/** The `aks` target of a scenario, compiled: defaults filled, durations parsed, names derived. Pure. */
import type { Scenario } from '../scenario/schema.js';
import { parseDuration } from '../util/duration.js';
import { DEFAULTS, type AksTargetPlan, type TargetPlan } from './types.js';

type AksSpec = Extract<Scenario['spec']['target'], { aks: unknown }>['aks'];

/** Defaults of an aks target: a small cluster that is cheap to create and delete. */
export const AKS_DEFAULTS = {
  vmSize: 'Standard_D4s_v5',
  nodeCount: 2,
  expiresAfterMs: 24 * 3_600_000,
  costPerNodeHour: 0.2,
  provisionTimeoutMs: 30 * 60_000,
  veleroImage: 'velero/velero:v1.17.2',
  pluginImage: 'velero/velero-plugin-for-microsoft-azure:v1.13.2',
  bslTimeoutMs: 5 * 60_000,
} as const;

/** Tag names on a drill cluster (Azure tags, so no `/`: ARM tag names may not contain it). */
export const AKS_TAGS = {
  drillId: 'dr-drill-drill-id',
  scenario: 'dr-drill-scenario',
  expires: 'dr-drill-expires',
} as const;

/** Compiles `spec.target.aks`. The kube context is the cluster name; the engine routes it to the provisioned cluster. */
export function aksTargetPlan(s: Scenario, a: AksSpec, drillId: string): TargetPlan {
  const clusterName = (a.clusterName ?? `dr-drill-${drillId}`).replaceAll('{{drillId}}', drillId);
  const pools = (a.nodePools ?? [{ name: 'system', vmSize: AKS_DEFAULTS.vmSize, count: AKS_DEFAULTS.nodeCount }]).map(
    (p, i) => ({
      name: p.name,
      mode: p.mode ?? (i === 0 ? ('System' as const) : ('User' as const)),
      vmSize: p.vmSize,
      count: p.count,
      zones: [...(p.zones ?? [])],
    }),
  );
  const v = a.velero;
  const aks: AksTargetPlan = {
    subscriptionId: a.subscriptionId,
    resourceGroup: a.resourceGroup,
    createResourceGroup: a.createResourceGroup ?? false,
    location: a.location,
    clusterName,
    // A DNS prefix must start with a letter and stay short; the drill id keeps it unique.
    dnsPrefix: `drill-${drillId}`,
    kubernetesVersion: a.kubernetesVersion ?? null,
    nodePools: pools,
    networkPlugin: a.networkPlugin ?? 'azure',
    identity: a.identity ?? { type: 'SystemAssigned' },
    tags: { ...(a.tags ?? {}), [AKS_TAGS.drillId]: drillId, [AKS_TAGS.scenario]: s.metadata.name },
    credentials: a.credentials ?? 'admin',
    expiresAfterMs: a.expiresAfter === undefined ? AKS_DEFAULTS.expiresAfterMs : parseDuration(a.expiresAfter),
    costPerNodeHour: a.costPerNodeHour ?? AKS_DEFAULTS.costPerNodeHour,
    provisionTimeoutMs:
      a.provisionTimeout === undefined ? AKS_DEFAULTS.provisionTimeoutMs : parseDuration(a.provisionTimeout),
    velero: {
      install: v.install ?? 'auto',
      installer: v.installer ?? 'auto',
      image: v.image ?? AKS_DEFAULTS.veleroImage,
      pluginImage: v.pluginImage ?? AKS_DEFAULTS.pluginImage,
      bslName: v.bslName ?? 'default',
      storage: {
        container: v.storage.container,
        prefix: v.storage.prefix ?? null,
        storageAccount: v.storage.storageAccount,
        resourceGroup: v.storage.resourceGroup,
        subscriptionId: v.storage.subscriptionId ?? a.subscriptionId,
        storageAccountUri: v.storage.storageAccountUri ?? null,
        caCertFile: v.storage.caCertFile ?? null,
      },
      credentials:
        'secretFile' in v.credentials
          ? { secretFile: v.credentials.secretFile }
          : { workloadIdentityClientId: v.credentials.workloadIdentityClientId },
      timeoutMs: v.timeout === undefined ? AKS_DEFAULTS.bslTimeoutMs : parseDuration(v.timeout),
    },
  };
  return {
    kind: 'aks',
    kubeContext: `aks:${clusterName}`,
    veleroNamespace: a.veleroNamespace ?? DEFAULTS.veleroNamespace,
    namespaceSuffix: a.namespaceSuffix ?? '',
    aks,
    isolation: 'none',
  };
}
