/** Small formatting helpers shared by the text renderers. */
import { formatSeconds } from '../../util/duration.js';
import type { Report } from '../schema.js';

/** A placeholder for a value that does not exist (the report holds null). */
export const NONE = '—';

/** Seconds as `12m03s`, or NONE. */
export function secs(n: number | null | undefined): string {
  return n === null || n === undefined ? NONE : formatSeconds(n);
}

/**
 * `T0+12m03s`, `T0−0.4s` before T0 (a backup the drill takes completes at T0, after the steps that took it), or
 * NONE. The minus is U+2212, as the offset is written in the docs.
 */
export function sinceT0(n: number | null | undefined): string {
  if (n === null || n === undefined) return NONE;
  return n < 0 ? `T0\u2212${formatSeconds(-n)}` : `T0+${formatSeconds(n)}`;
}

/** One objective (RTO or RPO) reduced to what every renderer prints. */
export interface ObjectiveLine {
  label: 'RTO' | 'RPO';
  objective: string;
  achieved: string;
  /** met / MISSED / not measured. */
  status: string;
  met: boolean | null;
  /** `+17m57s` spare or `-3m00s` over; NONE when not measured. */
  margin: string;
}

/** RTO and RPO lines; the margin falls back to objective − achieved when the report has none. */
export function objectiveLines(report: Report): ObjectiveLine[] {
  return [line('RTO', report.rto), line('RPO', report.rpo)];
}

function line(label: 'RTO' | 'RPO', o: Report['rto']): ObjectiveLine {
  const margin = o.marginSeconds ?? (o.achievedSeconds === null ? null : o.objectiveSeconds - o.achievedSeconds);
  return {
    label,
    objective: formatSeconds(o.objectiveSeconds),
    // The uncertainty is part of the measurement: a reader must never see a bare figure that was judged with it.
    achieved:
      o.achievedSeconds !== null && o.uncertaintySeconds
        ? `${secs(o.achievedSeconds)} ± ${formatSeconds(o.uncertaintySeconds)}`
        : secs(o.achievedSeconds),
    status:
      o.met === null
        ? 'not measured'
        : o.met
          ? 'met'
          : o.achievedSeconds !== null && o.achievedSeconds <= o.objectiveSeconds
            ? 'MISSED (only within uncertainty)'
            : 'MISSED',
    met: o.met,
    margin: margin === null ? NONE : `${margin >= 0 ? '+' : ''}${formatSeconds(margin)}`,
  };
}

/** Velero messages flattened to `where: message` lines (velero, cluster, then namespaces sorted). */
export function messageLines(m: {
  velero: string[];
  cluster: string[];
  namespaces: Record<string, string[]>;
}): string[] {
  const out = [...m.velero.map((s) => `velero: ${s}`), ...m.cluster.map((s) => `cluster: ${s}`)];
  for (const ns of Object.keys(m.namespaces).sort())
    for (const s of m.namespaces[ns]!) out.push(`namespace ${ns}: ${s}`);
  return out;
}

/** Who ran the drill, one line per identity (also used by report.html). */
export function ranByLines(r: Report): string[] {
  const ranBy = r.evidence.ranBy;
  if (!ranBy) return [];
  const out: string[] = [];
  for (const k of ranBy.kube)
    out.push(
      k.error
        ? `Ran by: ${k.cluster} cluster (${k.context}): unknown (${k.error})`
        : `Ran by: ${k.cluster} cluster (${k.context}) authenticated ${k.user ?? 'an unnamed user'}${k.groups.length ? ` (groups ${k.groups.join(', ')})` : ''}`,
    );
  for (const a of ranBy.azure)
    out.push(`Ran by: Azure ${a.use} with ${a.credential}: ${a.principal ?? `unknown (${a.error ?? 'not said'})`}`);
  if (!out.length) out.push('Ran by: not recorded (no cluster or Azure service was asked)');
  return out;
}
