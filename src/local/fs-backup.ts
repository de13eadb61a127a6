/**
 * Velero's file-system backup in the local environment (on by default; `local up --no-fs-backup` opts out): per cluster
 * a node stand-in (node-stand-in.ts: the kubelet duties the data path needs) and one real `velero node-agent
 * server` per fake node, plus the placeholder DaemonSet `velero/node-agent` Velero looks up (its pods, faked
 * Running by kwok, are what the velero server checks; its `host-pods` hostPath is where node-agent's volume
 * paths are translated to). The choice is remembered in the state dir, so later `up`s keep it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { infraError, inputError } from '../util/errors.js';
import type { BinDir } from './binaries.js';
import { clusterKubeconfig } from './clusters.js';
import { clusterExecManifest, ensureExecWrapper, volumesClusterExec, wrapperEnvs } from './exec-wrapper.js';
import { apply, kubectl } from './kubectl.js';
import { localDataStorageClass } from './local-data-class.js';
import { PORTS, VELERO_NAMESPACE, type ClusterName, type LocalLayout } from './layout.js';
import { managedProcess, runningPid, startDetached, stopManaged, type ManagedProcess } from './processes.js';

/** Where one cluster's fake kubelet keeps things. */
export interface FsBackupPaths {
  /** Kubelet's /var/lib/kubelet/pods: node-agent's VELERO_HOST_PODS_PATH and the DaemonSet's host-pods. */
  podsRoot: string;
  /** Data of claim-backed volumes whose PV has no local path, one dir per PV. */
  pvStore: string;
  /** Hosting pods' processes: HOME, cache, temp dir, termination log and log, per pod uid. */
  runDir: string;
  /** Node-agents' HOME dirs. */
  homeDir: string;
  /** The stand-in writes it after laying out the first full list of pods. */
  readyFile: string;
}

export function fsBackupPaths(layout: LocalLayout, cluster: ClusterName): FsBackupPaths {
  const root = join(layout.stateDir, 'kubelet', cluster);
  return {
    podsRoot: join(root, 'pods'),
    pvStore: join(root, 'pv'),
    runDir: join(root, 'run'),
    homeDir: join(root, 'home'),
    readyFile: join(root, 'stand-in.ready.json'),
  };
}

const markerFile = (layout: LocalLayout): string => join(layout.stateDir, 'fs-backup');

/** What the environment was brought up with: 'on', 'off', or null before its first `up`. */
export function fsBackupChoice(layout: LocalLayout): 'on' | 'off' | null {
  if (!existsSync(markerFile(layout))) return null;
  // Session 6 wrote "local up --fs-backup" for on.
  return readFileSync(markerFile(layout), 'utf8').trim() === 'off' ? 'off' : 'on';
}

/** True when this environment runs file-system backup. */
export function fsBackupEnabled(layout: LocalLayout): boolean {
  return fsBackupChoice(layout) === 'on';
}

export function rememberFsBackup(layout: LocalLayout, on: boolean): void {
  writeFileSync(markerFile(layout), on ? 'on\n' : 'off\n');
}

/**
 * True when this user can make a mount namespace (root, or CAP_SYS_ADMIN): the exec wrapper needs one to show a
 * command its pod's volumes at their mountPaths (exec-wrapper.ts).
 */
export function canMakeMountNamespace(): boolean {
  return spawnSync('unshare', ['--mount', 'true'], { stdio: 'ignore' }).status === 0;
}

/** Whether `up` runs file-system backup, and what it tells the user about that choice. */
export interface FsBackupDecision {
  on: boolean;
  /** A line for the progress output when the choice needs saying (null: nothing to say). */
  note: string | null;
}

/**
 * `--fs-backup` / `--no-fs-backup` / neither (`asked` undefined), against what the environment already runs and
 * whether exec into a pod's volumes can work here. Default on; an environment keeps its choice. Throws
 * LOCAL_FS_BACKUP_RUNNING (exit 2) for `--no-fs-backup` on an environment that runs it: its backups, restored
 * pods and exec rules depend on it, so it goes only with `local down`.
 */
export function decideFsBackup(
  asked: boolean | undefined,
  remembered: 'on' | 'off' | null,
  canMount: boolean,
): FsBackupDecision {
  if (asked === false && remembered === 'on') {
    throw inputError(
      'LOCAL_FS_BACKUP_RUNNING',
      'this environment runs file-system backup (node stand-ins, node-agents); --no-fs-backup cannot take it out of a running environment',
      'run `dr-drill local down`, then `dr-drill local up --no-fs-backup`',
    );
  }
  const rootless =
    'exec into a pod with volumes needs a mount namespace (unshare --mount: root or CAP_SYS_ADMIN), which this user cannot make';
  if (asked === true || (asked === undefined && remembered === 'on'))
    return {
      on: true,
      note: canMount ? null : `on, but ${rootless}: such an exec exits 126 (docs/local-environment.md)`,
    };
  if (asked === false || remembered === 'off') return { on: false, note: 'off (--no-fs-backup)' };
  if (canMount) return { on: true, note: null };
  return {
    on: false,
    note: `off: ${rootless}, and the demo's data probes use it. Run \`local up\` as root, or pass --fs-backup to run it anyway`,
  };
}

/** The HOME a velero server gets with fs-backup on: kopia keeps its repository config and cache there. */
export function veleroHome(layout: LocalLayout, cluster: ClusterName): string {
  return join(layout.stateDir, 'kubelet', cluster, 'home', 'velero-server');
}

/** The placeholder DaemonSet `velero/node-agent` (its one container mirrors what `velero install` makes). */
export function nodeAgentDaemonSet(layout: LocalLayout, cluster: ClusterName): Record<string, unknown> {
  const labels = { name: 'node-agent', role: 'node-agent' };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: 'node-agent',
      namespace: VELERO_NAMESPACE,
      labels: { component: 'velero', 'app.kubernetes.io/managed-by': 'dr-drill-local' },
      annotations: {
        'dr-drill.io/note': 'placeholder: each node-agent runs as a host process (dr-drill local up --fs-backup)',
      },
    },
    spec: {
      selector: { matchLabels: { name: 'node-agent' } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'node-agent',
              image: 'velero/velero:v1.17.2',
              command: ['/velero'],
              args: ['node-agent', 'server', '--log-level', 'info'],
              env: [
                { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'VELERO_NAMESPACE', value: VELERO_NAMESPACE },
                { name: 'AZURE_CREDENTIALS_FILE', value: layout.azureCredentials },
              ],
              volumeMounts: [{ name: 'host-pods', mountPath: '/host_pods', mountPropagation: 'HostToContainer' }],
            },
          ],
          volumes: [{ name: 'host-pods', hostPath: { path: fsBackupPaths(layout, cluster).podsRoot } }],
        },
      },
    },
  };
}

/** The stand-in process of a cluster. */
export function standInProcess(layout: LocalLayout, cluster: ClusterName): ManagedProcess {
  return managedProcess(
    layout.pidDir,
    layout.logsDir,
    `node-stand-in-${cluster}`,
    `--cluster ${cluster} --state ${layout.stateDir}`,
  );
}

/** A node-agent's command line contains this (unique per environment and cluster; pid reuse check). */
const nodeAgentMarker = (layout: LocalLayout, cluster: ClusterName): string =>
  `node-agent server --kubeconfig ${clusterKubeconfig(layout, cluster)}`;

/** The node-agent process of node number `index` (node-name order) of a cluster, and its metrics port. */
export function nodeAgentProcess(layout: LocalLayout, cluster: ClusterName, node: string, index: number) {
  const port = PORTS.nodeAgentMetrics[cluster] + 2 * index;
  const proc = managedProcess(
    layout.pidDir,
    layout.logsDir,
    `node-agent-${cluster}-${node}`,
    nodeAgentMarker(layout, cluster),
  );
  return { port, proc };
}

async function nodesOf(layout: LocalLayout, bin: BinDir, cluster: ClusterName): Promise<string[]> {
  const out = await kubectl(bin, clusterKubeconfig(layout, cluster), ['get', 'nodes', '-o', 'name']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((n) => n.replace(/^node\//, ''))
    .sort();
}

/** The stand-in's entry script, and the node options to run it (tsx when running from the sources). */
function standInCommand(): { node: string; args: string[] } {
  const self = fileURLToPath(import.meta.url);
  const fromSources = self.endsWith('.ts');
  const main = join(self, '..', `node-stand-in-main.${fromSources ? 'ts' : 'js'}`);
  // tsx by its resolved URL: the process runs in the state dir, where a bare `tsx` does not resolve.
  return { node: process.execPath, args: [...(fromSources ? ['--import', import.meta.resolve('tsx')] : []), main] };
}

async function waitStandInReady(p: ManagedProcess, file: string, pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && runningPid(p) === pid) {
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid === pid) return;
    } catch {
      /* not written yet */
    }
    await sleep(200);
  }
  throw infraError(
    'LOCAL_STAND_IN_NOT_READY',
    runningPid(p) === pid
      ? `the node stand-in (pid ${pid}) did not lay out the pods within ${timeoutMs / 1000}s`
      : `the node stand-in (pid ${pid}) exited before it laid out the pods`,
    `see ${p.logFile}`,
  );
}

/** What ensureFsBackup did. */
export interface FsBackupUp {
  standIn: { pid: number; started: boolean };
  nodeAgents: Array<{ node: string; pid: number; started: boolean }>;
}

/**
 * Turns fs-backup on for a cluster (idempotent): the DaemonSet, the stand-in (waits until it has laid out every
 * pod, because a node-agent exits at start when a running pod of its node has no directory), then a node-agent
 * per node.
 */
export async function ensureFsBackup(layout: LocalLayout, bin: BinDir, cluster: ClusterName): Promise<FsBackupUp> {
  if (!existsSync(bin.path('velero.node-agent-patch'))) {
    throw infraError(
      'LOCAL_VELERO_UNPATCHED',
      `${bin.dir} has a velero without local/build.sh's node-agent patches (VELERO_HOST_PODS_PATH, VELERO_TERMINATION_LOG)`,
      'unset DR_DRILL_BIN_DIR so that local/build.sh builds the patched velero, or point it at a bin dir that has velero.node-agent-patch',
    );
  }
  rememberFsBackup(layout, true);
  const kc = clusterKubeconfig(layout, cluster);
  const paths = fsBackupPaths(layout, cluster);
  for (const d of [paths.podsRoot, paths.pvStore, paths.runDir, paths.homeDir]) mkdirSync(d, { recursive: true });
  await apply(bin, kc, stringify(nodeAgentDaemonSet(layout, cluster)));
  ensureExecWrapper(layout);
  const rules = [
    clusterExecManifest(layout, wrapperEnvs(layout, cluster)),
    volumesClusterExec(layout, cluster),
    localDataStorageClass(),
  ];
  await apply(bin, kc, rules.map((r) => stringify(r)).join('---\n'));

  const sp = standInProcess(layout, cluster);
  let standInPid = runningPid(sp);
  const standInStarted = standInPid === null;
  if (standInPid === null) {
    const cmd = standInCommand();
    standInPid = startDetached(sp, cmd.node, [...cmd.args, '--cluster', cluster, '--state', layout.stateDir], {
      cwd: layout.stateDir,
      env: { ...process.env, DR_DRILL_LOCAL_STATE: layout.stateDir, DR_DRILL_BIN_DIR: bin.dir },
    });
    await waitStandInReady(sp, paths.readyFile, standInPid, 60_000);
  }

  const nodeAgents: FsBackupUp['nodeAgents'] = [];
  for (const [i, node] of (await nodesOf(layout, bin, cluster)).entries()) {
    const { port, proc } = nodeAgentProcess(layout, cluster, node, i);
    const pid = runningPid(proc);
    if (pid !== null) {
      nodeAgents.push({ node, pid, started: false });
      continue;
    }
    const home = join(paths.homeDir, `node-agent-${node}`);
    mkdirSync(home, { recursive: true });
    const args = ['node-agent', 'server', '--kubeconfig', kc, '--namespace', VELERO_NAMESPACE];
    args.push('--metrics-address', `127.0.0.1:${port}`, '--log-level', 'info');
    const env = {
      ...process.env,
      HOME: home,
      NODE_NAME: node,
      VELERO_NAMESPACE,
      VELERO_HOST_PODS_PATH: paths.podsRoot,
      AZURE_CREDENTIALS_FILE: layout.azureCredentials,
    };
    nodeAgents.push({ node, pid: startDetached(proc, bin.path('velero'), args, { env, cwd: home }), started: true });
  }
  return { standIn: { pid: standInPid, started: standInStarted }, nodeAgents };
}

/** The fs-backup processes of a cluster, from the pid files (no apiserver needed): node-agents, then the stand-in. */
function fsBackupProcesses(layout: LocalLayout, cluster: ClusterName): ManagedProcess[] {
  const prefix = `node-agent-${cluster}-`;
  const agents = (existsSync(layout.pidDir) ? readdirSync(layout.pidDir) : [])
    .filter((f) => f.startsWith(prefix) && f.endsWith('.pid'))
    .sort()
    .map((f) => managedProcess(layout.pidDir, layout.logsDir, f.slice(0, -4), nodeAgentMarker(layout, cluster)));
  return [...agents, standInProcess(layout, cluster)];
}

/** Stops a cluster's node-agents, then its stand-in (which SIGTERMs the hosting pods' processes). */
export async function stopFsBackup(layout: LocalLayout, cluster: ClusterName, graceMs = 10_000): Promise<string[]> {
  const stopped: string[] = [];
  for (const p of fsBackupProcesses(layout, cluster)) if (await stopManaged(p, graceMs)) stopped.push(p.name);
  return stopped;
}

/** A status line, shaped like status.ts's ComponentStatus (which lists these; importing it would be a cycle). */
export interface FsBackupComponent {
  name: string;
  cluster: ClusterName;
  healthy: boolean;
  pid: number | null;
  endpoint: string | null;
  detail: string;
}

/** Status lines of a cluster's fs-backup processes (only when the environment has fs-backup on). */
export async function fsBackupStatus(
  layout: LocalLayout,
  cluster: ClusterName,
  timeoutMs = 2000,
): Promise<FsBackupComponent[]> {
  if (!fsBackupEnabled(layout)) return [];
  const procs = fsBackupProcesses(layout, cluster);
  return Promise.all(
    procs.map(async (p): Promise<FsBackupComponent> => {
      const pid = runningPid(p);
      const isStandIn = p.name.startsWith('node-stand-in-');
      const node = p.name.slice(`node-agent-${cluster}-`.length);
      const line = { name: `${cluster}/${isStandIn ? 'node-stand-in' : `node-agent/${node}`}`, cluster, pid };
      if (pid === null) return { ...line, healthy: false, endpoint: null, detail: 'not running' };
      if (isStandIn)
        return {
          ...line,
          healthy: true,
          endpoint: null,
          detail: `process running; pods root ${fsBackupPaths(layout, cluster).podsRoot}`,
        };
      const endpoint = metricsUrlOf(pid);
      return { ...line, endpoint, ...(await nodeAgentAnswers(endpoint, node, timeoutMs)) };
    }),
  );
}

/**
 * Waits (bounded) until the cluster's running node-agents serve, so that `local up` reports them as they are once
 * started rather than in their first seconds; one that never does stays DOWN in the status that follows.
 */
export async function waitNodeAgentsServing(
  layout: LocalLayout,
  cluster: ClusterName,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const agents = (await fsBackupStatus(layout, cluster)).filter((c) => c.name.includes('/node-agent/'));
    if (agents.every((a) => a.healthy || a.pid === null) || Date.now() > deadline) return;
    await sleep(500);
  }
}

/** The metrics URL a running node-agent was started with (`--metrics-address`), from its command line. */
function metricsUrlOf(pid: number): string | null {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    const addr = /--metrics-address[ =](\S+)/.exec(cmd)?.[1];
    return addr ? `http://${addr.startsWith(':') ? `127.0.0.1${addr}` : addr}/metrics` : null;
  } catch {
    return null;
  }
}

/**
 * A live node-agent process is not yet one that serves: a stopped or wedged one leaves each PodVolumeBackup of its
 * node waiting for --fs-backup-timeout. Its metrics server answers from the same process, and it lists its node's
 * counters once the server has initialised them for the node (velero v1.17.2 pkg/cmd/cli/nodeagent/server.go run:
 * InitMetricsForNode), so an answer that names the node is the readiness this environment can see.
 */
export async function nodeAgentAnswers(
  url: string | null,
  node: string,
  timeoutMs: number,
): Promise<{ healthy: boolean; detail: string }> {
  if (!url) return { healthy: false, detail: 'process running, but its command line has no --metrics-address' };
  let body: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    body = await res.text();
    if (!res.ok) return { healthy: false, detail: `process running, but ${url} answered HTTP ${res.status}` };
  } catch (e) {
    const why = e instanceof Error && e.name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : String(e);
    return { healthy: false, detail: `process running, but ${url} did not answer (${why}): stopped or wedged?` };
  }
  const counter = `podVolume_pod_volume_backup_enqueue_count{node="${node}"}`;
  return body.includes(counter)
    ? { healthy: true, detail: `serving: its metrics name node ${node}` }
    : { healthy: false, detail: `process running, but its metrics do not name node ${node} yet (still starting?)` };
}
