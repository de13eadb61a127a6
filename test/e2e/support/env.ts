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
import { runningPid } from '../../../src/local/processes.js';
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
