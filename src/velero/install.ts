/**
 * Velero in a fresh drill cluster, with the Azure plugin and a ReadOnly BSL on the source storage: Namespace,
 * CRDs, ServiceAccount, ClusterRoleBinding, Secret cloud-credentials, BackupStorageLocation, Deployment velero.
 * Rendered by `velero install --dry-run -o yaml` when the CLI is available (the objects the team's own install
 * would make, for the CLI's version), else from manifests this module generates; either way dr-drill applies
 * them itself, because `velero install` cannot make the BSL ReadOnly and a ReadWrite BSL in a drill cluster
 * would garbage-collect expired backups from the source storage. Skipped when Velero is already healthy there
 * with a BSL on the backup's storage.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { registerTempCredentials } from '../util/temp-credentials.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import type { KubeGateway } from '../kube/gateway.js';
import type { AksVeleroPlan, AksVeleroStoragePlan } from '../plan/types.js';
import type { KubeObject } from '../kube/types.js';
import { waitFor, WaitTimeout } from '../kube/wait.js';
import { infraError, inputError } from '../util/errors.js';
import { sameStorage } from './bsl.js';
import { VELERO_API, type BackupStorageLocation } from './types.js';
import { REPO_PASSWORD_KEY, REPO_PASSWORD_SECRET, type DataPathInstall } from './data-path.js';

/**
 * What the install needs: the plan's Velero (plan/types.ts AksVeleroPlan) with its files read: the CA certificate's
 * PEM and the credentials file's text (which never reaches a report).
 */
export interface VeleroInstallSpec extends Pick<AksVeleroPlan, 'image' | 'pluginImage' | 'bslName'> {
  namespace: string;
  storage: Omit<AksVeleroStoragePlan, 'caCertFile'> & { caCertPem: string | null };
  credentials: { secretFileText: string } | Exclude<AksVeleroPlan['credentials'], { secretFile: string }>;
  labels: Record<string, string>;
  /** What the backup's volume data needs: node-agent, feature flags (velero/data-path.ts). */
  dataPath: DataPathInstall;
}

const COMPONENT = { component: 'velero' };

/** The BSL the drill wants: ReadOnly on the source container/prefix. */
export function desiredBsl(s: VeleroInstallSpec): BackupStorageLocation {
  const config: Record<string, string> = {
    resourceGroup: s.storage.resourceGroup,
    storageAccount: s.storage.storageAccount,
    subscriptionId: s.storage.subscriptionId,
  };
  if (s.storage.storageAccountUri) config.storageAccountURI = s.storage.storageAccountUri;
  if ('workloadIdentityClientId' in s.credentials) config.useAAD = 'true';
  // The plugin's documented shared-key convention: the key sits in the credentials file under this name, and the
  // BSL names it; without it the plugin looks the key up through ARM (ListKeys).
  else if (/^AZURE_STORAGE_ACCOUNT_ACCESS_KEY=/m.test(s.credentials.secretFileText))
    config.storageAccountKeyEnvVar = 'AZURE_STORAGE_ACCOUNT_ACCESS_KEY';
  return {
    apiVersion: VELERO_API,
    kind: 'BackupStorageLocation',
    metadata: { name: s.bslName, namespace: s.namespace, labels: { ...COMPONENT, ...s.labels } },
    spec: {
      provider: 'azure',
      default: true,
      accessMode: 'ReadOnly',
      config,
      objectStorage: {
        bucket: s.storage.container,
        ...(s.storage.prefix ? { prefix: s.storage.prefix } : {}),
        ...(s.storage.caCertPem ? { caCert: Buffer.from(s.storage.caCertPem).toString('base64') } : {}),
      },
    },
  };
}

/** The env file in Secret cloud-credentials. With workload identity the plugin still reads one, holding ids only (no secret). */
function cloudCredentialsText(s: VeleroInstallSpec): string {
  if ('workloadIdentityClientId' in s.credentials) {
    return `AZURE_SUBSCRIPTION_ID=${s.storage.subscriptionId}\nAZURE_RESOURCE_GROUP=${s.storage.resourceGroup}\nAZURE_CLIENT_ID=${s.credentials.workloadIdentityClientId}\nAZURE_CLOUD_NAME=AzurePublicCloud\n`;
  }
  return s.credentials.secretFileText;
}

/** Every manifest except the CRDs, in apply order. Pure. */
export function veleroManifests(s: VeleroInstallSpec): KubeObject[] {
  const ns = s.namespace;
  const labels = { ...COMPONENT, ...s.labels };
  const wi = 'workloadIdentityClientId' in s.credentials ? s.credentials.workloadIdentityClientId : null;
  const cloud = cloudCredentialsText(s);
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'velero',
        namespace: ns,
        labels,
        ...(wi ? { annotations: { 'azure.workload.identity/client-id': wi } } : {}),
      },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `velero-${ns}`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'velero', namespace: ns }],
    } as KubeObject,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cloud-credentials', namespace: ns, labels },
      type: 'Opaque',
      stringData: { cloud },
    } as KubeObject,
    desiredBsl(s),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'velero', namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { deploy: 'velero' } },
        template: {
          metadata: {
            labels: { deploy: 'velero', ...labels, ...(wi ? { 'azure.workload.identity/use': 'true' } : {}) },
          },
          spec: {
            serviceAccountName: 'velero',
            restartPolicy: 'Always',
            initContainers: [
              {
                name: 'velero-plugin-for-microsoft-azure',
                image: s.pluginImage,
                volumeMounts: [{ name: 'plugins', mountPath: '/target' }],
              },
            ],
            containers: [
              {
                name: 'velero',
                image: s.image,
                command: ['/velero'],
                args: ['server', ...featureArgs(s), '--uploader-type=kopia'],
                ports: [{ name: 'metrics', containerPort: 8085 }],
                env: [
                  { name: 'VELERO_SCRATCH_DIR', value: '/scratch' },
                  { name: 'VELERO_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  { name: 'LD_LIBRARY_PATH', value: '/plugins' },
                  { name: 'AZURE_CREDENTIALS_FILE', value: '/credentials/cloud' },
                ],
                volumeMounts: [
                  { name: 'plugins', mountPath: '/plugins' },
                  { name: 'scratch', mountPath: '/scratch' },
                  { name: 'cloud-credentials', mountPath: '/credentials' },
                ],
                resources: { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              },
            ],
            volumes: [
              { name: 'plugins', emptyDir: {} },
              { name: 'scratch', emptyDir: {} },
              { name: 'cloud-credentials', secret: { secretName: 'cloud-credentials' } },
            ],
          },
        },
      },
    } as KubeObject,
    ...(s.dataPath.nodeAgent ? [nodeAgentDaemonSet(s, labels)] : []),
  ];
}

const featureArgs = (s: VeleroInstallSpec): string[] =>
  s.dataPath.features.length ? [`--features=${s.dataPath.features.join(',')}`] : [];

/**
 * The node-agent DaemonSet as `velero install --use-node-agent` makes it (v1.17 pkg/install/daemonset.go): the
 * kubelet's pods directory at /host_pods for file-system backup, its plugins directory for CSI block access,
 * privileged only for block volumes.
 */
function nodeAgentDaemonSet(s: VeleroInstallSpec, labels: Record<string, string>): KubeObject {
  const wi = 'workloadIdentityClientId' in s.credentials;
  const propagation = 'HostToContainer';
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'node-agent', namespace: s.namespace, labels },
    spec: {
      selector: { matchLabels: { name: 'node-agent' } },
      template: {
        metadata: {
          labels: {
            ...labels,
            name: 'node-agent',
            role: 'node-agent',
            ...(wi ? { 'azure.workload.identity/use': 'true' } : {}),
          },
        },
        spec: {
          serviceAccountName: 'velero',
          securityContext: { runAsUser: 0 },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [
            {
              name: 'node-agent',
              image: s.image,
              command: ['/velero'],
              args: ['node-agent', 'server', ...featureArgs(s)],
              ports: [{ name: 'metrics', containerPort: 8085 }],
              securityContext: { privileged: s.dataPath.privilegedNodeAgent },
              env: [
                { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'VELERO_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'VELERO_SCRATCH_DIR', value: '/scratch' },
                { name: 'AZURE_CREDENTIALS_FILE', value: '/credentials/cloud' },
              ],
              volumeMounts: [
                { name: 'host-pods', mountPath: '/host_pods', mountPropagation: propagation },
                { name: 'host-plugins', mountPath: '/var/lib/kubelet/plugins', mountPropagation: propagation },
                { name: 'scratch', mountPath: '/scratch' },
                { name: 'cloud-credentials', mountPath: '/credentials' },
              ],
            },
          ],
          volumes: [
            { name: 'host-pods', hostPath: { path: '/var/lib/kubelet/pods' } },
            { name: 'host-plugins', hostPath: { path: '/var/lib/kubelet/plugins' } },
            { name: 'scratch', emptyDir: {} },
            { name: 'cloud-credentials', secret: { secretName: 'cloud-credentials', defaultMode: 0o444 } },
          ],
        },
      },
    },
  } as KubeObject;
}

/**
 * What the install adds for the backup's volume data besides Velero's own objects: the source's kopia repository
 * password (Velero creates a default one at start only when the Secret is missing, and a repository made with
 * another password cannot be opened), and the source's VolumeSnapshotLocations under their own names (a native
 * snapshot is restored through the location named in the backup). The password travels as the source Secret's
 * base64 data, never decoded here.
 */
export function dataPathObjects(
  s: VeleroInstallSpec,
  from: { repositoryPasswordData: string | null; snapshotLocations: KubeObject[] },
): KubeObject[] {
  const labels = { ...COMPONENT, ...s.labels };
  const out: KubeObject[] = [];
  if (from.repositoryPasswordData)
    out.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: REPO_PASSWORD_SECRET, namespace: s.namespace, labels },
      type: 'Opaque',
      data: { [REPO_PASSWORD_KEY]: from.repositoryPasswordData },
    } as KubeObject);
  for (const v of from.snapshotLocations)
    out.push({
      apiVersion: VELERO_API,
      kind: 'VolumeSnapshotLocation',
      metadata: { name: v.metadata.name, namespace: s.namespace, labels },
      spec: (v as KubeObject & { spec?: unknown }).spec,
    } as KubeObject);
  return out;
}

/** The objects in apply order, `extra` before the Deployment: Velero must find the password Secret when it starts. */
export function beforeServer(objs: KubeObject[], extra: KubeObject[]): KubeObject[] {
  const at = objs.findIndex((o) => o.kind === 'Deployment');
  return at < 0 ? [...objs, ...extra] : [...objs.slice(0, at), ...extra, ...objs.slice(at)];
}

/** Where the velero CLI is: DR_DRILL_VELERO_BIN, else `velero` on PATH. */
export function veleroBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.DR_DRILL_VELERO_BIN || 'velero';
}

/** Velero's CRDs as the CLI renders them; null when the CLI is not available. */
export async function veleroCrds(bin = veleroBinary()): Promise<KubeObject[] | null> {
  const r = await execa(bin, ['install', '--crds-only', '--dry-run', '-o', 'yaml'], { reject: false, timeout: 60_000 });
  if (r.failed || r.exitCode !== 0) return null;
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .flatMap((o) => (o?.kind === 'List' ? (o as unknown as { items: KubeObject[] }).items : o ? [o] : []))
    .filter((o) => o.kind === 'CustomResourceDefinition');
}

/** The velero CLI's client version (e.g. v1.17.2), or null when it cannot run here. */
export async function veleroCliVersion(bin = veleroBinary()): Promise<string | null> {
  const r = await execa(bin, ['version', '--client-only'], { reject: false, timeout: 30_000, stdin: 'ignore' });
  if (r.failed || r.exitCode !== 0) return null;
  return /Version:\s*(\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
}

/** What `velero install` rendered, split so CRDs can be applied (and served) before the rest. */
export interface RenderedInstall {
  crds: KubeObject[];
  objects: KubeObject[];
  cliVersion: string;
}

/** The `velero install` arguments for the spec; the files are already written. Pure. */
export function cliInstallArgs(
  s: VeleroInstallSpec,
  files: { kubeconfig: string; secret: string; caCert: string | null },
): string[] {
  const bsl = desiredBsl(s);
  const config = Object.entries(bsl.spec?.config ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const wi = 'workloadIdentityClientId' in s.credentials ? s.credentials.workloadIdentityClientId : null;
  return [
    'install',
    '--dry-run',
    '-o',
    'yaml',
    '--kubeconfig',
    files.kubeconfig,
    '--namespace',
    s.namespace,
    '--provider',
    'azure',
    '--plugins',
    s.pluginImage,
    '--image',
    s.image,
    '--bucket',
    s.storage.container,
    ...(s.storage.prefix ? ['--prefix', s.storage.prefix] : []),
    '--backup-location-config',
    config,
    // The source's VolumeSnapshotLocations are copied by name instead (dataPathObjects): the CLI's is always "default".
    '--use-volume-snapshots=false',
    ...(s.dataPath.nodeAgent ? ['--use-node-agent'] : []),
    ...(s.dataPath.privilegedNodeAgent ? ['--privileged-node-agent'] : []),
    ...featureArgs(s),
    '--secret-file',
    files.secret,
    ...(files.caCert ? ['--cacert', files.caCert] : []),
    ...(wi
      ? [
          '--sa-annotations',
          `azure.workload.identity/client-id=${wi}`,
          '--pod-labels',
          'azure.workload.identity/use=true',
        ]
      : []),
  ];
}

/**
 * Renders the install with the velero CLI. The CLI only renders: it gets a kubeconfig without credentials (it
 * insists on one even for --dry-run) and never talks to the drill cluster. The credentials file lives in a 0700
 * temp folder for the call only; the CLI's output holds the Secret, so only its stderr is ever quoted.
 */
export async function renderWithCli(s: VeleroInstallSpec, bin = veleroBinary()): Promise<RenderedInstall> {
  const cliVersion = await veleroCliVersion(bin);
  if (!cliVersion) {
    throw inputError(
      'VELERO_CLI_MISSING',
      `the velero CLI (${bin}) cannot run here`,
      'put velero on PATH or set DR_DRILL_VELERO_BIN, or set target.aks.velero.installer: manifests',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'dr-drill-velero-install-'));
  const remove = registerTempCredentials(dir);
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, RENDER_ONLY_KUBECONFIG, { mode: 0o600 });
    const secret = join(dir, 'cloud');
    writeFileSync(secret, cloudCredentialsText(s), { mode: 0o600 });
    const caCert = s.storage.caCertPem ? join(dir, 'ca.pem') : null;
    if (caCert) writeFileSync(caCert, s.storage.caCertPem!, { mode: 0o600 });
    const r = await execa(bin, cliInstallArgs(s, { kubeconfig, secret, caCert }), {
      reject: false,
      timeout: 60_000,
      stdin: 'ignore',
    });
    if (r.failed || r.exitCode !== 0) {
      throw infraError(
        'VELERO_CLI_RENDER_FAILED',
        `velero install --dry-run (${cliVersion}) failed: ${lastLine(String(r.stderr)) || `exit ${r.exitCode}`}`,
        'run the same velero install --dry-run -o yaml by hand to see why, or set target.aks.velero.installer: manifests',
      );
    }
    const all = parseAllDocuments(String(r.stdout))
      .map((d) => d.toJS() as KubeObject | null)
      .flatMap((o) => (o?.kind === 'List' ? (o as unknown as { items: KubeObject[] }).items : o ? [o] : []));
    const rendered = hardenRendered(
      all.filter((o) => o.kind !== 'CustomResourceDefinition'),
      s,
    );
    return { crds: all.filter((o) => o.kind === 'CustomResourceDefinition'), objects: rendered, cliVersion };
  } finally {
    remove();
  }
}

/**
 * What the drill changes in the CLI's rendering: the BSL gets the drill's name and is forced ReadOnly, and every
 * object carries the drill's labels. Refuses a rendering whose BSL is not on the backup's storage. Pure.
 */
export function hardenRendered(objs: KubeObject[], s: VeleroInstallSpec): KubeObject[] {
  const want = desiredBsl(s);
  const out = objs.map((o): KubeObject => {
    const metadata = { ...o.metadata, labels: { ...(o.metadata.labels ?? {}), ...s.labels } };
    delete (metadata as Record<string, unknown>).creationTimestamp;
    if (o.kind !== 'BackupStorageLocation') return { ...o, metadata };
    const b = o as BackupStorageLocation;
    return {
      ...b,
      metadata: { ...metadata, name: s.bslName },
      spec: { ...b.spec, accessMode: 'ReadOnly' },
    } as KubeObject;
  });
  const bsl = out.find((o) => o.kind === 'BackupStorageLocation') as BackupStorageLocation | undefined;
  if (!bsl || !sameStorage(bsl, want)) {
    throw infraError(
      'VELERO_CLI_RENDER_UNEXPECTED',
      `velero install rendered ${bsl ? `a BSL on ${bsl.spec?.objectStorage?.bucket}/${bsl.spec?.objectStorage?.prefix ?? ''}` : 'no BSL'}, not one on ${s.storage.container}/${s.storage.prefix ?? ''}`,
      'check the velero CLI version, or set target.aks.velero.installer: manifests',
    );
  }
  return out;
}

const RENDER_ONLY_KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: render-only, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: render-only, user: {} }]
contexts: [{ name: render-only, context: { cluster: render-only, user: render-only } }]
current-context: render-only
`;

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1)?.slice(0, 300) ?? '';
}

/** Why an existing Velero is (or is not) good enough to skip the install. */
export async function existingVelero(
  gw: KubeGateway,
  s: VeleroInstallSpec,
): Promise<{ healthy: boolean; why: string }> {
  if ((await gw.scope(VELERO_API, 'Restore')) === null) return { healthy: false, why: 'Velero CRDs are not installed' };
  const dep = await gw.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: s.namespace, name: 'velero' });
  if (!dep || !((dep.status?.availableReplicas as number | undefined) ?? 0))
    return { healthy: false, why: `Deployment ${s.namespace}/velero is ${dep ? 'not available' : 'missing'}` };
  const { items } = await gw.list({ apiVersion: VELERO_API, kind: 'BackupStorageLocation', namespace: s.namespace });
  const want = desiredBsl(s);
  const match = (items as BackupStorageLocation[]).find((b) => sameStorage(b, want) && b.status?.phase === 'Available');
  if (!match) return { healthy: false, why: 'no Available BackupStorageLocation on the backup storage' };
  if (
    s.dataPath.nodeAgent &&
    !(await gw.get({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: s.namespace, name: 'node-agent' }))
  )
    return { healthy: false, why: `no node-agent DaemonSet in ${s.namespace}, and the backup's volume data needs one` };
  return {
    healthy: true,
    why: `Velero runs in ${s.namespace} with BSL ${match.metadata.name} Available on ${s.storage.container}/${s.storage.prefix ?? ''}`,
  };
}

/** Creates or merge-patches each object (idempotent); returns what was applied as `Kind namespace/name`. */
export async function applyObjects(gw: KubeGateway, objs: KubeObject[]): Promise<string[]> {
  const applied: string[] = [];
  for (const o of objs) {
    const ref = {
      apiVersion: o.apiVersion ?? 'v1',
      kind: o.kind ?? '',
      namespace: o.metadata.namespace,
      name: o.metadata.name,
    };
    const { metadata, apiVersion, kind, ...rest } = o;
    void apiVersion;
    void kind;
    const clean = { ...metadata } as Record<string, unknown>;
    for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields']) delete clean[k];
    const existing = await gw.get(ref);
    if (existing)
      await gw.mergePatch(ref, {
        metadata: { labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {} },
        ...rest,
      });
    else await gw.create({ ...o, metadata: clean as unknown as KubeObject['metadata'] });
    applied.push(`${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
  }
  return applied;
}

/** Waits (list+watch) for the BSL to be Available: Velero has validated the storage with the credentials. */
export async function waitBslAvailable(
  gw: KubeGateway,
  s: VeleroInstallSpec,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await waitFor(
      gw,
      { apiVersion: VELERO_API, kind: 'BackupStorageLocation', namespace: s.namespace, name: s.bslName },
      (objs) => {
        const b = objs[0] as BackupStorageLocation | undefined;
        if (b?.status?.phase === 'Available') return { state: 'done', observation: `BSL ${s.bslName} Available` };
        return {
          state: 'waiting',
          observation: `BSL ${s.bslName} is ${b?.status?.phase ?? (b ? 'not yet validated' : 'missing')}${b?.status?.message ? `: ${b.status.message}` : ''}`,
        };
      },
      { timeoutMs, signal },
    );
  } catch (e) {
    if (e instanceof WaitTimeout) {
      throw infraError(
        'VELERO_BSL_NOT_AVAILABLE',
        `${gw.context}: ${e.observation} after ${Math.round(timeoutMs / 1000)}s`,
        'check the storage credentials (secret file or workload identity federation), the storage account firewall, and the velero pod logs',
      );
    }
    throw e;
  }
}
