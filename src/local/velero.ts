/**
 * Velero in each cluster: CRDs from the velero binary (no images), the `velero` namespace, BSL `default` on
 * the shared Azurite container (ReadWrite in primary, ReadOnly in dr), and `velero server` as a host process
 * started by absolute path (its internal plugins re-run os.Args[0]) with the Azure plugin in --plugin-dir.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { infraError } from '../util/errors.js';
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  BSL_CONTAINER,
  EXEC_NAMESPACES,
  PORTS,
  VELERO_NAMESPACE,
  azuriteUrl,
  type ClusterName,
  type LocalLayout,
} from './layout.js';
import type { BinDir } from './binaries.js';
import { clusterKubeconfig } from './clusters.js';
import { clusterExecManifest } from './exec-wrapper.js';
import { veleroHome } from './fs-backup.js';
import { apply, jsonpath } from './kubectl.js';
import { managedProcess, runningPid, startDetached, stopManaged, type ManagedProcess } from './processes.js';

/** The velero server process of a cluster. */
export function veleroProcess(layout: LocalLayout, name: ClusterName): ManagedProcess {
  return managedProcess(
    layout.pidDir,
    layout.logsDir,
    `velero-${name}`,
    `--metrics-address 127.0.0.1:${PORTS.veleroMetrics[name]}`,
  );
}

/**
 * The BSL both clusters use. The dr copy is ReadOnly and syncs on every tick of Velero's one-minute backup
 * sync loop (backupSyncPeriod below one minute), which bounds how long a new primary backup takes to appear.
 */
export function bslManifest(layout: LocalLayout, name: ClusterName): Record<string, unknown> {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'BackupStorageLocation',
    metadata: {
      name: 'default',
      namespace: VELERO_NAMESPACE,
      labels: { 'app.kubernetes.io/managed-by': 'dr-drill-local' },
    },
    spec: {
      provider: 'velero.io/azure',
      default: true,
      accessMode: name === 'primary' ? 'ReadWrite' : 'ReadOnly',
      ...(name === 'dr' ? { backupSyncPeriod: '10s' } : {}),
      objectStorage: { bucket: BSL_CONTAINER, caCert: readFileSync(layout.caCert).toString('base64') },
      config: {
        storageAccount: AZURITE_ACCOUNT,
        storageAccountURI: azuriteUrl(),
        storageAccountKeyEnvVar: 'AZURE_STORAGE_ACCOUNT_ACCESS_KEY',
      },
    },
  };
}

/**
 * A stand-in for the Deployment `velero install` creates, scaled to zero: the real server runs on the host,
 * but Velero's pod-volume restore action looks the Deployment up (for the restore-helper image) when it is
 * built, and every restore fails with `deployments.apps "velero" not found` without it.
 */
export function placeholderDeployment(): Record<string, unknown> {
  const labels = { component: 'velero', deploy: 'velero' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'velero',
      namespace: VELERO_NAMESPACE,
      labels: { ...labels, 'app.kubernetes.io/managed-by': 'dr-drill-local' },
      annotations: { 'dr-drill.io/note': 'placeholder: velero server runs as a host process (dr-drill local up)' },
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'velero', image: 'velero/velero:v1.17.2', command: ['/velero'], args: ['server'] }],
        },
      },
    },
  };
}

/** Installs the Velero CRDs (skipped when present), the namespace, the BSL, the placeholder Deployment and the ClusterExec rule. */
export async function installVelero(layout: LocalLayout, bin: BinDir, name: ClusterName): Promise<void> {
  const kc = clusterKubeconfig(layout, name);
  if ((await jsonpath(bin, kc, ['crd', 'backupstoragelocations.velero.io'], '{.metadata.name}')) === null) {
    const crds = await execa(bin.path('velero'), ['install', '--crds-only', '--dry-run', '-o', 'yaml'], {
      stdin: 'ignore',
    });
    await apply(bin, kc, crds.stdout);
    await execa(
      bin.path('kubectl'),
      [
        '--kubeconfig',
        kc,
        'wait',
        '--for=condition=Established',
        '--timeout=60s',
        'crd/backups.velero.io',
        'crd/restores.velero.io',
        'crd/backupstoragelocations.velero.io',
        'crd/schedules.velero.io',
        'crd/downloadrequests.velero.io',
      ],
      { stdin: 'ignore' },
    );
  }
  const docs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: VELERO_NAMESPACE } },
    bslManifest(layout, name),
    placeholderDeployment(),
    clusterExecManifest(layout),
  ];
  await apply(bin, kc, docs.map((d) => stringify(d)).join('---\n'));
}

/** Writes the dotenv credentials file Velero reads through AZURE_CREDENTIALS_FILE. */
export function writeAzureCredentials(layout: LocalLayout): void {
  const text = `AZURE_STORAGE_ACCOUNT_ACCESS_KEY=${AZURITE_KEY}\nAZURE_CLOUD_NAME=AzurePublicCloud\n`;
  if (!existsSync(layout.azureCredentials) || readFileSync(layout.azureCredentials, 'utf8') !== text) {
    writeFileSync(layout.azureCredentials, text, { mode: 0o600 });
  }
}

/** Starts the cluster's velero server unless it runs; returns its pid and whether it was started now. */
export function ensureVeleroServer(
  layout: LocalLayout,
  bin: BinDir,
  name: ClusterName,
  opts: { fsBackup?: boolean } = {},
): { pid: number; started: boolean } {
  const proc = veleroProcess(layout, name);
  const pid = runningPid(proc);
  if (pid !== null) return { pid, started: false };
  writeAzureCredentials(layout);
  const args = [
    'server',
    '--kubeconfig',
    clusterKubeconfig(layout, name),
    '--namespace',
    VELERO_NAMESPACE,
    '--plugin-dir',
    bin.pluginDir,
    '--metrics-address',
    `127.0.0.1:${PORTS.veleroMetrics[name]}`,
    '--profiler-address',
    `127.0.0.1:${PORTS.veleroProfiler[name]}`,
    '--default-volumes-to-fs-backup=false',
    '--log-level',
    'info',
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, AZURE_CREDENTIALS_FILE: layout.azureCredentials, VELERO_NAMESPACE };
  if (opts.fsBackup) {
    // A pod volume that never gets its data mover would otherwise hold a backup for Velero's default 4 h.
    args.push('--fs-backup-timeout', '10m');
    // kopia keeps each repository's config ($HOME/udmrepo) and cache under HOME: one per environment and server.
    env.HOME = veleroHome(layout, name);
    mkdirSync(env.HOME, { recursive: true });
  }
  return { pid: startDetached(proc, bin.path('velero'), args, { env, cwd: layout.stateDir }), started: true };
}

/** Stops the cluster's velero server (its process group, plugins included). */
export function stopVeleroServer(
  layout: LocalLayout,
  name: ClusterName,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 10_000,
): Promise<boolean> {
  return stopManaged(veleroProcess(layout, name), graceMs, signal);
}

/** The BSL's phase, message and last validation time, or null when it cannot be read. */
export async function bslPhase(
  layout: LocalLayout,
  bin: BinDir,
  name: ClusterName,
): Promise<{ phase: string; message: string; validatedAt: Date | null } | null> {
  const out = await jsonpath(
    bin,
    clusterKubeconfig(layout, name),
    ['-n', VELERO_NAMESPACE, 'backupstoragelocation', 'default'],
    '{.status.phase}|{.status.lastValidationTime}|{.status.message}',
  );
  if (out === null) return null;
  const [phase = '', validated = '', ...message] = out.split('|');
  return { phase, message: message.join('|'), validatedAt: validated ? new Date(validated) : null };
}

/**
 * Waits until the BSL is Available. With `since` (when the server was just started), a phase left over from
 * an earlier server does not count: the validation must be at or after that second.
 * The error carries the last phase and message seen.
 */
export async function waitBslAvailable(
  layout: LocalLayout,
  bin: BinDir,
  name: ClusterName,
  timeoutMs: number,
  since?: Date,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const floor = since ? Math.floor(since.getTime() / 1000) * 1000 : 0;
  let last: Awaited<ReturnType<typeof bslPhase>> = null;
  while (Date.now() < deadline) {
    last = await bslPhase(layout, bin, name);
    if (last?.phase === 'Available' && (last.validatedAt?.getTime() ?? 0) >= floor) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw infraError(
    'LOCAL_BSL_UNAVAILABLE',
    `BSL default in ${name} is not Available after ${timeoutMs / 1000}s (last phase "${last?.phase ?? 'unknown'}"${last?.message ? `: ${last.message}` : ''})`,
    `see ${veleroProcess(layout, name).logFile}`,
  );
}
