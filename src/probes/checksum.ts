import { readFileSync } from 'node:fs';
import type { ChecksumProbePlan } from '../plan/probe-plan.js';
import type { KubeGateway } from '../kube/gateway.js';
import { inputError, infraError, describeError } from '../util/errors.js';
import { choosePod, describeExec, execIn, type PodChoice } from './exec-client.js';
import { pollProbe } from './poll.js';
import { settle, type ProbeKind } from './probe.js';
import picomatch from 'picomatch';

type Spec = ChecksumProbePlan;

/** One file of a manifest: path relative to the root, size in bytes, SHA-256 in hex. */
export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

/** A manifest as `dr-drill manifest take` writes it and the checksum probe reads it. */
export interface FileManifest {
  apiVersion: 'dr-drill/v1';
  kind: 'FileManifest';
  root: string;
  takenAt: string;
  files: ManifestEntry[];
}

/**
 * Size, hash and path of every regular file under $1, one per line: "<size> <sha256> ./<path>". POSIX sh, find,
 * wc and sha256sum: what a busybox or distro image has. The root is an argument, never interpolated.
 */
export const MANIFEST_SCRIPT =
  'cd "$1" && find . -type f -exec sh -c \'for f; do printf "%s %s %s\\n" "$(wc -c < "$f" | tr -d " ")" "$(sha256sum "$f" | cut -d" " -f1)" "$f"; done\' sh {} +';

/** Parses the script's output; lines that do not parse are ignored (a file vanishing mid-walk). */
export function parseManifest(text: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+) ([0-9a-f]{64}) \.\/(.+)$/.exec(line);
    if (m) out.push({ size: Number(m[1]), sha256: m[2], path: m[3] });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Takes a manifest by exec in a pod (namespace as given, unmapped). */
export async function takeManifest(
  gw: KubeGateway,
  namespace: string,
  pod: PodChoice,
  root: string,
  timeoutMs: number,
): Promise<FileManifest> {
  const chosen = await choosePod(gw, namespace, pod);
  const r = await execIn(gw, namespace, chosen, ['sh', '-c', MANIFEST_SCRIPT, 'sh', root], timeoutMs);
  if (r.exitCode !== 0)
    throw new Error(`manifest of ${root} in pod ${namespace}/${chosen.name} failed: ${describeExec(r)}`);
  return {
    apiVersion: 'dr-drill/v1',
    kind: 'FileManifest',
    root,
    takenAt: new Date().toISOString(),
    files: parseManifest(r.stdout),
  };
}

/**
 * Whether a relative path matches one of the ignore globs, with bash's glob rules (picomatch): `*` and `?` stay
 * within a segment, `**` crosses them, `{a,b}` braces and `[0-9]` classes work. Dotfiles and dot folders match
 * like any other path: `**\/*.log` that passed over `.cache/x.log` would leave it compared, and reported changed.
 */
export function ignoreMatcher(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch([...globs], { dot: true });
}

/** What differs between an expected and an actual manifest. */
export interface ManifestDiff {
  added: string[];
  removed: string[];
  changed: string[];
  same: number;
}

export function diffManifests(expected: ManifestEntry[], actual: ManifestEntry[], ignore: string[] = []): ManifestDiff {
  const skip = ignoreMatcher(ignore);
  const keep = (e: ManifestEntry) => !skip(e.path);
  const want = new Map(expected.filter(keep).map((e) => [e.path, e]));
  const have = new Map(actual.filter(keep).map((e) => [e.path, e]));
  const d: ManifestDiff = { added: [], removed: [], changed: [], same: 0 };
  for (const [path, e] of want) {
    const a = have.get(path);
    if (!a) d.removed.push(path);
    else if (a.sha256 !== e.sha256 || a.size !== e.size)
      d.changed.push(`${path} (${e.size}→${a.size} bytes${a.sha256 !== e.sha256 ? ', sha256 differs' : ''})`);
    else d.same++;
  }
  for (const path of have.keys()) if (!want.has(path)) d.added.push(path);
  return d;
}

export function describeDiff(d: ManifestDiff): string {
  const list = (xs: string[]) => xs.slice(0, 10).join(', ') + (xs.length > 10 ? `, … ${xs.length - 10} more` : '');
  const parts = [`${d.same} file(s) match`];
  if (d.added.length) parts.push(`${d.added.length} added: ${list(d.added)}`);
  if (d.removed.length) parts.push(`${d.removed.length} removed: ${list(d.removed)}`);
  if (d.changed.length) parts.push(`${d.changed.length} changed: ${list(d.changed)}`);
  return parts.join('; ');
}

function readManifestFile(file: string): FileManifest {
  let m: FileManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as FileManifest;
  } catch (e) {
    throw inputError(
      'MANIFEST_UNREADABLE',
      `checksum manifest ${file} cannot be read: ${describeError(e)}`,
      'write it with dr-drill manifest take',
    );
  }
  if (m?.kind !== 'FileManifest' || !Array.isArray(m.files))
    throw inputError(
      'MANIFEST_INVALID',
      `${file} is not a dr-drill FileManifest`,
      'write it with dr-drill manifest take',
    );
  return m;
}

/**
 * The files under a path of the restored copy match a manifest (path, size, SHA-256), taken from the source
 * just before the drill's backup or stored by `dr-drill manifest take`. Lists added, removed and changed files.
 */
export const checksumProbe: ProbeKind<Spec> = {
  polls: true,
  subject: (p, ctx) =>
    `files under ${p.path} in pod ${ctx.mapNamespace(p.pod.namespace)}/${p.pod.name ?? `[${p.pod.selector}]`}`,

  async beforeBackup(p, ctx): Promise<FileManifest | undefined> {
    if (p.against !== 'source') return undefined;
    try {
      return await takeManifest(ctx.gateway, p.pod.namespace, p.pod, p.path, 120_000);
    } catch (e) {
      throw infraError(
        'CHECKSUM_SOURCE_MANIFEST',
        `probe ${p.name}: ${describeError(e)}`,
        'check that the source pod runs and has sh, find and sha256sum',
      );
    }
  },

  async run(p, ctx, timeoutMs) {
    const subject = this.subject(p, ctx);
    const against = p.against;
    const expected =
      against === 'source' ? (ctx.prepared as FileManifest | undefined) : readManifestFile(against.manifestFile);
    if (!expected)
      return {
        outcome: 'error',
        subject,
        observation: 'no source manifest: it is taken only just before a backup the drill creates',
      };
    const namespace = ctx.mapNamespace(p.pod.namespace);
    return settle(subject, () =>
      pollProbe(
        async (remaining) => {
          const actual = await takeManifest(ctx.gateway, namespace, p.pod, p.path, Math.min(remaining, 120_000));
          const d = diffManifests(expected.files, actual.files, p.ignore);
          const text = `${describeDiff(d)} (against ${against === 'source' ? `the source at ${expected.takenAt}` : against.manifestFile})`;
          // The restore is over: a difference now is the answer, not a state to wait out.
          return {
            state: d.added.length || d.removed.length || d.changed.length ? 'failed' : 'done',
            observation: text,
          };
        },
        p,
        ctx,
        timeoutMs,
      ),
    );
  },
};
