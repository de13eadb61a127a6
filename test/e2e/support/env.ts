/**
 * End-to-end tests' view of the local DR environment: bring it up through the same code as `dr-drill local up`,
 * and hand tests the kubeconfig, the contexts, Azurite's connection info and a way to kill and restart the dr
 * velero server (the "velero killed mid-restore" case).
 *
 * Blob access from a test: Node reads NODE_EXTRA_CA_CERTS only at process start, so either start mocha with
 * `NODE_EXTRA_CA_CERTS=<env.azurite.caCert>` (see `e2eNodeEnv()`), or run the blob code in a child process.
 */
import { localUp } from '../../../src/local/environment.js';
import { localLayout, type ClusterName } from '../../../src/local/layout.js';
import { localStatus, type LocalStatus } from '../../../src/local/status.js';
import { ensureVeleroServer, stopVeleroServer, veleroProcess, waitBslAvailable } from '../../../src/local/velero.js';
import { pidRuns, runningPid, stopManaged } from '../../../src/local/processes.js';
import { azuriteProcess, ensureAzurite } from '../../../src/local/azurite.js';
import { apiserverReady } from '../../../src/local/clusters.js';
import { gatewayFor, loadKubeConfig } from '../../../src/kube/kubeconfig.js';
import { pingVeleroServer } from '../../../src/velero/server-status.js';
import { closeSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BinDir } from '../../../src/local/binaries.js';

/** What an e2e test needs to know about the environment. */
export interface E2eEnv {
  kubeconfig: string;
  contexts: Record<ClusterName, string>;
  azurite: LocalStatus['azurite'];
  /** The built binaries (kubectl, velero) for shelling out. */
  bin: BinDir;
  stateDir: string;
}

let cached: Promise<E2eEnv> | null = null;

/**
 * Makes sure the environment is up (idempotent; a warm check takes seconds, a cold machine builds first) and
 * returns how to reach it. Progress goes to stderr when DR_DRILL_E2E_VERBOSE is set.
 */
export function ensureLocalEnv(): Promise<E2eEnv> {
  cached ??= (async () => {
    const verbose = Boolean(process.env.DR_DRILL_E2E_VERBOSE);
    const r = await localUp({
      onProgress: verbose
        ? (step, detail, s) => process.stderr.write(`[env ${s.toFixed(1)}s] ${step}: ${detail}\n`)
        : undefined,
    });
    if (!r.status.healthy) {
      const down = r.status.components.filter((c) => !c.healthy).map((c) => `${c.name}: ${c.detail}`);
      throw new Error(`local environment unhealthy: ${down.join('; ')}`);
    }
    return {
      kubeconfig: r.status.kubeconfig,
      contexts: r.status.contexts,
      azurite: r.status.azurite,
      bin: r.bin,
      stateDir: r.status.stateDir,
    };
  })();
  return cached;
}

/** Environment variables a child process (or mocha itself) needs to reach Azurite with @azure/storage-blob. */
export function e2eNodeEnv(env: E2eEnv): Record<string, string> {
  return { NODE_EXTRA_CA_CERTS: env.azurite.caCert, AZURE_STORAGE_CONNECTION_STRING: env.azurite.connectionString };
}

/**
 * Kills a cluster's velero server (process group, plugins included). SIGKILL by default: the server gets no
 * chance to finish or mark anything, as in a crash.
 */
export async function killVelero(cluster: ClusterName = 'dr', signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  await stopVeleroServer(localLayout(), cluster, signal);
}

/** True when the cluster's velero server process runs. */
export function veleroRunning(cluster: ClusterName = 'dr'): boolean {
  return runningPid(veleroProcess(localLayout(), cluster)) !== null;
}

/** Starts the cluster's velero server again (no-op when it runs) and waits for its BSL to be Available. */
export async function restartVelero(env: E2eEnv, cluster: ClusterName = 'dr', timeoutMs = 120_000): Promise<number> {
  const layout = localLayout();
  const since = new Date();
  const { pid, started } = ensureVeleroServer(layout, env.bin, cluster);
  await waitBslAvailable(layout, env.bin, cluster, timeoutMs, started ? since : undefined);
  return pid;
}

/** The environment's current status (every component and its health). */
export function envStatus(env: E2eEnv): Promise<LocalStatus> {
  return localStatus(localLayout(), env.bin);
}

/** A stopped component of the environment and how to bring it back. */
export interface StoppedComponent {
  /** Starts it again with the same command line and waits until it answers. */
  restart(): Promise<void>;
}

interface ProcessSpec {
  name: string;
  pidFile: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** How a running kwokctl component was started (argv, cwd, environment from /proc), to start it the same way. */
function processSpec(clusterDir: string, name: string): ProcessSpec | null {
  const pidFile = join(clusterDir, 'pids', `${name}.pid`);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!pidRuns(pid, name)) return null;
  return {
    name,
    pidFile,
    argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean),
    cwd: readlinkSync(`/proc/${pid}/cwd`),
    env: Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
  };
}

async function stopProcess(spec: ProcessSpec): Promise<void> {
  const pid = Number(readFileSync(spec.pidFile, 'utf8').trim());
  if (!pidRuns(pid, spec.name)) return;
  // A crash, not a graceful shutdown (which drains requests for up to a minute): the outage starts at once.
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && pidRuns(pid, spec.name); i++) await sleep(100);
}

function startProcess(clusterDir: string, spec: ProcessSpec): void {
  const log = openSync(join(clusterDir, 'logs', `${spec.name}.log`), 'a');
  const child = spawn(spec.argv[0]!, spec.argv.slice(1), {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  closeSync(log);
  // Where kwokctl keeps it, so `local down` (kwokctl delete) still stops it.
  writeFileSync(spec.pidFile, String(child.pid));
}

/** Kills one component of a cluster's control plane (e.g. kube-controller-manager), as a crash does. */
export async function killComponent(cluster: ClusterName, name: string): Promise<void> {
  const spec = processSpec(join(localLayout().kwokWorkdir, 'clusters', cluster), name);
  if (!spec) throw new Error(`${name} of ${cluster} is not running`);
  await stopProcess(spec);
}

/**
 * Restarts a cluster's control plane as an outage or an upgrade does: kube-apiserver, kube-controller-manager and
 * kube-scheduler stop together (open watches drop, connections are refused). kube-controller-manager and the
 * scheduler would exit on their own once their leader lease lapses, and a kubelet would start them again; the local
 * environment has no kubelet, so they are stopped and started with the API server, deterministically.
 * `restart()` starts the same command lines again and waits for /readyz.
 */
export async function stopApiserver(env: E2eEnv, cluster: ClusterName = 'dr'): Promise<StoppedComponent> {
  const layout = localLayout();
  const clusterDir = join(layout.kwokWorkdir, 'clusters', cluster);
  const specs = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']
    .map((name) => processSpec(clusterDir, name))
    .filter((s): s is ProcessSpec => s !== null);
  if (specs[0]?.name !== 'kube-apiserver') throw new Error(`kube-apiserver of ${cluster} is not running`);
  for (const s of specs) await stopProcess(s);
  return {
    async restart() {
      startProcess(clusterDir, specs[0]!);
      const deadline = Date.now() + 180_000;
      while (!(await apiserverReady(layout, env.bin, cluster))) {
        if (Date.now() > deadline) throw new Error(`kube-apiserver of ${cluster} did not become ready again`);
        await sleep(250);
      }
      for (const s of specs.slice(1)) startProcess(clusterDir, s);
      await waitVeleroAnswers(env, cluster, deadline);
    },
  };
}

/**
 * Waits until the cluster's Velero server processes a ServerStatusRequest again. After an API server outage its
 * informers re-list with client-go's jittered backoff (up to a minute after a second outage), so an API server that
 * answers does not yet mean a Velero that does: the next case would otherwise meet VELERO_NOT_RESPONDING.
 */
async function waitVeleroAnswers(env: E2eEnv, cluster: ClusterName, deadline: number): Promise<void> {
  const gw = gatewayFor(loadKubeConfig(env.kubeconfig), env.contexts[cluster]);
  for (;;) {
    try {
      await pingVeleroServer(gw, 'velero', { timeoutMs: 15_000, labels: { 'app.kubernetes.io/created-by': 'e2e' } });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`the velero server of ${cluster} did not answer again: ${String(e)}`);
    }
  }
}

/** Stops Azurite (the backup storage and evidence container of the local environment); `restart()` brings it back. */
export async function stopAzurite(): Promise<StoppedComponent> {
  const layout = localLayout();
  await stopManaged(azuriteProcess(layout), 5_000);
  return {
    async restart() {
      await ensureAzurite(layout);
    },
  };
}
