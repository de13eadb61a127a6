/**
 * Health of every component of the local environment: host processes alive, apiservers /readyz, BSL phases,
 * Azurite reachable over TLS with the environment's CA. Read-only.
 */
import { azuriteProcess, azuriteRequest } from './azurite.js';
import type { BinDir } from './binaries.js';
import { apiserverReady, apiserverUrl, clusterComponents, clusterExists } from './clusters.js';
import {
  AZURITE_ACCOUNT,
  BSL_CONTAINER,
  CLUSTERS,
  CONTEXTS,
  PORTS,
  azuriteConnectionString,
  azuriteUrl,
  type ClusterName,
  type LocalLayout,
} from './layout.js';
import { runningPid } from './processes.js';
import { bslPhase, veleroProcess } from './velero.js';
import { fsBackupStatus } from './fs-backup.js';

/** One component and its health. */
export interface ComponentStatus {
  /** e.g. `azurite`, `primary/kube-apiserver`, `dr/velero`, `dr/bsl-default`. */
  name: string;
  /** The cluster it belongs to, or null for shared components (Azurite). */
  cluster: ClusterName | null;
  healthy: boolean;
  /** Host pid, when the component is a process. */
  pid: number | null;
  /** Where it listens, when it listens. */
  endpoint: string | null;
  /** What was observed, in words. */
  detail: string;
}

/** The environment as `local status --output json` prints it. */
export interface LocalStatus {
  stateDir: string;
  kubeconfig: string;
  contexts: Record<ClusterName, string>;
  /** True when every component is healthy. */
  healthy: boolean;
  azurite: { url: string; account: string; container: string; caCert: string; connectionString: string };
  components: ComponentStatus[];
}

/** The cluster's components from the pids kwokctl recorded (binary runtime: clusters/<name>/pids/*.pid). */
function kwokComponents(layout: LocalLayout, name: ClusterName): ComponentStatus[] {
  return clusterComponents(layout, name).map(({ component, pid, alive }) => ({
    name: `${name}/${component}`,
    cluster: name,
    healthy: alive,
    pid: alive ? pid : null,
    endpoint: null,
    detail: alive ? 'process running' : `process ${pid} not running`,
  }));
}

/** Collects the status of every component. `bin` may be null when no binaries are available (nothing to ask). */
export async function localStatus(layout: LocalLayout, bin: BinDir | null): Promise<LocalStatus> {
  const components: ComponentStatus[] = [];

  const azPid = runningPid(azuriteProcess(layout));
  const az =
    azPid === null
      ? null
      : await azuriteRequest(layout, 'GET', `/${AZURITE_ACCOUNT}/${BSL_CONTAINER}`, { restype: 'container' });
  components.push({
    name: 'azurite',
    cluster: null,
    pid: azPid,
    endpoint: azuriteUrl(),
    healthy: az?.status === 200,
    detail:
      azPid === null
        ? 'not running'
        : az?.status === 200
          ? `reachable over TLS, container ${BSL_CONTAINER} exists`
          : `process running but ${az?.error ?? `HTTP ${az?.status}`}`,
  });

  for (const name of CLUSTERS) {
    const exists = clusterExists(layout, name);
    const ready = exists && bin !== null && (await apiserverReady(layout, bin, name));
    components.push({
      name: `${name}/apiserver`,
      cluster: name,
      pid: null,
      endpoint: apiserverUrl(layout, name) ?? `https://127.0.0.1:${PORTS.apiserver[name]}`,
      healthy: ready,
      detail: !exists ? 'cluster not created' : ready ? '/readyz ok' : '/readyz not ok',
    });
    components.push(...kwokComponents(layout, name));
    const vPid = runningPid(veleroProcess(layout, name));
    components.push({
      name: `${name}/velero`,
      cluster: name,
      pid: vPid,
      endpoint: `http://127.0.0.1:${PORTS.veleroMetrics[name]}/metrics`,
      healthy: vPid !== null,
      detail: vPid === null ? 'not running' : 'process running',
    });
    components.push(...(await fsBackupStatus(layout, name)));
    const bsl = ready && bin !== null ? await bslPhase(layout, bin, name) : null;
    components.push({
      name: `${name}/bsl-default`,
      cluster: name,
      pid: null,
      endpoint: null,
      healthy: bsl?.phase === 'Available',
      detail:
        bsl === null
          ? 'unknown (apiserver down or BSL missing)'
          : `${bsl.phase || 'no phase yet'}${bsl.message ? `: ${bsl.message}` : ''}`,
    });
  }

  return {
    stateDir: layout.stateDir,
    kubeconfig: layout.kubeconfig,
    contexts: { ...CONTEXTS },
    healthy: components.every((c) => c.healthy),
    azurite: {
      url: azuriteUrl(),
      account: AZURITE_ACCOUNT,
      container: BSL_CONTAINER,
      caCert: layout.caCert,
      connectionString: azuriteConnectionString(),
    },
    components,
  };
}
