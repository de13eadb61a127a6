/**
 * A synthetic but faithful Velero v1.17 backup (and restore) in object storage, for tests and the benchmark.
 * Modelled on the Velero source: persistence.PutBackup (which files), backup.writeBackupVersion and
 * item_backupper.getFileForArchive (tar headers: mode 0755, regular files, `metadata/version` first, each item
 * unversioned and again under `<v>-preferredversion/`), backedUpItemsMap.ResourceMap (resource list keyed by
 * `<apiVersion>/<Kind>`, sorted `ns/name` entries) and encode.ToJSONGzip (json.Encoder output: compact, with a
 * trailing newline, nil slices as `null`).
 */
import { createHash } from 'node:crypto';
import { createGzip, gzipSync } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import tar from 'tar-stream';
import type { ContainerClient } from '@azure/storage-blob';
import {
  archiveItemPath,
  ARCHIVE_VERSION_FILE,
  BACKUP_FORMAT_VERSION,
  resourceListEntry,
  resourceListKey,
  storageLayout,
  type BackupArtifact,
  type RestoreItemAction,
} from '../../src/velero/storage-layout.js';

/** One Kubernetes object in a backup. */
export interface FixtureItem {
  apiVersion: string;
  kind: string;
  /** Directory name in the tarball: `pods`, `deployments.apps`. */
  groupResource: string;
  namespace: string | null;
  name: string;
}

/** What to build. */
export interface FixtureBackup {
  name: string;
  prefix?: string;
  schedule?: string;
  phase?: string;
  start?: Date;
  items?: FixtureItem[];
  /** Artifacts not to write at all. */
  omit?: BackupArtifact[];
  /** Items (`v1/Pod ns/name`) left out of the tarball but kept in the resource list. */
  dropFromTarball?: string[];
  /** Items written to the tarball but left out of the resource list. */
  unlisted?: FixtureItem[];
  warnings?: number;
  errors?: number;
}

const gzJson = (v: unknown) => gzipSync(Buffer.from(JSON.stringify(v) + '\n'));
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const versionOf = (apiVersion: string) => apiVersion.split('/').pop()!;
const itemId = (i: FixtureItem) => `${resourceListKey(i.apiVersion, i.kind)} ${resourceListEntry(i.namespace, i.name)}`;

/** A small, realistic application: namespace, deployment, its replicaset and pods, service, config, PVC and PV. */
export function appItems(ns = 'shop', pods = 2): FixtureItem[] {
  const items: FixtureItem[] = [
    { apiVersion: 'v1', kind: 'Namespace', groupResource: 'namespaces', namespace: null, name: ns },
    { apiVersion: 'apps/v1', kind: 'Deployment', groupResource: 'deployments.apps', namespace: ns, name: 'api' },
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      groupResource: 'replicasets.apps',
      namespace: ns,
      name: 'api-7d9f8c6b5',
    },
    { apiVersion: 'v1', kind: 'Service', groupResource: 'services', namespace: ns, name: 'api' },
    { apiVersion: 'v1', kind: 'ConfigMap', groupResource: 'configmaps', namespace: ns, name: 'api-config' },
    { apiVersion: 'v1', kind: 'ServiceAccount', groupResource: 'serviceaccounts', namespace: ns, name: 'default' },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      groupResource: 'persistentvolumeclaims',
      namespace: ns,
      name: 'data',
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      groupResource: 'persistentvolumes',
      namespace: null,
      name: `pvc-${ns}-data`,
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      groupResource: 'networkpolicies.networking.k8s.io',
      namespace: ns,
      name: 'deny-all',
    },
  ];
  for (let i = 0; i < pods; i++)
    items.push({ apiVersion: 'v1', kind: 'Pod', groupResource: 'pods', namespace: ns, name: `api-7d9f8c6b5-p${i}` });
  return items;
}

/**
 * The object Velero would store for an item (json.Marshal of the unstructured map, so with managedFields and
 * status): uids, hashes and IPs differ per object so that the tarball compresses like a real one, not 40:1.
 */
export function itemObject(i: FixtureItem, backup = 'fixture'): Record<string, unknown> {
  const h = createHash('sha256').update(`${i.kind}/${i.namespace}/${i.name}`).digest('hex');
  const uid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  const created = `2026-01-01T0${parseInt(h.slice(0, 1), 16) % 10}:${String(parseInt(h.slice(1, 3), 16) % 60).padStart(2, '0')}:${String(parseInt(h.slice(3, 5), 16) % 60).padStart(2, '0')}Z`;
  const ip = `10.${parseInt(h.slice(40, 42), 16)}.${parseInt(h.slice(42, 44), 16)}.${parseInt(h.slice(44, 46), 16)}`;
  const metadata: Record<string, unknown> = {
    name: i.name,
    ...(i.namespace ? { namespace: i.namespace } : {}),
    uid,
    resourceVersion: String(parseInt(h.slice(32, 40), 16)),
    creationTimestamp: created,
    labels: { app: 'api', 'app.kubernetes.io/part-of': i.namespace ?? 'cluster', 'pod-template-hash': h.slice(46, 56) },
    annotations: {
      'velero.io/backup-name': backup,
      'kubectl.kubernetes.io/last-applied-configuration': `{"apiVersion":"${i.apiVersion}","kind":"${i.kind}","metadata":{"name":"${i.name}"}}`,
    },
    managedFields: [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: i.apiVersion,
        time: created,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': {
            'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} },
            'f:labels': { '.': {}, 'f:app': {} },
          },
        },
      },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        apiVersion: i.apiVersion,
        time: created,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:observedGeneration': {} } },
        subresource: 'status',
      },
    ],
  };
  if (i.kind !== 'Pod')
    return {
      apiVersion: i.apiVersion,
      kind: i.kind,
      metadata,
      spec: i.kind === 'ConfigMap' || i.kind === 'Secret' ? undefined : { selector: { app: 'api' } },
      ...(i.kind === 'ConfigMap' ? { data: { 'app.yaml': `listen: ${ip}:8080\nid: ${h}\n` } } : {}),
    };
  const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: created });
  return {
    apiVersion: i.apiVersion,
    kind: i.kind,
    metadata: {
      ...metadata,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `api-${h.slice(46, 56)}`,
          uid: `${h.slice(32, 40)}-${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8, 12)}-${h.slice(52, 64)}`,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: [
        {
          name: 'api',
          image: 'ghcr.io/example/api:1.4.2',
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
            { name: 'CONFIG', value: '/etc/api/app.yaml' },
          ],
          resources: { limits: { memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
          volumeMounts: [
            { name: 'config', mountPath: '/etc/api' },
            {
              name: `kube-api-access-${h.slice(56, 61)}`,
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
              readOnly: true,
            },
          ],
          readinessProbe: {
            httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
            periodSeconds: 10,
            timeoutSeconds: 1,
            successThreshold: 1,
            failureThreshold: 3,
          },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      nodeName: `aks-pool-${h.slice(60, 62)}`,
      volumes: [{ name: 'config', configMap: { name: 'api-config', defaultMode: 420 } }],
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
    status: {
      phase: 'Running',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(cond),
      hostIP: `10.224.0.${parseInt(h.slice(62, 64), 16)}`,
      podIP: ip,
      podIPs: [{ ip }],
      startTime: created,
      qosClass: 'Burstable',
      containerStatuses: [
        {
          name: 'api',
          ready: true,
          restartCount: 0,
          started: true,
          image: 'ghcr.io/example/api:1.4.2',
          imageID: `ghcr.io/example/api@sha256:${h}`,
          containerID: `containerd://${createHash('sha256').update(h).digest('hex')}`,
          state: { running: { startedAt: created } },
        },
      ],
    },
  };
}

/** Write the tarball of `items` to `out`, streaming (the benchmark writes 100,000 items this way). */
export async function writeTarball(items: Iterable<FixtureItem>, out: Writable, backup = 'fixture'): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip(), out);
  const mtime = new Date('2026-01-01T10:00:00Z');
  const add = (name: string, body: Buffer) =>
    new Promise<void>((resolve, reject) =>
      pack.entry({ name, size: body.length, mode: 0o755, mtime, type: 'file' }, body, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
  await add(ARCHIVE_VERSION_FILE, Buffer.from(`${BACKUP_FORMAT_VERSION}\n`));
  for (const i of items) {
    const body = Buffer.from(JSON.stringify(itemObject(i, backup)));
    await add(archiveItemPath(i.groupResource, i.namespace, i.name), body);
    await add(
      archiveItemPath(i.groupResource, i.namespace, i.name, `${versionOf(i.apiVersion)}-preferredversion`),
      body,
    );
  }
  pack.finalize();
  await done;
}

/** The resource list Velero would write for `items`. */
export function resourceList(items: Iterable<FixtureItem>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of items)
    (out[resourceListKey(i.apiVersion, i.kind)] ??= []).push(resourceListEntry(i.namespace, i.name));
  for (const v of Object.values(out)) v.sort();
  return out;
}

/** The Backup object Velero stores as velero-backup.json. */
export function backupObject(f: FixtureBackup, itemCount: number): Record<string, unknown> {
  const start = f.start ?? new Date('2026-01-01T10:00:00Z');
  const labels: Record<string, string> = { 'velero.io/storage-location': 'default' };
  if (f.schedule) labels['velero.io/schedule-name'] = f.schedule;
  return {
    kind: 'Backup',
    apiVersion: 'velero.io/v1',
    metadata: {
      name: f.name,
      namespace: 'velero',
      uid: '5b0f4c2e-9d1a-4f7e-8a43-1c2d3e4f5a6b',
      resourceVersion: '1234',
      generation: 7,
      creationTimestamp: isoSeconds(start),
      labels,
      annotations: {
        'velero.io/resource-timeout': '10m0s',
        'velero.io/source-cluster-k8s-gitversion': 'v1.33.2',
        'velero.io/source-cluster-k8s-major-version': '1',
        'velero.io/source-cluster-k8s-minor-version': '33',
      },
    },
    spec: {
      metadata: {},
      includedNamespaces: ['shop'],
      ttl: '720h0m0s',
      hooks: {},
      storageLocation: 'default',
      volumeSnapshotLocations: ['default'],
      defaultVolumesToFsBackup: false,
      csiSnapshotTimeout: '10m0s',
      itemOperationTimeout: '4h0m0s',
    },
    status: {
      version: 1,
      formatVersion: BACKUP_FORMAT_VERSION,
      expiration: isoSeconds(new Date(start.getTime() + 720 * 3600_000)),
      phase: f.phase ?? 'Completed',
      startTimestamp: isoSeconds(start),
      completionTimestamp: isoSeconds(new Date(start.getTime() + 42_000)),
      ...(f.warnings ? { warnings: f.warnings } : {}),
      ...(f.errors ? { errors: f.errors } : {}),
      progress: { totalItems: itemCount, itemsBackedUp: itemCount },
    },
  };
}

/** Every file of a backup, key → bytes (small backups; the benchmark streams the tarball instead). */
export async function buildBackupFiles(f: FixtureBackup): Promise<Map<string, Buffer>> {
  const layout = storageLayout(f.prefix);
  const items = f.items ?? appItems();
  const dropped = new Set(f.dropFromTarball ?? []);
  const chunks: Buffer[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
  await writeTarball([...items.filter((i) => !dropped.has(itemId(i))), ...(f.unlisted ?? [])], sink, f.name);

  const files: [BackupArtifact, Buffer][] = [
    ['logs', gzipSync(`time="2026-01-01T10:00:00Z" level=info msg="Setting up backup log" backup=velero/${f.name}\n`)],
    ['metadata', Buffer.from(JSON.stringify(backupObject(f, items.length), null, 2) + '\n')],
    ['contents', Buffer.concat(chunks)],
    ['podVolumeBackups', gzJson(null)],
    ['volumeSnapshots', gzJson(null)],
    ['itemOperations', gzJson([])],
    ['resourceList', gzJson(resourceList(items))],
    ['csiVolumeSnapshotClasses', gzJson(null)],
    [
      'results',
      gzJson({ errors: {}, warnings: f.warnings ? { namespaces: { shop: ['could not back up a volume'] } } : {} }),
    ],
    [
      'volumeInfo',
      gzJson([
        {
          pvcName: 'data',
          pvcNamespace: 'shop',
          pvName: 'pvc-shop-data',
          backupMethod: 'PodVolumeBackup',
          snapshotDataMoved: false,
          preserveLocalSnapshot: false,
          skipped: false,
          result: 'succeeded',
          pvbInfo: {
            snapshotHandle: 'a1b2c3',
            size: 1048576,
            uploaderType: 'kopia',
            volumeName: 'data',
            podName: 'api-7d9f8c6b5-p0',
            podNamespace: 'shop',
            nodeName: 'aks-pool-0',
          },
          pvInfo: { reclaimPolicy: 'Delete', labels: {} },
        },
      ]),
    ],
  ];
  const omit = new Set(f.omit ?? []);
  return new Map(files.filter(([a]) => !omit.has(a)).map(([a, b]) => [layout.backupKey(f.name, a), b]));
}

/** What a finished restore leaves under `restores/<r>/`. */
export interface FixtureRestore {
  name: string;
  prefix?: string;
  warnings?: { velero?: string[]; cluster?: string[]; namespaces?: Record<string, string[]> };
  errors?: { velero?: string[]; cluster?: string[]; namespaces?: Record<string, string[]> };
  items?: { item: FixtureItem; action: RestoreItemAction }[];
}

/** Every file of a restore, key → bytes (restore_controller.go putResults / putRestoredResourceList). */
export function buildRestoreFiles(r: FixtureRestore): Map<string, Buffer> {
  const layout = storageLayout(r.prefix);
  const list: Record<string, string[]> = {};
  for (const { item, action } of r.items ?? []) {
    (list[resourceListKey(item.apiVersion, item.kind)] ??= []).push(
      `${resourceListEntry(item.namespace, item.name)}(${action})`,
    );
  }
  for (const v of Object.values(list)) v.sort();
  return new Map([
    [
      layout.restoreKey(r.name, 'logs'),
      gzipSync(`time="2026-01-01T11:00:00Z" level=info msg="starting restore" restore=velero/${r.name}\n`),
    ],
    [layout.restoreKey(r.name, 'results'), gzJson({ errors: r.errors ?? {}, warnings: r.warnings ?? {} })],
    [layout.restoreKey(r.name, 'resourceList'), gzJson(list)],
    [layout.restoreKey(r.name, 'volumeInfo'), gzJson(null)],
  ]);
}

/** Upload files to a container, as Velero would (block blobs, no content encoding). */
export async function uploadFiles(container: ContainerClient, files: Map<string, Buffer>): Promise<void> {
  await Promise.all([...files].map(([key, body]) => container.getBlockBlobClient(key).uploadData(body)));
}
