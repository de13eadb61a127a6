/**
 * Objects e2e files plant in the local clusters, built in one place: a claim bound to a Retain hostPath volume
 * (what Velero restores as-is when the backup holds no copy of its data, optionally pinned to a zone), kwok's exec
 * and port-forward rules for a test's own namespaces, and the drill of one namespace into a scratch copy beside it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, scenario } from './drill.js';
import type { E2eEnv } from './env.js';
import { PRIMARY } from './checks.js';

/** The node label the local clusters' zones are on (nodes, and a pinned volume's node affinity). */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** A PersistentVolume and the claim it is pre-bound to. */
export interface RetainedVolumeSpec {
  /** The PersistentVolume's name. */
  pv: string;
  namespace: string;
  /** The claim's name; `data` unless given. */
  claim?: string;
  storageClass: string;
  /** The host directory the volume is (never created: kwok runs no pods). */
  hostPath: string;
  /** Pins the volume to this zone (required node affinity on ZONE_LABEL). */
  zone?: string;
}

/**
 * A Retain hostPath PersistentVolume of 1Gi and the claim bound to it by name: a volume with no snapshot and no
 * file-system backup, which Velero restores as-is (claimRef remapped) onto the same host path.
 */
export function retainedVolume(s: RetainedVolumeSpec): object[] {
  const claim = s.claim ?? 'data';
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: s.pv },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: s.storageClass,
        hostPath: { path: s.hostPath },
        claimRef: { namespace: s.namespace, name: claim },
        ...(s.zone
          ? {
              nodeAffinity: {
                required: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_LABEL, operator: 'In', values: [s.zone] }] }],
                },
              },
            }
          : {}),
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: claim, namespace: s.namespace },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: s.storageClass,
        volumeName: s.pv,
        resources: { requests: { storage: '1Gi' } },
      },
    },
  ];
}

/**
 * kwok rules (cluster objects, enableCRDs) named `name` for pods of `namespaces` only: exec runs the command on
 * this host in a fresh work directory, and port 8080 forwards to `forwardTo` on loopback (a test's own server).
 */
export function kwokRules(name: string, namespaces: string[], forwardTo: number): object[] {
  return [
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterExec',
      metadata: { name },
      spec: {
        selector: { matchNamespaces: namespaces },
        execs: [{ local: { workDir: mkdtempSync(join(tmpdir(), 'dr-drill-e2e-exec-')) } }],
      },
    },
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterPortForward',
      metadata: { name },
      spec: {
        selector: { matchNamespaces: namespaces },
        forwards: [{ ports: [8080], target: { port: forwardTo, address: '127.0.0.1' } }],
      },
    },
  ];
}

/** Removes the rules kwokRules made in a cluster; best effort (a test's cleanup). */
export async function deleteKwokRules(env: E2eEnv, context: string, name: string): Promise<void> {
  for (const kind of ['clusterexec', 'clusterportforward'])
    await kubectl(env, context, ['delete', kind, name, '--ignore-not-found']).catch(() => undefined);
}

/**
 * A drill of `namespace` in primary into a scratch copy beside it (a namespace target), its backup taken on the
 * spot, proven by its ConfigMap `settings`; `target` and `restore` add to the defaults.
 */
export function scratchCopyDrill(
  name: string,
  namespace: string,
  extra: { target?: Record<string, unknown>; restore?: Record<string, unknown> } = {},
): object {
  return scenario(name, {
    source: { kubeContext: PRIMARY },
    backup: { create: { includedNamespaces: [namespace], ttl: '1h', timeout: '3m' } },
    target: { namespace: {}, ...extra.target },
    restore: { includedNamespaces: [namespace], timeout: '3m', ...extra.restore },
    probes: [
      {
        name: 'settings',
        kind: 'resource',
        ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'settings' },
      },
    ],
  });
}
