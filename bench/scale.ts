/**
 * `npm run bench:scale [-- --nodes 1000 --pods 10000 --namespaces 200]` (issue 3, item 6): readiness at scale.
 *
 * Creates its own kwokctl cluster `dr-drill-bench` (never the `local up` clusters), fake nodes, namespaces and pods
 * that kwok leaves alone, then flips the pods Ready itself at a rate the API server sustains and measures, per pod,
 * the watcher's notification latency: from the arrival of the API server's answer to the flip (the change is
 * committed by then) to the moment the waiting probe first sees the pod Ready. The old figure, from the moment the
 * PATCH was sent (the server's own round trip, and under load its queue, included), is printed beside it; the true
 * delay from the commit lies between the two. Runners:
 *   - watch: one wait per namespace, all sharing one list + watch (src/kube/shared-watches.ts) through ClientGateway
 *            — as verify runs its probes;
 *   - own:   the same waits each with its own list + watch (waitFor per namespace) — as probes waited before;
 *   - poll:  a naive GET-every-pod-every-second loop.
 * Each side runs in its own child process (its peak RSS and request count are its own), at two sizes (all pods, and
 * a tenth of them in the same namespaces). Each runner's line is printed as it finishes (a stopped run keeps what it
 * measured), then the goals; asserts nothing. Deletes the cluster at the end, on error, on SIGINT/SIGTERM and at the
 * hard time cap.
 *
 * The writer's pace: `--rate auto` (the default) first measures how many status PATCHes a second the server answers
 * with `--in-flight` writers back to back (before any runner listens), then flips at half that rate with at most
 * `--in-flight` outstanding; `--rate N` fixes it.
 *
 * Flags: --nodes --pods --namespaces (1000/10000/200), --rate (auto), --in-flight (4), --poll-concurrency (50),
 * --cap-minutes (20), --modes (watch,own,poll). BENCH_HEAP_SNAPSHOT=<file>: each runner writes a heap snapshot there
 * once it is listening (the last one stays; latency figures of such a run are meaningless).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../src/kube/kubeconfig.js';
import { benchBinDir } from './support/bin-dir.js';
import { compileRunner } from './support/compile-runner.js';
import {
  BENCH_CLUSTER,
  FLIP_LABEL,
  createBenchCluster,
  deleteBenchCluster,
  scaleNodes,
  startWatchdog,
} from './support/bench-cluster.js';
import {
  SLICE_LABEL,
  byNamespace,
  calibrateWriter,
  countReady,
  createObjects,
  flipReady,
  planPods,
  podKey,
  resetReady,
  type BenchPod,
} from './support/bench-pods.js';
import { rawClient, type RawClient } from './support/raw-client.js';
import type { RunnerJob, RunnerMessage, RunnerMode } from './support/readiness-runner.js';
import { mb, ms, shuffled, summarize, type Summary } from './support/stats.js';

const { values: flags } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    pods: { type: 'string', default: '10000' },
    namespaces: { type: 'string', default: '200' },
    rate: { type: 'string', default: 'auto' },
    'in-flight': { type: 'string', default: '4' },
    'poll-concurrency': { type: 'string', default: '50' },
    'cap-minutes': { type: 'string', default: '20' },
    modes: { type: 'string', default: 'watch,own,poll' },
  },
});
const N = { nodes: Number(flags.nodes), pods: Number(flags.pods), namespaces: Number(flags.namespaces) };
const IN_FLIGHT = Number(flags['in-flight']);
const POLL_CONCURRENCY = Number(flags['poll-concurrency']);
const CAP_MS = Number(flags['cap-minutes']) * 60_000;
const MODES = flags.modes.split(',').filter((m): m is RunnerMode => ['watch', 'own', 'poll'].includes(m));
const GOALS = { p99Ms: 50, rssKB: 200 * 1024 };
const loadStart = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');

interface Measurement {
  mode: RunnerMode;
  size: string;
  pods: number;
  /** First Ready observation − arrival of the server's answer to the flip (may be < 0: the event outran the answer). */
  latency: Summary;
  /** First Ready observation − flip sent (the old figure; the server's round trip included). */
  fromSent: Summary;
  unobserved: number;
  requests: { get: number; list: number; watch: number };
  readyRssKB: number;
  maxRssKB: number;
  heapUsedKB: number;
  externalKB: number;
  flipWindowMs: number;
  flipRatePerSec: number;
  flipRttMs: Summary;
  failures: string[];
}

const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);
const abort = new AbortController();
let runner: ChildProcess | null = null;
let runnerFile = '';

function startRunner(job: RunnerJob): {
  ready: Promise<number>;
  done: Promise<Extract<RunnerMessage, { type: 'done' }>>;
} {
  const child = fork(runnerFile, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  runner = child;
  let onReady!: (rss: number) => void;
  const ready = new Promise<number>((r) => (onReady = r));
  const done = new Promise<Extract<RunnerMessage, { type: 'done' }>>((resolve, reject) => {
    child.on('message', (m: RunnerMessage) => (m.type === 'ready' ? onReady(m.rssKB) : resolve(m)));
    child.on('exit', (code) => reject(new Error(`runner exited (${code}) before reporting`)));
    abort.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });
  child.send(job);
  return { ready: Promise.race([ready, done.then(() => 0)]), done };
}

async function measure(
  client: RawClient,
  kubeconfig: string,
  mode: RunnerMode,
  size: string,
  pods: readonly BenchPod[],
  selector: string,
  rate: number,
  /** Not after the last measurement: at 10,000 pods the reset takes minutes. */
  resetAfter: boolean,
): Promise<Measurement> {
  const before = await countReady(client);
  if (before.ready)
    throw new Error(`${before.ready} pod(s) already Ready before the ${mode} measurement (is kwok managing them?)`);
  log(`${mode} @ ${size}: ${pods.length} pods — starting the runner`);
  const r = startRunner({
    mode,
    kubeconfig,
    labelSelector: selector,
    pods: byNamespace(pods),
    timeoutMs: Math.max(120_000, (pods.length / rate) * 1000 * 4),
    concurrency: POLL_CONCURRENCY,
  });
  const readyRssKB = await r.ready;
  log(`${mode} @ ${size}: runner listening, flipping at ${rate}/s, at most ${IN_FLIGHT} in flight`);
  const flips = await flipReady(client, shuffled(pods, pods.length), rate, IN_FLIGHT, abort.signal);
  const done = await r.done;
  runner?.kill();
  runner = null;
  const latencies: number[] = [];
  const fromSent: number[] = [];
  const rtts: number[] = [];
  let unobserved = 0;
  for (const p of pods) {
    const key = podKey(p);
    const seen = done.observed[key];
    const sent = flips.sent.get(key)!;
    const acked = flips.acked.get(key)!;
    if (seen === undefined) unobserved++;
    else {
      latencies.push(seen - acked);
      fromSent.push(seen - sent);
    }
    rtts.push(acked - sent);
  }
  if (resetAfter) {
    log(`${mode} @ ${size}: done; resetting readiness`);
    await resetReady(client, pods, 32);
  }
  return {
    mode,
    size,
    pods: pods.length,
    latency: summarize(latencies),
    fromSent: summarize(fromSent),
    unobserved,
    requests: done.requests,
    readyRssKB,
    maxRssKB: done.maxRssKB,
    heapUsedKB: done.heapUsedKB,
    externalKB: done.externalKB,
    flipWindowMs: flips.windowMs,
    flipRatePerSec: (pods.length * 1000) / flips.windowMs,
    flipRttMs: summarize(rtts),
    failures: done.failures,
  };
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const req = (m: Measurement): number => m.requests.get + m.requests.list + m.requests.watch;
const cols = (...cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(18) : c.padStart(9))).join(' ');

/** The table's head, printed before the first runner starts. */
function printHead(setupMs: number, ports: Record<string, number>, writer: string): void {
  console.log(
    [
      '',
      `dr-drill scale benchmark — ${N.nodes} fake nodes, ${N.pods} pods in ${N.namespaces} namespaces`,
      `cluster ${BENCH_CLUSTER} on 127.0.0.1 (ports ${Object.values(ports).join(', ')}), set up in ${ms(setupMs)}`,
      writer,
      '',
      'latency = first Ready observation by the waiting probe − arrival of the API server’s answer to the flip',
      '          (the change is committed by then; < 0 when the watch event outran the answer)',
      '"p99 sent" = the same from the moment the flip was sent (the old figure; the PATCH round trip included)',
      '',
      cols(
        'runner @ size',
        'pods',
        'p50',
        'p90',
        'p99',
        'max',
        'p99 sent',
        'unseen',
        'requests',
        'peak RSS',
        'RSS ready',
      ),
    ].join('\n'),
  );
}

/** One runner's line, printed as soon as it finished. */
function printRow(m: Measurement): void {
  console.log(
    cols(
      `${m.mode} @ ${m.size}`,
      String(m.pods),
      ms(m.latency.p50),
      ms(m.latency.p90),
      ms(m.latency.p99),
      ms(m.latency.max),
      ms(m.fromSent.p99),
      String(m.unobserved),
      String(req(m)),
      mb(m.maxRssKB),
      mb(m.readyRssKB),
    ),
  );
  console.log(
    `${''.padEnd(18)}   requests: list ${m.requests.list}, watch ${m.requests.watch}, get ${m.requests.get}; ` +
      `${m.pods} flips in ${ms(m.flipWindowMs)} (${m.flipRatePerSec.toFixed(0)}/s; PATCH round trip p50 ` +
      `${ms(m.flipRttMs.p50)}, p99 ${ms(m.flipRttMs.p99)}); JS heap ${mb(m.heapUsedKB)}, external ` +
      `${mb(m.externalKB)} at the end; load ${load()}` +
      (m.failures.length ? `; errors: ${m.failures.slice(0, 3).join(' | ')}` : ''),
  );
}

function printGoals(results: Measurement[]): void {
  const out: string[] = [''];
  const full = results.find((m) => m.mode === 'watch' && m.size === 'all');
  const tenth = results.find((m) => m.mode === 'watch' && m.size === '1/10');
  const poll = results.find((m) => m.mode === 'poll' && m.size === 'all');
  if (full) {
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const peak = Math.max(full.maxRssKB, tenth?.maxRssKB ?? 0);
    out.push(
      `goals (watch runner${poll ? '; the polling baseline in brackets' : ''}):`,
      `  p99 ≤ ${GOALS.p99Ms} ms: ${ms(full.latency.p99)} at ${full.pods} pods${poll ? ` [${ms(poll.latency.p99)}]` : ''} — ` +
        verdict(full.latency.p99 <= GOALS.p99Ms && full.unobserved === 0),
      tenth
        ? `  requests independent of object count: ${req(tenth)} for ${tenth.pods} pods, ${req(full)} for ${full.pods} pods` +
            `${poll ? ` [${req(poll)}]` : ''} — watches ${tenth.requests.watch} and ${full.requests.watch}, GETs ` +
            `${tenth.requests.get} and ${full.requests.get}; list pages ${tenth.requests.list} and ${full.requests.list} ` +
            `(500 objects a page, once at the start) — ` +
            verdict(
              tenth.requests.watch === full.requests.watch &&
                full.requests.get === 0 &&
                full.requests.list <= Math.ceil(full.pods / 500) + 1,
            )
        : '',
      `  peak RSS ≤ ${GOALS.rssKB / 1024} MB: ${mb(peak)}${poll ? ` [${mb(poll.maxRssKB)}]` : ''} — ${verdict(peak <= GOALS.rssKB)}`,
    );
  }
  out.push(
    `load average ${loadStart} at the start, ${load()} at the end, on ${cpus().length} CPUs ` +
      '(latency stretches with load; RSS and requests do not)',
  );
  console.log(out.filter((l) => l !== '').join('\n'));
}

/** The flip rate: fixed by --rate, or half of what the server sustained closed-loop (measured on `sample`). */
async function writerRate(client: RawClient, sample: readonly BenchPod[]): Promise<{ rate: number; line: string }> {
  if (flags.rate !== 'auto') {
    const rate = Number(flags.rate);
    return { rate, line: `writer: flips at ${rate}/s (--rate), at most ${IN_FLIGHT} in flight` };
  }
  const c = await calibrateWriter(client, sample, IN_FLIGHT);
  const rtt = summarize(c.rttMs);
  const rate = Math.max(1, Math.floor(c.perSec / 2));
  return {
    rate,
    line:
      `writer: the API server answered ${c.perSec.toFixed(0)} status PATCHes/s with ${c.inFlight} in flight ` +
      `(${c.patches} PATCHes, round trip p50 ${ms(rtt.p50)}, p99 ${ms(rtt.p99)}); flips paced at half that, ${rate}/s`,
  };
}

async function main(): Promise<void> {
  const bin = benchBinDir();
  runnerFile = await compileRunner();
  const workdir = mkdtempSync(join(tmpdir(), 'dr-drill-bench-'));
  const cap = setTimeout(() => {
    log(`hard cap of ${CAP_MS / 60_000} min reached — stopping`);
    abort.abort();
  }, CAP_MS);
  let cleaned: Promise<void> | null = null;
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      clearTimeout(cap);
      runner?.kill();
      log(`deleting cluster ${BENCH_CLUSTER}`);
      await deleteBenchCluster(workdir, bin).catch((e: unknown) =>
        log(`kwokctl delete failed: ${String(e)}; workdir kept at ${workdir}`),
      );
      rmSync(workdir, { recursive: true, force: true });
    })());
  // `on`, not `once`: tsx relays a Ctrl-C to us a second time, which must not kill us halfway through the cleanup.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (abort.signal.aborted) return;
      log(`${sig}: cleaning up`);
      abort.abort();
      void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
  // Should this process die without cleaning up (SIGKILL), a detached watchdog deletes the cluster after it.
  startWatchdog(workdir, bin);
  try {
    const t0 = performance.now();
    log(`creating cluster ${BENCH_CLUSTER} in ${workdir}`);
    const cluster = await createBenchCluster(workdir, bin);
    log(`ports ${JSON.stringify(cluster.ports)}; scaling to ${N.nodes} nodes`);
    await scaleNodes(cluster, bin, N.nodes);
    const client = await rawClient(loadKubeConfig(cluster.kubeconfig));
    const nodes = (
      JSON.parse((await client.send('GET', '/api/v1/nodes')).body) as { items: { metadata: { name: string } }[] }
    ).items.map((n) => n.metadata.name);
    const plan = planPods(N.pods, N.namespaces);
    log(`creating ${plan.namespaces.length} namespaces and ${plan.pods.length} pods on ${nodes.length} nodes`);
    await createObjects(client, plan.namespaces, plan.pods, nodes, 32);
    const setupMs = performance.now() - t0;
    const tenth = plan.pods.filter((p) => p.slice === 0);
    const all = `${FLIP_LABEL.key}=${FLIP_LABEL.value}`;
    const writer = await writerRate(client, tenth);
    log(writer.line);
    printHead(setupMs, cluster.ports, writer.line);
    const results: Measurement[] = [];
    const runs = MODES.flatMap((mode) =>
      (
        [
          ['1/10', tenth, `${all},${SLICE_LABEL}=0`],
          ['all', plan.pods, all],
        ] as const
      ).map(([size, pods, selector]) => ({ mode, size, pods, selector })),
    );
    for (const [i, { mode, size, pods, selector }] of runs.entries()) {
      const last = i === runs.length - 1;
      const m = await measure(client, cluster.kubeconfig, mode, size, pods, selector, writer.rate, !last);
      results.push(m);
      printRow(m);
    }
    client.close();
    printGoals(results);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench:scale failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(abort.signal.aborted ? 2 : 1);
  },
);
