import { randomBytes } from 'node:crypto';
import type { CanaryProbePlan } from '../plan/probe-plan.js';
import type { KubeGateway } from '../kube/gateway.js';
import { infraError } from '../util/errors.js';
import { choosePod, describeExec, execIn } from './exec-client.js';
import { pollProbe, type Attempt } from './poll.js';
import { settle, type ProbeKind, type ProbeResult } from './probe.js';

type Spec = CanaryProbePlan;

/** A marker: when it was written (UTC, whole seconds) and by whom (the drill's nonce, or "heartbeat"). */
export interface CanaryMarker {
  nonce: string;
  time: Date;
}

/** What beforeBackup wrote, handed to run() as ctx.prepared. */
export interface WrittenCanary {
  nonce: string;
  writtenAt: string;
}

/** ConfigMap data keys of markers: marker.<nonce>, value the UTC time. */
export const MARKER_PREFIX = 'marker.';
/** Old drill markers beyond this many are pruned when a new one is written, so the carrier stays small. */
const KEEP_MARKERS = 20;
const CARRIER_LABELS = { 'app.kubernetes.io/managed-by': 'dr-drill', 'dr-drill.io/canary': 'carrier' };

/**
 * Whole seconds, rounded down. Velero's timestamps (and so T0 of a drill-created backup) have second precision;
 * a marker written in the same second as the backup completed must not come out after T0.
 */
export function markerTime(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Markers of a ConfigMap's data; values that are not times are ignored. */
export function markersOfConfigMap(data: Record<string, string> | undefined): CanaryMarker[] {
  return Object.entries(data ?? {})
    .filter(([k]) => k.startsWith(MARKER_PREFIX))
    .map(([k, v]) => ({ nonce: k.slice(MARKER_PREFIX.length), time: new Date(v.trim()) }))
    .filter((m) => !Number.isNaN(m.time.getTime()));
}

/** Markers of a carrier file: lines "<UTC time> <nonce>". */
export function markersOfFile(text: string): CanaryMarker[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 2)
    .map(([t, nonce]) => ({ nonce, time: new Date(t) }))
    .filter((m) => !Number.isNaN(m.time.getTime()));
}

/** The marker the probe wants: the one with `nonce`, else the newest. */
export function pickMarker(markers: CanaryMarker[], nonce: string | undefined): CanaryMarker | null {
  if (nonce !== undefined) return markers.find((m) => m.nonce === nonce) ?? null;
  return [...markers].sort((a, b) => b.time.getTime() - a.time.getTime())[0] ?? null;
}

function carrierName(p: Spec, mapNamespace: (ns: string) => string): string {
  return 'configMap' in p.carrier
    ? `ConfigMap ${mapNamespace(p.carrier.configMap.namespace)}/${p.carrier.configMap.name}`
    : `file ${p.carrier.file.path} in pod ${mapNamespace(p.carrier.file.pod.namespace)}/${p.carrier.file.pod.name ?? `[${p.carrier.file.pod.selector}]`}`;
}

/** Reads the carrier's markers; null when the carrier itself is not there (yet). */
async function readMarkers(
  p: Spec,
  gw: KubeGateway,
  namespace: string,
  remainingMs: number,
): Promise<CanaryMarker[] | null> {
  if ('configMap' in p.carrier) {
    const cm = await gw.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: p.carrier.configMap.name });
    return cm ? markersOfConfigMap(cm.data as Record<string, string> | undefined) : null;
  }
  const f = p.carrier.file;
  const pod = await choosePod(gw, namespace, f.pod);
  const r = await execIn(gw, namespace, pod, ['cat', f.path], Math.min(remainingMs, 60_000));
  if (r.exitCode !== 0) throw new Error(`cannot read ${f.path} in pod ${pod.name}: ${describeExec(r)}`);
  return markersOfFile(r.stdout);
}

/**
 * The canary: the newest data proven present in the restored copy. beforeBackup writes a marker (UTC time and
 * the drill's nonce) into the carrier on the source; run reads it back from the target. A ConfigMap carrier is
 * really backed up and restored by Velero; a file carrier depends on the volume data path.
 */
export const canaryProbe: ProbeKind<Spec> = {
  polls: true,
  subject: (p, ctx) => `canary in ${carrierName(p, ctx.mapNamespace)}`,

  async beforeBackup(p, ctx): Promise<WrittenCanary | undefined> {
    if (p.writer !== 'drill') return undefined;
    const nonce = `${ctx.drillId}-${randomBytes(3).toString('hex')}`;
    const writtenAt = markerTime(ctx.now());
    if ('configMap' in p.carrier) {
      const { namespace, name } = p.carrier.configMap;
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name };
      const cm = await ctx.gateway.get(ref);
      if (!cm) {
        await ctx.gateway.create({
          ...ref,
          metadata: { name, namespace, labels: CARRIER_LABELS },
          data: { [MARKER_PREFIX + nonce]: writtenAt },
        });
      } else {
        const old = markersOfConfigMap(cm.data as Record<string, string> | undefined)
          .filter((m) => m.nonce !== 'heartbeat')
          .sort((a, b) => b.time.getTime() - a.time.getTime())
          .slice(KEEP_MARKERS - 1);
        const prune = Object.fromEntries(old.map((m) => [MARKER_PREFIX + m.nonce, null]));
        await ctx.gateway.mergePatch(ref, { data: { ...prune, [MARKER_PREFIX + nonce]: writtenAt } });
      }
    } else {
      const f = p.carrier.file;
      const pod = await choosePod(ctx.gateway, f.pod.namespace, f.pod);
      // Positional arguments, not interpolation: the path never becomes shell code.
      const r = await execIn(
        ctx.gateway,
        f.pod.namespace,
        pod,
        ['sh', '-c', 'printf "%s %s\\n" "$1" "$2" >> "$3"', 'sh', writtenAt, nonce, f.path],
        60_000,
      );
      if (r.exitCode !== 0) {
        throw infraError(
          'CANARY_WRITE_FAILED',
          `could not append the canary marker to ${f.path} in pod ${f.pod.namespace}/${pod.name}: ${describeExec(r)}`,
          'check that the pod has sh and that the path is on a writable volume',
        );
      }
    }
    return { nonce, writtenAt };
  },

  async run(p, ctx, timeoutMs): Promise<ProbeResult> {
    const subject = this.subject(p, ctx);
    const namespace = ctx.mapNamespace(
      'configMap' in p.carrier ? p.carrier.configMap.namespace : p.carrier.file.pod.namespace,
    );
    const written = ctx.prepared as WrittenCanary | undefined;
    const drillWrites = p.writer === 'drill';
    if (drillWrites && !written && p.nonce === null) {
      return {
        outcome: 'error',
        subject,
        observation: 'the drill wrote no canary marker (it writes one only just before a backup it creates)',
      };
    }
    const nonce = p.nonce ?? written?.nonce;
    let found: CanaryMarker | null = null;
    const result = await settle(subject, () =>
      pollProbe(
        async (remaining): Promise<Attempt> => {
          const markers = await readMarkers(p, ctx.gateway, namespace, remaining);
          if (markers === null)
            return { state: 'waiting', observation: `${carrierName(p, ctx.mapNamespace)} does not exist` };
          found = pickMarker(markers, nonce);
          if (!found) {
            // The restore is over: a carrier without the marker will not grow one. Fail now, not at the timeout.
            const newest = pickMarker(markers, undefined);
            return {
              state: 'failed',
              observation:
                `canary not found: ${nonce ? `no marker ${nonce}` : 'no marker'} in ${carrierName(p, ctx.mapNamespace)}` +
                ` (${markers.length} marker(s)${newest ? `, newest ${newest.nonce} at ${newest.time.toISOString()}` : ''})`,
            };
          }
          return {
            state: 'done',
            observation: `marker ${found.nonce} written ${found.time.toISOString()} is in the restored copy: recovery point`,
          };
        },
        p,
        ctx,
        timeoutMs,
      ),
    );
    const marker = found as CanaryMarker | null;
    return result.outcome === 'passed' && marker ? { ...result, recoveryPoint: marker.time } : result;
  },
};
