/**
 * RTO and RPO of one drill, from what the report recorded: pure, no clock, no I/O. The engine hands in the
 * moments it observed (seconds since T0), the timestamps it compared and on which clock each was taken; this
 * decides what they measure and how far each measurement may be off.
 */
import type { ProbeResultT, Report } from '../report/schema.js';
import { formatSeconds } from '../util/duration.js';
import { difference, type ClockOffsetT, type Stamp } from './clock-offset.js';
import { againstObjective, achievedRto } from './objectives.js';

/** What the report recorded that RTO and RPO are computed from: the objectives and the recorded timestamps. */
export interface DrillMeasurements {
  rtoObjectiveSeconds: number;
  rpoObjectiveSeconds: number;
  /** T0 as recorded: the drill's start or --disaster-at (runner), or the backup's completionTimestamp (cluster). */
  t0: Stamp;
  /** When the drill saw the backup it took complete (runner clock): the monotonic T0 is this moment. */
  t0ObservedAt: Date | null;
  /** The source cluster's clock against the runner's; null when it could not be read. */
  sourceClock: ClockOffsetT | null;
  probes: ProbeResultT[];
  /**
   * How long after the copy was ready a critical probe that polls may have seen it: the longest time from a
   * probe's previous look (or the start of its passing look) to its pass (0 when all watch).
   */
  probeLatencySeconds: number;
  /** When the restore produced a usable copy (and after-restore hooks ended), since T0; null: no usable copy. */
  restoreEndedAtSeconds: number | null;
  /** The oldest recovery point the passing canary probes proved; null without one. */
  canaryRecoveryPoint: Stamp | null;
  /** The scenario has a critical canary probe: without its proof there is no recovery point at all. */
  canaryExpected: boolean;
  backupStart: Date | null;
  /**
   * Time between T0 and recovery the drill spent on its own proof work (the blast-radius record before the
   * Restore): not recovery, so left out of the achieved RTO and reported apart.
   */
  notRecoverySeconds?: number;
}

/** RTO and RPO as measured against their objectives, and what made a measurement uncertain. */
export interface DrillObjectives {
  rto: Report['rto'];
  rpo: Report['rpo'];
  warnings: string[];
  /** The recovery point lies after T0 beyond what the clocks can explain: bad input (--disaster-at), exit 2. */
  inputProblem: boolean;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const s = (x: number) => `${r3(x)} s`;

export function measureObjectives(m: DrillMeasurements): DrillObjectives {
  const warnings: string[] = [];
  const critical = m.probes.filter((p) => p.critical);
  if (!critical.length && m.restoreEndedAtSeconds !== null)
    warnings.push('no critical probes: RTO is measured to the end of the restore, without proof the copy works');
  if (!m.sourceClock && (m.t0.clock === 'source' || m.backupStart || m.canaryRecoveryPoint?.clock === 'source'))
    warnings.push(
      "the source cluster's clock could not be read against the runner's: times from both are compared as they are",
    );
  return { rto: measureRto(m, critical), ...measureRpo(m), warnings };
}

function measureRto(m: DrillMeasurements, critical: ProbeResultT[]): Report['rto'] {
  const lived = achievedRto({
    criticalPassedAtSeconds: critical.map((p) => (p.outcome === 'passed' ? p.passedAtSeconds : null)),
    restoreEndedAtSeconds: m.restoreEndedAtSeconds,
  });
  const rto = lived === null ? null : Math.max(0, lived - (m.notRecoverySeconds ?? 0));
  if (m.restoreEndedAtSeconds === null || rto === null)
    return againstObjective(
      m.rtoObjectiveSeconds,
      null,
      0,
      'recovery was not achieved: no usable restore, or a critical probe did not pass',
    );
  const parts: string[] = [];
  let uncertainty = 0;
  if (m.t0.clock === 'source' && m.t0ObservedAt) {
    // The monotonic T0 is when the drill saw the backup complete; Velero completed it up to this much earlier.
    const seen = difference({ at: m.t0ObservedAt, clock: 'runner', resolutionSeconds: 0 }, m.t0, m.sourceClock);
    const delay = Math.max(0, seen.seconds) + seen.uncertaintySeconds;
    uncertainty += delay;
    parts.push(
      `T0 observed ${s(Math.max(0, seen.seconds))} after the backup's completionTimestamp (± ${s(seen.uncertaintySeconds)})`,
    );
  }
  if (m.probeLatencySeconds > 0) {
    uncertainty += m.probeLatencySeconds;
    parts.push(
      `probe detection latency up to ${s(m.probeLatencySeconds)} (a polling probe's pass after its previous look)`,
    );
  }
  return againstObjective(
    m.rtoObjectiveSeconds,
    rto,
    uncertainty,
    parts.length ? `uncertainty: ${parts.join('; ')}` : null,
  );
}

function measureRpo(m: DrillMeasurements): { rpo: Report['rpo']; inputProblem: boolean } {
  // A canary read back from the restored copy is the newest data proven present; without a canary probe the
  // backup's start stands in. A scenario whose critical canary found nothing has no proven recovery point at all.
  const basis = m.canaryRecoveryPoint ? ('canary' as const) : m.canaryExpected ? null : ('backup-start' as const);
  const point: Stamp | null =
    m.canaryRecoveryPoint ??
    (basis && m.backupStart ? { at: m.backupStart, clock: 'source', resolutionSeconds: 1 } : null);
  const unmeasured = (reason: string, inputProblem = false) => ({
    rpo: { ...againstObjective(m.rpoObjectiveSeconds, null, 0, reason), basis: null, recoveryPoint: null },
    inputProblem,
  });
  if (!point)
    return unmeasured(
      basis === null
        ? 'no recovery point proven: the critical canary probe read no marker back from the restored copy'
        : 'no recovery point: the backup has no startTimestamp',
    );
  const d = difference(m.t0, point, m.sourceClock);
  const recoveryPoint = point.at.toISOString();
  const clocks = d.unmeasuredOffset ? "; the cluster's clock was not compared with the runner's" : '';
  if (d.seconds < 0 && -d.seconds > d.uncertaintySeconds)
    return unmeasured(
      `the recovery point ${recoveryPoint} is ${formatSeconds(-d.seconds)} after T0, beyond the measurement uncertainty of ${s(d.uncertaintySeconds)}: an RPO cannot be negative (check --disaster-at, or the clock of the canary's writer)`,
      true,
    );
  const within = d.seconds < 0;
  const reason = within
    ? `the recovery point is ${s(-d.seconds)} after T0, within the measurement uncertainty: RPO 0 ± ${s(d.uncertaintySeconds)}${clocks}`
    : `uncertainty: timestamp resolution${point.clock !== m.t0.clock && m.sourceClock ? ' and the clock offset' : ''}${clocks}`;
  return {
    rpo: {
      ...againstObjective(m.rpoObjectiveSeconds, within ? 0 : d.seconds, d.uncertaintySeconds, reason),
      basis,
      recoveryPoint,
    },
    inputProblem: false,
  };
}
