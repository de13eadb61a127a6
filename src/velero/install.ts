/**
 * Velero in a fresh drill cluster, from manifests this module generates (what `velero install` would make, with
 * the Azure plugin and a ReadOnly BSL on the source storage): Namespace, CRDs (from `velero install --crds-only
 * --dry-run -o yaml`, the one part not worth re-typing), ServiceAccount, ClusterRoleBinding, Secret
 * cloud-credentials, BackupStorageLocation, Deployment velero. Skipped when Velero is already healthy there with
 * a BSL on the backup's storage.
 */
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import { waitFor, WaitTimeout } from '../kube/wait.js';
import { infraError } from '../errors.js';
import { sameStorage } from './bsl.js';
import { VELERO_API, type BackupStorageLocation } from './types.js';

/** What the install needs; credentials already read (the secret file's text never reaches a report). */
export interface VeleroInstallSpec {
  namespace: string;
  image: string;
  pluginImage: string;
  bslName: string;
  storage: { container: string; prefix: string | null; storageAccount: string; resourceGroup: string; subscriptionId: string; storageAccountUri: string | null; caCertPem: string | null };
  credentials: { secretFileText: string } | { workloadIdentityClientId: string };
  labels: Record<string, string>;
}

const COMPONENT = { component: 'velero' };

/** The BSL the drill wants: ReadOnly on the source container/prefix. */
export function desiredBsl(s: VeleroInstallSpec): BackupStorageLocation {
  const config: Record<string, string> = { resourceGroup: s.storage.resourceGroup, storageAccount: s.storage.storageAccount, subscriptionId: s.storage.subscriptionId };
  if (s.storage.storageAccountUri) config.storageAccountURI = s.storage.storageAccountUri;
  if ('workloadIdentityClientId' in s.credentials) config.useAAD = 'true';
  // The plugin's documented shared-key convention: the key sits in the credentials file under this name, and the
  // BSL names it; without it the plugin looks the key up through ARM (ListKeys).
  else if (/^AZURE_STORAGE_ACCOUNT_ACCESS_KEY=/m.test(s.credentials.secretFileText)) config.storageAccountKeyEnvVar = 'AZURE_STORAGE_ACCOUNT_ACCESS_KEY';
  return {
    apiVersion: VELERO_API, kind: 'BackupStorageLocation',
    metadata: { name: s.bslName, namespace: s.namespace, labels: { ...COMPONENT, ...s.labels } },
    spec: {
      provider: 'azure', default: true, accessMode: 'ReadOnly', config,
      objectStorage: { bucket: s.storage.container, ...(s.storage.prefix ? { prefix: s.storage.prefix } : {}),
        ...(s.storage.caCertPem ? { caCert: Buffer.from(s.storage.caCertPem).toString('base64') } : {}) },
    },
  };
}

/** Every manifest except the CRDs, in apply order. Pure. */
export function veleroManifests(s: VeleroInstallSpec): KubeObject[] {
  const ns = s.namespace;
  const labels = { ...COMPONENT, ...s.labels };
  const wi = 'workloadIdentityClientId' in s.credentials ? s.credentials.workloadIdentityClientId : null;
  // With workload identity the plugin still reads an env file, holding ids only (no secret).
  const cloud = wi
    ? `AZURE_SUBSCRIPTION_ID=${s.storage.subscriptionId}\nAZURE_RESOURCE_GROUP=${s.storage.resourceGroup}\nAZURE_CLIENT_ID=${wi}\nAZURE_CLOUD_NAME=AzurePublicCloud\n`
    : (s.credentials as { secretFileText: string }).secretFileText;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'velero', namespace: ns, labels, ...(wi ? { annotations: { 'azure.workload.identity/client-id': wi } } : {}) } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `velero-${ns}`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'velero', namespace: ns }],
    } as KubeObject,
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cloud-credentials', namespace: ns, labels }, type: 'Opaque', stringData: { cloud } } as KubeObject,
    desiredBsl(s),
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'velero', namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { deploy: 'velero' } },
        template: {
          metadata: { labels: { deploy: 'velero', ...labels, ...(wi ? { 'azure.workload.identity/use': 'true' } : {}) } },
          spec: {
            serviceAccountName: 'velero',
            restartPolicy: 'Always',
            initContainers: [{ name: 'velero-plugin-for-microsoft-azure', image: s.pluginImage, volumeMounts: [{ name: 'plugins', mountPath: '/target' }] }],
            containers: [{
              name: 'velero', image: s.image, command: ['/velero'], args: ['server', '--uploader-type=kopia'],
              ports: [{ name: 'metrics', containerPort: 8085 }],
              env: [
                { name: 'VELERO_SCRATCH_DIR', value: '/scratch' },
                { name: 'VELERO_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'LD_LIBRARY_PATH', value: '/plugins' },
                { name: 'AZURE_CREDENTIALS_FILE', value: '/credentials/cloud' },
              ],
              volumeMounts: [{ name: 'plugins', mountPath: '/plugins' }, { name: 'scratch', mountPath: '/scratch' }, { name: 'cloud-credentials', mountPath: '/credentials' }],
              resources: { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
            }],
            volumes: [{ name: 'plugins', emptyDir: {} }, { name: 'scratch', emptyDir: {} }, { name: 'cloud-credentials', secret: { secretName: 'cloud-credentials' } }],
          },
        },
      },
    } as KubeObject,
  ];
}

/** Where the velero CLI is: DR_DRILL_VELERO_BIN, else `velero` on PATH. */
export function veleroBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.DR_DRILL_VELERO_BIN || 'velero';
}

/** Velero's CRDs as the CLI renders them; null when the CLI is not available. */
export async function veleroCrds(bin = veleroBinary()): Promise<KubeObject[] | null> {
  const r = await execa(bin, ['install', '--crds-only', '--dry-run', '-o', 'yaml'], { reject: false, timeout: 60_000 });
  if (r.failed || r.exitCode !== 0) return null;
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as KubeObject | null)
    .flatMap((o) => (o?.kind === 'List' ? ((o as unknown as { items: KubeObject[] }).items) : o ? [o] : []))
    .filter((o) => o.kind === 'CustomResourceDefinition');
}

/** Why an existing Velero is (or is not) good enough to skip the install. */
export async function existingVelero(gw: KubeGateway, s: VeleroInstallSpec): Promise<{ healthy: boolean; why: string }> {
  if ((await gw.scope(VELERO_API, 'Restore')) === null) return { healthy: false, why: 'Velero CRDs are not installed' };
  const dep = await gw.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: s.namespace, name: 'velero' });
  if (!dep || !((dep.status?.availableReplicas as number | undefined) ?? 0)) return { healthy: false, why: `Deployment ${s.namespace}/velero is ${dep ? 'not available' : 'missing'}` };
  const { items } = await gw.list({ apiVersion: VELERO_API, kind: 'BackupStorageLocation', namespace: s.namespace });
  const want = desiredBsl(s);
  const match = (items as BackupStorageLocation[]).find((b) => sameStorage(b, want) && b.status?.phase === 'Available');
  if (!match) return { healthy: false, why: 'no Available BackupStorageLocation on the backup storage' };
  return { healthy: true, why: `Velero runs in ${s.namespace} with BSL ${match.metadata.name} Available on ${s.storage.container}/${s.storage.prefix ?? ''}` };
}

/** Creates or merge-patches each object (idempotent); returns what was applied as `Kind namespace/name`. */
export async function applyObjects(gw: KubeGateway, objs: KubeObject[]): Promise<string[]> {
  const applied: string[] = [];
  for (const o of objs) {
    const ref = { apiVersion: o.apiVersion ?? 'v1', kind: o.kind ?? '', namespace: o.metadata.namespace, name: o.metadata.name };
    const { metadata, apiVersion, kind, ...rest } = o;
    void apiVersion; void kind;
    const clean = { ...metadata } as Record<string, unknown>;
    for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields']) delete clean[k];
    const existing = await gw.get(ref);
    if (existing) await gw.mergePatch(ref, { metadata: { labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {} }, ...rest });
    else await gw.create({ ...o, metadata: clean as unknown as KubeObject['metadata'] });
    applied.push(`${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
  }
  return applied;
}

/** Waits (list+watch) for the BSL to be Available: Velero has validated the storage with the credentials. */
export async function waitBslAvailable(gw: KubeGateway, s: VeleroInstallSpec, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  try {
    await waitFor(gw, { apiVersion: VELERO_API, kind: 'BackupStorageLocation', namespace: s.namespace, name: s.bslName }, (objs) => {
      const b = objs[0] as BackupStorageLocation | undefined;
      if (b?.status?.phase === 'Available') return { state: 'done', observation: `BSL ${s.bslName} Available` };
      return { state: 'waiting', observation: `BSL ${s.bslName} is ${b?.status?.phase ?? (b ? 'not yet validated' : 'missing')}${b?.status?.message ? `: ${b.status.message}` : ''}` };
    }, { timeoutMs, signal });
  } catch (e) {
    if (e instanceof WaitTimeout) {
      throw infraError('VELERO_BSL_NOT_AVAILABLE', `${gw.context}: ${e.observation} after ${Math.round(timeoutMs / 1000)}s`,
        'check the storage credentials (secret file or workload identity federation), the storage account firewall, and the velero pod logs');
    }
    throw e;
  }
}
