/**
 * Where the benchmark finds kwokctl and the cluster binaries: $DR_DRILL_BIN_DIR, else the newest
 * $DR_DRILL_CACHE/bin-* (default ~/.cache/dr-drill) that local/build.sh filled. It does not build: running
 * `dr-drill local up` (or local/build.sh) once does.
 */
import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { binDir, missingBinaries, type BinDir } from '../../src/local/binaries.js';

/** The binaries a kwokctl cluster needs (velero is not). */
export const CLUSTER_BINARIES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kwok',
  'kwokctl',
] as const;

export function benchBinDir(env: NodeJS.ProcessEnv = process.env): BinDir {
  const complete = (dir: string) =>
    !missingBinaries(dir).some((b) => (CLUSTER_BINARIES as readonly string[]).includes(b));
  if (env.DR_DRILL_BIN_DIR) {
    if (!complete(env.DR_DRILL_BIN_DIR))
      throw new Error(`DR_DRILL_BIN_DIR=${env.DR_DRILL_BIN_DIR} lacks some of ${CLUSTER_BINARIES.join(', ')}`);
    return binDir(env.DR_DRILL_BIN_DIR);
  }
  const cache = env.DR_DRILL_CACHE || join(homedir(), '.cache', 'dr-drill');
  let dirs: string[] = [];
  try {
    dirs = readdirSync(cache)
      .filter((d) => d.startsWith('bin-'))
      .map((d) => join(cache, d))
      .filter(complete);
  } catch {
    /* no cache yet */
  }
  const newest = dirs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest)
    throw new Error(
      `no built binaries in ${cache}/bin-*: run \`dr-drill local up\` (or local/build.sh) once, or set DR_DRILL_BIN_DIR`,
    );
  return binDir(newest);
}
