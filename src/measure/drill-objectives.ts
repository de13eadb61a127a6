/**
 * RTO and RPO of one drill, from what the report recorded: pure, no clock, no I/O. The engine hands in the
 * moments it observed (seconds since T0) and the recovery points it proved; this decides what they measure.
 */
import type { ProbeResultT, Report } from '../report/schema.js';
import { againstObjective, achievedRpo, achievedRto } from './objectives.js';

export interface DrillMeasurements {
  rtoObjectiveSeconds: number;
  rpoObjectiveSeconds: number;
  t0: Date;
  probes: ProbeResultT[];
  /** When the restore produced a usable copy (and after-restore hooks ended), since T0; null: no usable copy. */
  restoreEndedAtSeconds: number | null;
  /** The oldest recovery point the passing canary probes proved; null without one. */
  canaryRecoveryPoint: Date | null;
  /** The scenario has a critical canary probe: without its proof there is no recovery point at all. */
  canaryExpected: boolean;
  backupStart: Date | null;
}

export function measureObjectives(m: DrillMeasurements): {
  rto: Report['rto'];
  rpo: Report['rpo'];
  warnings: string[];
} {
  const warnings: string[] = [];
  const critical = m.probes.filter((p) => p.critical);
  if (!critical.length && m.restoreEndedAtSeconds !== null)
    warnings.push('no critical probes: RTO is measured to the end of the restore, without proof the copy works');
  const rto = achievedRto({
    criticalPassedAtSeconds: critical.map((p) => (p.outcome === 'passed' ? p.passedAtSeconds : null)),
    restoreEndedAtSeconds: m.restoreEndedAtSeconds,
  });
  // A canary read back from the restored copy is the newest data proven present; without a canary probe the
  // backup's start stands in. A scenario whose critical canary found nothing has no proven recovery point at all.
  const basis = m.canaryRecoveryPoint ? ('canary' as const) : m.canaryExpected ? null : ('backup-start' as const);
  const recoveryPoint = m.canaryRecoveryPoint ?? (basis ? m.backupStart : null);
  let rpo: number | null = null;
  try {
    rpo = achievedRpo(m.t0, recoveryPoint);
  } catch {
    rpo = null; // already refused in select-backup as an input error (a canary is never after T0: written before the backup)
  }
  return {
    rto: againstObjective(m.rtoObjectiveSeconds, m.restoreEndedAtSeconds === null ? null : rto),
    rpo: {
      ...againstObjective(m.rpoObjectiveSeconds, rpo),
      basis: rpo === null ? null : basis,
      recoveryPoint: recoveryPoint?.toISOString() ?? null,
    },
    warnings,
  };
}
