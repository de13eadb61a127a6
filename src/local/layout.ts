/**
 * Where the local DR environment keeps its state, and the fixed names and ports it uses.
 * Everything lives under one state directory, so `local down` can remove it whole.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The two clusters of the environment, by their short names. */
export const CLUSTERS = ['primary', 'dr'] as const;
/** The local environment's two clusters. */
export type ClusterName = (typeof CLUSTERS)[number];

/** Kube context names in the environment's kubeconfig (a fixed contract). */
export const CONTEXTS: Record<ClusterName, string> = { primary: 'dr-drill-primary', dr: 'dr-drill-dr' };

/** Kubernetes version the binaries are built at (kept in step with local/build.sh). */
export const KUBE_VERSION = 'v1.33.13';

/** Azurite's well-known development account; not a secret. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** The BSL container (Velero's "bucket"). */
export const BSL_CONTAINER = 'velero';
export const VELERO_NAMESPACE = 'velero';

/**
 * DR_DRILL_LOCAL_PORT_OFFSET (default 0) shifts every fixed port, so a second environment (its own
 * DR_DRILL_LOCAL_STATE) can run beside the usual one, e.g. to try a change without stopping the shared one.
 */
export function portOffset(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DR_DRILL_LOCAL_PORT_OFFSET;
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 20_000) {
    throw new Error(`DR_DRILL_LOCAL_PORT_OFFSET must be an integer from 0 to 20000 (got "${raw}")`);
  }
  return n;
}

/** The fixed ports, shifted by `offset`. */
export function fixedPorts(offset: number) {
  const pair = (primary: number, dr: number): Record<ClusterName, number> => ({
    primary: primary + offset,
    dr: dr + offset,
  });
  return {
    azurite: 10100 + offset,
    apiserver: pair(16443, 16444),
    veleroMetrics: pair(10185, 10186),
    veleroProfiler: pair(10160, 10161),
    /** node-agent metrics: the first node's port; further nodes count up by 2 (primary even, dr odd). */
    nodeAgentMetrics: pair(10200, 10201),
  } as const;
}

/**
 * Fixed loopback ports. Azurite is off the default 10000 so that integration tests can run their own Azurite
 * beside the environment; kube-apiserver ports are pinned so that the kubeconfig is stable across restarts.
 * kwokctl picks the remaining component ports (etcd, controller-manager, scheduler, kwok) itself.
 */
export const PORTS = fixedPorts(portOffset());

/** Host commands of pods in these namespaces run on this machine through kwok's ClusterExec. */
export const EXEC_NAMESPACES = ['shop', 'catalog'] as const;

/** Paths of everything the environment owns. */
export interface LocalLayout {
  stateDir: string;
  /** The kubeconfig with contexts dr-drill-primary and dr-drill-dr. */
  kubeconfig: string;
  kwokWorkdir: string;
  tlsDir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  azuriteData: string;
  logsDir: string;
  pidDir: string;
  /** Dotenv file Velero reads through AZURE_CREDENTIALS_FILE. */
  azureCredentials: string;
  /** Host working directory of ClusterExec commands. */
  execDir: string;
  /** The package root (local/build.sh and local/demo live under it). */
  repoRoot: string;
}

/** The repository (or installed package) root: src/local or dist/local, two levels up. */
export function packageRoot(): string {
  return resolve(fileURLToPath(new URL('../../', import.meta.url)));
}

/** The state dir: $DR_DRILL_LOCAL_STATE, else ~/.local/state/dr-drill/local. */
export function localLayout(env: NodeJS.ProcessEnv = process.env): LocalLayout {
  const stateDir = resolve(env.DR_DRILL_LOCAL_STATE || join(homedir(), '.local', 'state', 'dr-drill', 'local'));
  const tlsDir = join(stateDir, 'tls');
  return {
    stateDir,
    kubeconfig: join(stateDir, 'kubeconfig'),
    kwokWorkdir: join(stateDir, 'kwok'),
    tlsDir,
    caCert: join(tlsDir, 'ca.pem'),
    serverCert: join(tlsDir, 'azurite.pem'),
    serverKey: join(tlsDir, 'azurite-key.pem'),
    azuriteData: join(stateDir, 'azurite'),
    logsDir: join(stateDir, 'logs'),
    pidDir: join(stateDir, 'pids'),
    azureCredentials: join(stateDir, 'azure-credentials.env'),
    execDir: join(stateDir, 'exec'),
    repoRoot: packageRoot(),
  };
}

/** Azurite's blob endpoint for the development account. */
export function azuriteUrl(): string {
  return `https://127.0.0.1:${PORTS.azurite}/${AZURITE_ACCOUNT}`;
}

/** A connection string for @azure/storage-blob (trust the CA through NODE_EXTRA_CA_CERTS). */
export function azuriteConnectionString(): string {
  return `DefaultEndpointsProtocol=https;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${azuriteUrl()};`;
}
