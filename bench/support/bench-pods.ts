/**
 * The benchmark's objects: namespaces and pods created in bulk, and their readiness flipped by the benchmark
 * itself through the pods/status subresource, each flip stamped on the clock the runner uses.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FLIP_LABEL } from './bench-cluster.js';
import { forEachLimited, type RawClient } from './raw-client.js';

/** Every tenth pod carries slice=0: the "1/10" size uses the same namespaces with a tenth of the pods. */
export const SLICE_LABEL = 'dr-drill.io/bench-slice';

export interface BenchPod {
  namespace: string;
  name: string;
  slice: number;
}

export const podKey = (p: { namespace: string; name: string }): string => `${p.namespace}/${p.name}`;

/** namespace → names, for the runner's job. */
export function byNamespace(pods: readonly BenchPod[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of pods) (out[p.namespace] ??= []).push(p.name);
  return out;
}

/** Pods spread round-robin over namespaces and nodes (spec.nodeName set: no scheduler, and kwok disregards them). */
export function planPods(pods: number, namespaces: number): { namespaces: string[]; pods: BenchPod[] } {
  const ns = Array.from({ length: namespaces }, (_, i) => `bench-${String(i).padStart(3, '0')}`);
  return {
    namespaces: ns,
    pods: Array.from({ length: pods }, (_, i) => ({
      namespace: ns[i % namespaces]!,
      name: `pod-${String(i).padStart(5, '0')}`,
      slice: Math.floor(i / namespaces) % 10,
    })),
  };
}

/** POST, retrying what a fresh namespace answers before its default ServiceAccount exists, and server hiccups. */
async function createWithRetry(client: RawClient, path: string, body: unknown): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const r = await client.send('POST', path, body);
    if (r.status < 300 || r.status === 409) return;
    if (attempt >= 40 || ![403, 404, 429, 500, 503, 504].includes(r.status))
      throw new Error(`POST ${path}: ${r.status} ${r.body.slice(0, 300)}`);
    await sleep(250);
  }
}

export async function createObjects(
  client: RawClient,
  namespaces: readonly string[],
  pods: readonly BenchPod[],
  nodes: readonly string[],
  concurrency: number,
): Promise<void> {
  await forEachLimited(namespaces, concurrency, (name) =>
    createWithRetry(client, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
  );
  await forEachLimited(pods, concurrency, (p, i) =>
    createWithRetry(client, `/api/v1/namespaces/${p.namespace}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: p.name,
        namespace: p.namespace,
        labels: { [FLIP_LABEL.key]: FLIP_LABEL.value, [SLICE_LABEL]: String(p.slice) },
      },
      spec: {
        nodeName: nodes[i % nodes.length],
        automountServiceAccountToken: false,
        containers: [{ name: 'app', image: 'registry.invalid/bench:1' }],
      },
    }),
  );
}

function statusPatch(ready: boolean): unknown {
  const at = new Date().toISOString();
  return {
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: at }],
    },
  };
}

async function patchStatus(client: RawClient, p: BenchPod, ready: boolean): Promise<void> {
  const r = await client.send(
    'PATCH',
    `/api/v1/namespaces/${p.namespace}/pods/${p.name}/status`,
    statusPatch(ready),
    'application/merge-patch+json',
  );
  if (r.status >= 300) throw new Error(`PATCH ${podKey(p)}/status: ${r.status} ${r.body.slice(0, 300)}`);
}

export interface FlipRecord {
  /** podKey → epoch ms the PATCH was sent: the change cannot have been committed before (the old latency base). */
  sent: Map<string, number>;
  /** podKey → epoch ms the API server's answer arrived: the change was committed by then (the latency base). */
  acked: Map<string, number>;
  windowMs: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/**
 * Makes the pods Ready in the given order at `ratePerSec`, spread evenly over the window, with at most
 * `maxInFlight` PATCHes outstanding: a writer the server keeps up with, so that a pod's latency measures the
 * watcher, not the writer's queue (when the server is slower the window stretches and the printout says so).
 */
export async function flipReady(
  client: RawClient,
  pods: readonly BenchPod[],
  ratePerSec: number,
  maxInFlight: number,
  signal: AbortSignal,
): Promise<FlipRecord> {
  const sent = new Map<string, number>();
  const acked = new Map<string, number>();
  const start = now();
  const pending = new Set<Promise<void>>();
  for (let i = 0; i < pods.length && !signal.aborted; i++) {
    const due = start + (i * 1000) / ratePerSec;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
    while (pending.size >= maxInFlight) await Promise.race(pending);
    const p = pods[i]!;
    const key = podKey(p);
    sent.set(key, now());
    const task: Promise<void> = patchStatus(client, p, true)
      .then(() => void acked.set(key, now()))
      .finally(() => pending.delete(task));
    pending.add(task);
  }
  await Promise.all(pending);
  return { sent, acked, windowMs: now() - start };
}

/** What the API server sustained for status PATCHes, measured closed-loop (each writer sends when answered). */
export interface WriterCalibration {
  patches: number;
  inFlight: number;
  perSec: number;
  rttMs: number[];
}

/**
 * Sends Ready=False to `pods` with `inFlight` writers back to back and measures the rate the server answers at,
 * before any runner listens: the rate the flips are then paced at is a fraction of it.
 */
export async function calibrateWriter(
  client: RawClient,
  pods: readonly BenchPod[],
  inFlight: number,
): Promise<WriterCalibration> {
  const rttMs: number[] = [];
  const start = now();
  await forEachLimited(pods, inFlight, async (p) => {
    const t = now();
    await patchStatus(client, p, false);
    rttMs.push(now() - t);
  });
  return { patches: pods.length, inFlight, perSec: (pods.length * 1000) / (now() - start), rttMs };
}

/** Makes the pods not Ready again (Ready=False), as fast as the concurrency allows, for the next measurement. */
export async function resetReady(client: RawClient, pods: readonly BenchPod[], concurrency: number): Promise<void> {
  await forEachLimited(pods, concurrency, (p) => patchStatus(client, p, false));
}

/** How many of the benchmark's pods are Ready now (one list; before a measurement it must be 0). */
export async function countReady(client: RawClient): Promise<{ total: number; ready: number }> {
  const r = await client.send(
    'GET',
    `/api/v1/pods?labelSelector=${encodeURIComponent(`${FLIP_LABEL.key}=${FLIP_LABEL.value}`)}`,
  );
  if (r.status >= 300) throw new Error(`list pods: ${r.status}`);
  const items = (JSON.parse(r.body) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] })
    .items;
  return {
    total: items.length,
    ready: items.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length,
  };
}
