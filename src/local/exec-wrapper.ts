/**
 * `kubectl exec` into a pod of the local environment runs the command on this host (kwok's local exec), so a
 * command reading `/var/lib/postgresql/data` would read the host's directory, the same for the source pod and its
 * restored copy. With file-system backup on, each pod's volumes have directories of their own (the node stand-in
 * lays them out), and this makes a command see *its pod's* directories at their mountPaths:
 *
 * - local/build.sh patches kwok so that an exec rule whose envs name KWOK_EXEC_WRAPPER runs
 *   `<wrapper> <namespace> <pod> <container> <command…>` instead of the command;
 * - the node stand-in writes a mount table per pod and container (`<mounts dir>/<ns>/<pod>/<container>`, one
 *   `<mountPath>\t<host dir>` line per volume mount), removed with the pod;
 * - the wrapper (a POSIX sh script in the state dir) runs the command in a mount namespace of its own
 *   (`unshare --mount`, root only) where each host dir is bind-mounted at its mountPath. The mounts vanish with the
 *   command. A mountPath missing on the host needs a mount-point directory there (a private mount namespace still
 *   shares the host's directories): the wrapper records each chain it creates (`created-mount-points` beside the
 *   mount tables) and `local down` removes them (`removeCreatedMountPoints`), only while empty. A pod without a
 *   table (no volumes, or file-system backup off) runs the command as before, on the host.
 */
import { chmodSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { EXEC_NAMESPACES, type ClusterName, type LocalLayout } from './layout.js';

/** The exec rule env that makes the patched kwok run the wrapper (local/build.sh). */
export const WRAPPER_ENV = 'KWOK_EXEC_WRAPPER';
/** The wrapper reads the mount tables from here. */
export const MOUNTS_ENV = 'DR_DRILL_EXEC_MOUNTS';

/**
 * Beside a pod's mount tables while Velero's restore-wait init container runs: as kubelet starts no container
 * before its init containers end, the wrapper refuses exec until the restored data is in place.
 */
export const INIT_RUNNING = '.init-running';

/** Beside a cluster's mounts dir: `<top created dir>\t<mountPath>` per mount-point chain the wrapper created. */
export const CREATED_MOUNT_POINTS = 'created-mount-points';

/** Exit code of the wrapper when a pod's volumes cannot be shown to the command (as a shell's "cannot execute"). */
export const WRAPPER_CANNOT = 126;

export const EXEC_WRAPPER_SCRIPT = `#!/bin/sh
# dr-drill local environment (src/local/exec-wrapper.ts): kwok runs "$0 <namespace> <pod> <container> <command...>".
# With a mount table for the container, the command runs in a mount namespace where the pod's volume directories
# are bind-mounted at their mountPaths; without one it runs as it is.
ns=$1 pod=$2 ctr=$3
shift 3
table="\${${MOUNTS_ENV}:-}/$ns/$pod/$ctr"
if [ -z "\${${MOUNTS_ENV}:-}" ] || [ ! -s "$table" ]; then exec "$@"; fi
if [ -e "\${table%/*}/${INIT_RUNNING}" ]; then
  echo "dr-drill local exec: container $ctr of pod $ns/$pod has not started: its init container restore-wait is running" >&2
  exit ${WRAPPER_CANNOT}
fi
if ! unshare --mount true 2>/dev/null; then
  echo "dr-drill local exec: pod $ns/$pod has volumes; showing them at their mountPaths needs a mount namespace (unshare --mount, root), which this user ($(id -un)) cannot make" >&2
  exit ${WRAPPER_CANNOT}
fi
exec unshare --mount --propagation private -- /bin/sh -c '
table=$1 created=$2; shift 2
while IFS="$(printf "\\t")" read -r m d; do
  case "$m" in ""|"#"*) continue ;; esac
  if [ ! -d "$m" ]; then
    top=$m
    while [ -n "\${top%/*}" ] && [ ! -e "\${top%/*}" ]; do top=\${top%/*}; done
    mkdir -p "$m" && printf "%s\\t%s\\n" "$top" "$m" >> "$created"
  fi
  mount --bind "$d" "$m" || { echo "dr-drill local exec: cannot mount $d at $m" >&2; exit ${WRAPPER_CANNOT}; }
done < "$table"
exec "$@"' sh "$table" "\${${MOUNTS_ENV}%/*}/${CREATED_MOUNT_POINTS}" "$@"
`;

/** Where the wrapper lives (one per environment). */
export function execWrapperPath(layout: LocalLayout): string {
  return join(layout.stateDir, 'exec-in-pod.sh');
}

/** Where a cluster's stand-in writes its mount tables. */
export function mountsDir(layout: LocalLayout, cluster: ClusterName): string {
  return join(layout.stateDir, 'kubelet', cluster, 'mounts');
}

/**
 * Removes the mount-point directories the wrapper created on the host for the given clusters (`local down`): every
 * directory of each recorded chain, from its mountPath up to the first directory that was missing, deepest first
 * across all clusters (two clusters' pods may share a parent), each only while empty (something else may have put
 * a file there since). Directories that existed before are never recorded. Returns the directories removed.
 */
export function removeCreatedMountPoints(layout: LocalLayout, clusters: readonly ClusterName[]): string[] {
  const dirs = new Set<string>();
  for (const cluster of clusters) {
    let text: string;
    try {
      text = readFileSync(join(dirname(mountsDir(layout, cluster)), CREATED_MOUNT_POINTS), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').filter(Boolean)) {
      const [top, at] = line.split('\t') as [string, string | undefined];
      if (!at || !posix.isAbsolute(top) || !(at === top || at.startsWith(`${top}/`))) continue;
      for (let d = posix.normalize(at); d.length >= top.length && d !== '/'; d = posix.dirname(d)) dirs.add(d);
    }
  }
  const depth = (d: string): number => d.split('/').length;
  const removed: string[] = [];
  for (const d of [...dirs].sort((a, b) => depth(b) - depth(a) || a.localeCompare(b))) {
    try {
      rmdirSync(d);
      removed.push(d);
    } catch {
      // Not empty, or gone: leave it.
    }
  }
  return removed;
}

/** Writes the wrapper (idempotent). */
export function ensureExecWrapper(layout: LocalLayout): string {
  const file = execWrapperPath(layout);
  writeFileSync(file, EXEC_WRAPPER_SCRIPT);
  chmodSync(file, 0o755);
  return file;
}

/** The envs an exec rule gets so that kwok runs its commands through the wrapper. */
export function wrapperEnvs(layout: LocalLayout, cluster: ClusterName): Array<{ name: string; value: string }> {
  return [
    { name: WRAPPER_ENV, value: execWrapperPath(layout) },
    { name: MOUNTS_ENV, value: mountsDir(layout, cluster) },
  ];
}

/** The parts of a container this needs. */
export interface ContainerMounts {
  name: string;
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string }> | null;
}

/**
 * Mount table lines per container: `<mountPath>\t<host dir>` for each volume mount whose volume has a host
 * directory (`volumeDirs`: volume name → dir), parents before children so nested mounts stack as in a container.
 */
export function mountTables(
  containers: readonly ContainerMounts[],
  volumeDirs: ReadonlyMap<string, string>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of containers) {
    const lines = (c.volumeMounts ?? [])
      .filter((m) => volumeDirs.has(m.name) && posix.isAbsolute(m.mountPath) && !/[\t\n]/.test(m.mountPath))
      .map((m) => ({
        at: posix.normalize(m.mountPath).replace(/(.)\/+$/, '$1'),
        dir: m.subPath ? join(volumeDirs.get(m.name)!, m.subPath) : volumeDirs.get(m.name)!,
      }))
      .sort((a, b) => a.at.split('/').length - b.at.split('/').length || a.at.localeCompare(b.at))
      .map((m) => `${m.at}\t${m.dir}`);
    if (lines.length) out.set(c.name, lines);
  }
  return out;
}

/**
 * With file-system backup on: an exec rule for pods of every namespace (a drill restores into any), through the
 * wrapper. The demo namespaces' own rule gets the same envs, so whichever rule kwok picks, the target is the same.
 */
export function volumesClusterExec(layout: LocalLayout, cluster: ClusterName): Record<string, unknown> {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterExec',
    metadata: { name: 'dr-drill-volumes' },
    spec: { execs: [{ local: { workDir: layout.execDir, envs: wrapperEnvs(layout, cluster) } }] },
  };
}

/**
 * kwok ClusterExec: `kubectl exec` into pods of the demo namespaces runs the command on this host. `envs` (with
 * file-system backup on, exec-wrapper.ts) make kwok run it through the wrapper that shows the pod its volumes.
 */
export function clusterExecManifest(
  layout: LocalLayout,
  envs: Array<{ name: string; value: string }> = [],
): Record<string, unknown> {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterExec',
    metadata: { name: 'dr-drill-demo' },
    spec: {
      selector: { matchNamespaces: [...EXEC_NAMESPACES] },
      execs: [{ local: { workDir: layout.execDir, ...(envs.length ? { envs } : {}) } }],
    },
  };
}
