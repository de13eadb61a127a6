/**
 * The benchmark's own kwokctl cluster, `dr-drill-bench`: binary runtime, every binary set explicitly (as
 * src/local/clusters.ts does), loopback only, kwokctl picking its ports, a KWOK_WORKDIR under a temp dir, and an
 * explicit kubeconfig path so that ~/.kube/config is never written. It never touches the `local up` environment.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { parseAllDocuments, stringify } from 'yaml';
import type { BinDir } from '../../src/local/binaries.js';
import { PORTS } from '../../src/local/layout.js';
import { binaryRuntimeOptions } from '../../src/local/clusters.js';

export const BENCH_CLUSTER = 'dr-drill-bench';
/** Pods with this label are left alone by kwok (its disregard selector), so the benchmark alone sets their status. */
export const FLIP_LABEL = { key: 'dr-drill.io/bench-flip', value: 'manual' } as const;

/** Ports of the `local up` environment (and its CI run) that the benchmark must never take. */
const RESERVED_PORTS: readonly number[] = [
  PORTS.azurite,
  ...Object.values(PORTS.apiserver),
  ...Object.values(PORTS.veleroMetrics),
  ...Object.values(PORTS.veleroProfiler),
];

export interface BenchCluster {
  workdir: string;
  /** The admin kubeconfig kwokctl wrote for the cluster. */
  kubeconfig: string;
  /** Component → port, as kwokctl recorded them. */
  ports: Record<string, number>;
}

function env(workdir: string, bin: BinDir): NodeJS.ProcessEnv {
  return { ...process.env, KWOK_WORKDIR: join(workdir, 'kwok'), PATH: `${bin.dir}:${process.env.PATH ?? ''}` };
}

async function kwokctl(workdir: string, bin: BinDir, args: string[]): Promise<string> {
  const r = await execa(bin.path('kwokctl'), args, {
    env: env(workdir, bin),
    reject: false,
    stdin: 'ignore',
    all: true,
  });
  writeFileSync(join(workdir, 'kwokctl.log'), `\n--- kwokctl ${args.join(' ')}\n${r.all ?? ''}\n`, { flag: 'a' });
  if (r.exitCode !== 0)
    throw new Error(
      `kwokctl ${args.join(' ')} failed (exit ${r.exitCode}):\n${(r.all ?? '').split('\n').slice(-8).join('\n')}`,
    );
  return r.stdout;
}

/** Creates the cluster and checks the ports kwokctl picked; the caller deletes it (also on error). */
export async function createBenchCluster(workdir: string, bin: BinDir): Promise<BenchCluster> {
  const options = binaryRuntimeOptions(bin);
  // kwokctl hands KwokConfiguration documents to kwok. kwok's default pod stages would make every pod on one of
  // its nodes Ready at once; pods matching the disregard selector are skipped entirely (PodController.need).
  const kwokOptions = { disregardStatusWithLabelSelector: `${FLIP_LABEL.key}=${FLIP_LABEL.value}` };
  const config = join(workdir, 'kwokctl.yaml');
  writeFileSync(
    config,
    [
      stringify({ kind: 'KwokctlConfiguration', apiVersion: 'config.kwok.x-k8s.io/v1alpha1', options }),
      stringify({ kind: 'KwokConfiguration', apiVersion: 'config.kwok.x-k8s.io/v1alpha1', options: kwokOptions }),
    ].join('---\n'),
  );
  await kwokctl(workdir, bin, [
    'create',
    'cluster',
    '--name',
    BENCH_CLUSTER,
    '--config',
    config,
    '--kubeconfig',
    join(workdir, 'kwokctl-kubeconfig.yaml'),
    '--wait',
    '3m',
  ]);
  const clusterDir = join(workdir, 'kwok', 'clusters', BENCH_CLUSTER);
  const ports = recordedPorts(join(clusterDir, 'kwok.yaml'));
  const taken = Object.entries(ports).filter(([, p]) => RESERVED_PORTS.includes(p));
  if (taken.length) throw new Error(`kwokctl picked reserved port(s) ${taken.map(([c, p]) => `${c}=${p}`).join(', ')}`);
  return { workdir, kubeconfig: join(clusterDir, 'kubeconfig.yaml'), ports };
}

/** The *Port options kwokctl recorded for the cluster's components. */
function recordedPorts(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const o = doc.toJS() as { kind?: string; options?: Record<string, unknown> } | null;
    if (o?.kind !== 'KwokctlConfiguration') continue;
    for (const [k, v] of Object.entries(o.options ?? {}))
      if (/Port$/.test(k) && typeof v === 'number' && v > 0) out[k] = v;
  }
  return out;
}

export async function scaleNodes(cluster: BenchCluster, bin: BinDir, replicas: number): Promise<void> {
  await kwokctl(cluster.workdir, bin, ['scale', 'node', '--name', BENCH_CLUSTER, '--replicas', String(replicas)]);
}

/** Deletes the cluster (kwokctl stops the processes it started, by its pid files); quiet when it is not there. */
export async function deleteBenchCluster(workdir: string, bin: BinDir): Promise<void> {
  if (!existsSync(join(workdir, 'kwok', 'clusters', BENCH_CLUSTER))) return;
  await kwokctl(workdir, bin, [
    'delete',
    'cluster',
    '--name',
    BENCH_CLUSTER,
    '--kubeconfig',
    join(workdir, 'kwokctl-kubeconfig.yaml'),
  ]);
}

/**
 * A detached shell that waits for this process to end, then deletes the cluster and the workdir if they are still
 * there — the cleanup of last resort when the benchmark is killed without a chance to clean up (SIGKILL, OOM).
 */
export function startWatchdog(workdir: string, bin: BinDir): void {
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done`,
    `if [ -d ${q(join(workdir, 'kwok', 'clusters', BENCH_CLUSTER))} ]; then KWOK_WORKDIR=${q(join(workdir, 'kwok'))} ${q(bin.path('kwokctl'))} ` +
      `delete cluster --name ${BENCH_CLUSTER} --kubeconfig ${q(join(workdir, 'kwokctl-kubeconfig.yaml'))} >/dev/null 2>&1; fi`,
    `rm -rf ${q(workdir)}`,
  ].join('\n');
  spawn('sh', ['-c', script], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, PATH: `${bin.dir}:${process.env.PATH ?? ''}` },
  }).unref();
}
