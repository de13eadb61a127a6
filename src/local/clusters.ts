/**
 * The two kwokctl clusters (binary runtime: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
 * kwok as host processes), every binary set explicitly, loopback only. kwokctl detaches its components
 * itself and records their pids under KWOK_WORKDIR/clusters/<name>/pids.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { infraError } from '../util/errors.js';
import { pidRuns, type OwnedPid } from './processes.js';
import { KUBE_VERSION, PORTS, type ClusterName, type LocalLayout } from './layout.js';
import type { BinDir } from './binaries.js';

/** Fake nodes per cluster (kwokctl scale node: no taint, 32 CPU, 110 pods each). */
export const FAKE_NODES = 3;

/** The admin kubeconfig kwokctl writes for a cluster. */
export function clusterKubeconfig(layout: LocalLayout, name: ClusterName): string {
  return join(layout.kwokWorkdir, 'clusters', name, 'kubeconfig.yaml');
}

/** True when kwokctl has a cluster of that name in the workdir (running or not). */
export function clusterExists(layout: LocalLayout, name: ClusterName): boolean {
  return existsSync(join(layout.kwokWorkdir, 'clusters', name, 'kwok.yaml'));
}

/**
 * kwokctl options every cluster here shares: the binary runtime, loopback only, and every binary set explicitly
 * (an unset one falls back to a download URL, which fails offline).
 */
export function binaryRuntimeOptions(bin: BinDir): Record<string, string> {
  return {
    runtime: 'binary',
    kubeVersion: KUBE_VERSION,
    bindAddress: '127.0.0.1',
    kubeApiserverBinary: bin.path('kube-apiserver'),
    kubeControllerManagerBinary: bin.path('kube-controller-manager'),
    kubeSchedulerBinary: bin.path('kube-scheduler'),
    kubectlBinary: bin.path('kubectl'),
    etcdBinary: bin.path('etcd'),
    kwokControllerBinary: bin.path('kwok'),
  };
}

/** The ServiceAccounts' namespace of deploy/rbac: the identities whose requests the audit log records. */
export const AUDITED_NAMESPACE = 'dr-drill';

/**
 * The kube-apiserver audit policy of the local clusters: Metadata level (who, verb, resource, name, answer; never a
 * request or response body, so no Secret value lands in it) for the ServiceAccounts of namespace dr-drill, which
 * deploy/rbac binds the drill's roles to, and nothing for anyone else (controllers, Velero, kwok and the admin
 * would write most of the log and cost every request a write). RequestReceived is left out: ResponseComplete
 * (ResponseStarted for watches) says the same plus the answer.
 */
export const AUDIT_POLICY = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [{ level: 'Metadata', userGroups: [`system:serviceaccounts:${AUDITED_NAMESPACE}`] }, { level: 'None' }],
};

/** The audit log's size cap: kube-apiserver rotates it at AUDIT_MAX_MB and keeps AUDIT_BACKUPS rotated files. */
export const AUDIT_MAX_MB = 20;
export const AUDIT_BACKUPS = 2;

/** The cluster's audit log (kwokctl puts it there; rotated files sit beside it as audit-<time>.log). */
export function auditLogPath(layout: LocalLayout, name: ClusterName): string {
  return join(layout.kwokWorkdir, 'clusters', name, 'logs', 'audit.log');
}

function kwokctlConfig(layout: LocalLayout, bin: BinDir, name: ClusterName): string {
  // kwokctl copies the policy into the cluster's directory when it creates the cluster.
  const policy = join(layout.kwokWorkdir, 'audit-policy.yaml');
  writeFileSync(policy, stringify(AUDIT_POLICY));
  const options = {
    ...binaryRuntimeOptions(bin),
    kubeApiserverPort: PORTS.apiserver[name],
    // Exec and port-forward rules are cluster objects, so tests can add their own (e.g. for a mapped namespace):
    // kwok runs no containers, so `exec` runs on this host and a port-forward reaches a server on this host.
    enableCRDs: ['ClusterExec', 'Exec', 'ClusterPortForward', 'PortForward'],
    kubeAuditPolicy: policy,
  };
  // A cap, so that a long-lived environment cannot fill the disk (kwokctl sets the policy and path, not the size).
  const auditCap = [
    { key: 'audit-log-maxsize', value: String(AUDIT_MAX_MB) },
    { key: 'audit-log-maxbackup', value: String(AUDIT_BACKUPS) },
  ];
  const file = join(layout.kwokWorkdir, `${name}.kwokctl.yaml`);
  writeFileSync(
    file,
    stringify({
      kind: 'KwokctlConfiguration',
      apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
      options,
      componentsPatches: [{ name: 'kube-apiserver', extraArgs: auditCap }],
    }),
  );
  return file;
}

/** Environment for kwokctl: its workdir under the state dir, and the built kubectl first on PATH. */
export function kwokctlEnv(layout: LocalLayout, bin: BinDir): NodeJS.ProcessEnv {
  return { ...process.env, KWOK_WORKDIR: layout.kwokWorkdir, PATH: `${bin.dir}:${process.env.PATH ?? ''}` };
}

/** Runs kwokctl; its output goes to the environment's kwokctl log. */
export async function kwokctl(layout: LocalLayout, bin: BinDir, args: string[]): Promise<string> {
  mkdirSync(layout.logsDir, { recursive: true });
  const log = join(layout.logsDir, 'kwokctl.log');
  writeFileSync(log, `\n--- ${new Date().toISOString()} kwokctl ${args.join(' ')}\n`, { flag: 'a' });
  const r = await execa(bin.path('kwokctl'), args, {
    env: kwokctlEnv(layout, bin),
    reject: false,
    stdin: 'ignore',
    all: true,
  });
  writeFileSync(log, r.all ?? '', { flag: 'a' });
  if (r.exitCode !== 0) {
    const tail = (r.all ?? '').split('\n').slice(-8).join('\n');
    throw infraError(
      'LOCAL_KWOKCTL_FAILED',
      `kwokctl ${args.join(' ')} failed (exit ${r.exitCode}):\n${tail}`,
      `see ${log}`,
    );
  }
  return r.stdout;
}

/** True when the cluster's apiserver answers /readyz. */
export async function apiserverReady(layout: LocalLayout, bin: BinDir, name: ClusterName): Promise<boolean> {
  if (!existsSync(clusterKubeconfig(layout, name))) return false;
  const r = await execa(
    bin.path('kubectl'),
    ['--kubeconfig', clusterKubeconfig(layout, name), 'get', '--raw', '/readyz', '--request-timeout=5s'],
    { reject: false, stdin: 'ignore' },
  );
  return r.exitCode === 0 && r.stdout.trim() === 'ok';
}

/**
 * Creates the cluster, or starts it again when kwokctl has it but its processes are gone (a reboot, a CI
 * machine that ended them); then makes sure it has FAKE_NODES fake nodes. Returns what it did.
 */
export async function ensureCluster(
  layout: LocalLayout,
  bin: BinDir,
  name: ClusterName,
): Promise<'running' | 'started' | 'created'> {
  mkdirSync(layout.kwokWorkdir, { recursive: true });
  let what: 'running' | 'started' | 'created' = 'running';
  if (!clusterExists(layout, name)) {
    const config = kwokctlConfig(layout, bin, name);
    // --kubeconfig= : kwokctl would otherwise add its context to ~/.kube/config and make it current.
    await kwokctl(layout, bin, [
      'create',
      'cluster',
      '--name',
      name,
      '--config',
      config,
      '--kubeconfig=',
      '--wait',
      '3m',
    ]);
    what = 'created';
  } else if (!(await apiserverReady(layout, bin, name)) || clusterComponents(layout, name).some((c) => !c.alive)) {
    // An API server that answers is not a whole cluster: a controller-manager or scheduler that died (they exit
    // when they lose their leader lease in an API server outage) leaves pods unscheduled and namespaces undeleted.
    // kwokctl start starts only the components whose recorded process is not running, and it calls a pid running
    // when it can be signalled: a component killed a moment ago is still a zombie until init reaps it (about a
    // second here), and a pid may be reused. Its pid file goes first, so that kwokctl starts it again.
    forgetDeadComponents(layout, name);
    await kwokctl(layout, bin, ['start', 'cluster', '--name', name, '--wait', '3m']);
    what = 'started';
  }
  if (what !== 'running' || (await nodeCount(layout, bin, name)) < FAKE_NODES) {
    await kwokctl(layout, bin, ['scale', 'node', '--name', name, '--replicas', String(FAKE_NODES)]);
  }
  return what;
}

async function nodeCount(layout: LocalLayout, bin: BinDir, name: ClusterName): Promise<number> {
  const r = await execa(
    bin.path('kubectl'),
    ['--kubeconfig', clusterKubeconfig(layout, name), 'get', 'nodes', '-o', 'name'],
    { reject: false, stdin: 'ignore' },
  );
  return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean).length : 0;
}

/** Deletes the cluster with kwokctl (it stops the processes it started, by its own pid files). */
export async function deleteCluster(layout: LocalLayout, bin: BinDir, name: ClusterName): Promise<boolean> {
  if (!clusterExists(layout, name)) return false;
  // kwokctl delete refuses an empty --kubeconfig ("empty path"); give it a file of ours instead of ~/.kube/config.
  await kwokctl(layout, bin, [
    'delete',
    'cluster',
    '--name',
    name,
    '--kubeconfig',
    join(layout.kwokWorkdir, 'kwokctl-kubeconfig.yaml'),
  ]);
  return true;
}

/** The apiserver URL kwokctl wrote into the cluster's kubeconfig (for status output). */
export function apiserverUrl(layout: LocalLayout, name: ClusterName): string | null {
  try {
    const m = /server:\s*(\S+)/.exec(readFileSync(clusterKubeconfig(layout, name), 'utf8'));
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

/** A component kwokctl started for a cluster, from its pid file (clusters/<name>/pids/<component>.pid). */
export interface ClusterComponent {
  component: string;
  pid: number;
  /** The pid runs and is that component (not a reused pid). */
  alive: boolean;
}

/** Every component kwokctl recorded a pid for, alive or not. */
export function clusterComponents(layout: LocalLayout, name: ClusterName): ClusterComponent[] {
  const dir = join(layout.kwokWorkdir, 'clusters', name, 'pids');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .sort()
    .map((f) => {
      const component = f.slice(0, -4);
      const pid = Number(readFileSync(join(dir, f), 'utf8').trim());
      const alive = Number.isInteger(pid) && pid > 0 && pidRuns(pid, componentMarker(component));
      return { component, pid, alive };
    });
}

/** Removes the pid files of the cluster's components that are not running (dead, a zombie, or a reused pid). */
export function forgetDeadComponents(layout: LocalLayout, name: ClusterName): string[] {
  const dead = clusterComponents(layout, name).filter((c) => !c.alive);
  for (const c of dead)
    rmSync(join(layout.kwokWorkdir, 'clusters', name, 'pids', `${c.component}.pid`), { force: true });
  return dead.map((c) => c.component);
}

const componentMarker = (component: string) => (component === 'kwok-controller' ? 'kwok' : component);

/**
 * The cluster's processes that still run, from the pid files kwokctl keeps in clusters/<name>/pids (read before
 * `kwokctl delete cluster`, which signals them and removes the files without waiting for them to exit).
 */
export function clusterProcesses(layout: LocalLayout, name: ClusterName): OwnedPid[] {
  return clusterComponents(layout, name)
    .filter((c) => c.alive)
    .map((c) => ({ name: `${name}/${c.component}`, pid: c.pid, marker: componentMarker(c.component), group: false }));
}
