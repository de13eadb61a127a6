/**
 * The drill side of bench/scale.ts, run as its own child process (forked over IPC) so that its peak RSS is its own.
 *
 * - `watch`: the project's readiness machinery as verify runs it — one wait per namespace over its Pods, all through
 *   the drill's SharedWatches (src/kube/shared-watches.ts: one list + watch for the kind and selector, shared by
 *   every wait) on the real ClientGateway, judged with partialMatch as a resource probe with `match` does.
 * - `own`: the same waits each with a watch of its own (waitFor per namespace), as probes waited before watches
 *   were shared: the comparison for memory and requests.
 * - `poll`: the naive loop the design rules out — GET each pod, sleep 1 s, again until Ready; bounded concurrency.
 *
 * Each pod's first Ready observation is stamped with performance.timeOrigin + performance.now(), which the parent
 * compares with its own flip stamps (same clock source, same machine).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { writeHeapSnapshot } from 'node:v8';
import { gatewayFor, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { waitFor } from '../../src/kube/wait.js';
import { SharedWatches } from '../../src/kube/shared-watches.js';
import type { KubeObject } from '../../src/kube/types.js';
import { partialMatch } from '../../src/probes/match.js';

export type RunnerMode = 'watch' | 'own' | 'poll';

export interface RunnerJob {
  mode: RunnerMode;
  kubeconfig: string;
  labelSelector: string;
  /** Namespace → its pod names (the poll loop GETs each; the watch expects that many Ready). */
  pods: Record<string, string[]>;
  timeoutMs: number;
  /** poll: at most this many GETs in flight. */
  concurrency: number;
}

export type RunnerMessage =
  | { type: 'ready'; rssKB: number }
  | {
      type: 'done';
      /** `namespace/name` → epoch ms (fractional) of the first Ready observation. */
      observed: Record<string, number>;
      requests: { get: number; list: number; watch: number };
      maxRssKB: number;
      /** process.memoryUsage() at the end, KB: where the RSS goes (JS heap vs. buffers vs. the rest, e.g. TLS). */
      heapUsedKB: number;
      externalKB: number;
      failures: string[];
    };

/** What the resource probe's `match` would say for "the pod is Ready". */
export const READY_MATCH = { status: { conditions: [{ type: 'Ready', status: 'True' }] } } as const;

const now = (): number => performance.timeOrigin + performance.now();

async function run(
  job: RunnerJob,
  send: (m: RunnerMessage) => void,
): Promise<Extract<RunnerMessage, { type: 'done' }>> {
  const gw = gatewayFor(loadKubeConfig(job.kubeconfig), null);
  const observed: Record<string, number> = {};
  const failures: string[] = [];
  const record = (o: KubeObject, at: number): void => {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    if (observed[key] === undefined && !o.metadata.deletionTimestamp && partialMatch(o, READY_MATCH) === null)
      observed[key] = at;
  };
  const namespaces = Object.keys(job.pods);

  if (job.mode === 'watch' || job.mode === 'own') {
    let established = 0;
    const watchesNeeded = job.mode === 'watch' ? 1 : namespaces.length;
    const wrapped = Object.create(gw) as typeof gw;
    // Only to know when every watch is open (so no flip lands before a runner is listening); calls go to gw.
    wrapped.watch = async (...args: Parameters<typeof gw.watch>) => {
      const h = await gw.watch(...args);
      if (++established === watchesNeeded) {
        send({ type: 'ready', rssKB: process.resourceUsage().maxRSS });
        // Where the memory goes once everything is listed (bench:scale's docs). Writing it stalls this process for
        // seconds while flips arrive: the latency of such a run means nothing.
        if (process.env.BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT);
      }
      return h;
    };
    // As verify makes them: the drill's namespaces are the target set the shared watch is kept to.
    const shared = new SharedWatches(wrapped, namespaces);
    await Promise.all(
      namespaces.map((namespace) => {
        const want = job.pods[namespace]!.length;
        const wait = job.mode === 'watch' ? shared.waitFor.bind(shared) : waitFor.bind(null, wrapped);
        return wait(
          { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: job.labelSelector },
          (objs) => {
            const at = now();
            let ready = 0;
            for (const o of objs) {
              record(o, at);
              if (observed[`${namespace}/${o.metadata.name}`] !== undefined) ready++;
            }
            return ready >= want
              ? { state: 'done', observation: `${ready} Pod(s) Ready` }
              : { state: 'waiting', observation: `${ready}/${want} Pod(s) Ready` };
          },
          { timeoutMs: job.timeoutMs },
        ).catch((e: unknown) => void failures.push(`${namespace}: ${e instanceof Error ? e.message : String(e)}`));
      }),
    );
  } else {
    const deadline = Date.now() + job.timeoutMs;
    const refs = namespaces.flatMap((namespace) =>
      job.pods[namespace]!.map((name) => ({ apiVersion: 'v1', kind: 'Pod', namespace, name })),
    );
    let inFlight = 0;
    const waiting: (() => void)[] = [];
    const acquire = async (): Promise<void> => {
      if (inFlight < job.concurrency) {
        inFlight++;
        return;
      }
      await new Promise<void>((r) => waiting.push(r));
    };
    const release = (): void => {
      const next = waiting.shift();
      if (next) next();
      else inFlight--;
    };
    // Listening once every pod has been read once (as the watch side is once its watches are open).
    let firstRound = 0;
    await Promise.all(
      refs.map(async (ref) => {
        for (let round = 0; Date.now() < deadline; round++) {
          await acquire();
          let pod: KubeObject | null = null;
          try {
            pod = await gw.get(ref);
          } catch (e) {
            if (failures.length < 100)
              failures.push(`${ref.namespace}/${ref.name}: ${e instanceof Error ? e.message : String(e)}`);
          } finally {
            release();
          }
          if (pod) record(pod, now());
          if (round === 0 && ++firstRound === refs.length)
            send({ type: 'ready', rssKB: process.resourceUsage().maxRSS });
          if (observed[`${ref.namespace}/${ref.name}`] !== undefined) return;
          await sleep(1000);
        }
        if (failures.length < 100) failures.push(`${ref.namespace}/${ref.name}: not Ready within ${job.timeoutMs} ms`);
      }),
    );
  }
  return {
    type: 'done',
    observed,
    requests: { ...gw.requests },
    maxRssKB: process.resourceUsage().maxRSS,
    heapUsedKB: Math.round(process.memoryUsage().heapUsed / 1024),
    externalKB: Math.round(process.memoryUsage().external / 1024),
    failures: failures.slice(0, 20),
  };
}

// Forked by bench/scale.ts: one job in, 'ready' and 'done' out, then exit.
if (process.send) {
  // The parent gone (killed) means nobody reads the result: do not linger.
  process.once('disconnect', () => process.exit(0));
  process.once('message', (job: RunnerJob) => {
    const send = (m: RunnerMessage): void => void process.send!(m);
    run(job, send).then(
      // Exit once the (large) result has been handed to the IPC channel.
      (done) => void process.send!(done, () => process.exit(0)),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  });
}
