/**
 * The verdict is a pure function of the report tree: phases (each with its outcome, reason and effect), probes,
 * the measured objectives. Nothing collected on the side counts, so a report always shows why it says what it says.
 * ERROR beats FAIL beats PASS: when the drill could not exercise recovery, a missed objective says nothing.
 */
import type { Report, VerdictT } from '../report/schema.js';
import { formatSeconds } from '../util/duration.js';

/** The parts of the report the verdict reads. */
export type VerdictTree = Pick<Report, 'phases' | 'probes' | 'rto' | 'rpo'> &
  Partial<Pick<Report, 'blastRadius'>> & {
    restore?: Pick<Report['restore'], 'volumes' | 'volumeData'>;
  };

/** One reason the drill is not PASS, and whether it makes it FAIL or ERROR. */
export interface Finding {
  effect: 'FAIL' | 'ERROR';
  reason: string;
}

/** Each rule reads one part of the tree and says what in it stands against a PASS. */
const RULES: Array<(t: VerdictTree) => Finding[]> = [
  phaseFindings,
  probeFindings,
  volumeFindings,
  objectiveFindings,
  blastRadiusFindings,
];

/** Everything in the tree that stands against a PASS, an unmeasured objective aside. */
export function findings(tree: VerdictTree): Finding[] {
  return RULES.flatMap((rule) => rule(tree));
}

export function deriveVerdict(tree: VerdictTree): { verdict: VerdictT; reasons: string[] } {
  const found = findings(tree);
  const errors = found.filter((f) => f.effect === 'ERROR').map((f) => f.reason);
  const failures = found.filter((f) => f.effect === 'FAIL').map((f) => f.reason);
  if (errors.length) return { verdict: 'ERROR', reasons: [...errors, ...failures] };
  if (failures.length) return { verdict: 'FAIL', reasons: failures };
  const unmeasured = unmeasuredFindings(tree).map((f) => f.reason);
  if (unmeasured.length) return { verdict: 'FAIL', reasons: unmeasured };
  return { verdict: 'PASS', reasons: [] };
}

/** A phase that ended the drill early, or failed in a way that bears on the verdict, carries its effect. */
export function phaseFindings(t: Pick<VerdictTree, 'phases'>): Finding[] {
  const out: Finding[] = [];
  for (const p of t.phases) {
    if (p.outcome === 'interrupted') out.push({ effect: 'ERROR', reason: `drill interrupted during ${p.name}` });
    else if (p.effect) out.push({ effect: p.effect, reason: p.reason ?? `phase ${p.name} ${p.outcome}` });
  }
  return out;
}

/** Only critical probes count: one that failed is FAIL, one that could not look is ERROR; none at all is FAIL. */
export function probeFindings(t: Pick<VerdictTree, 'probes'>): Finding[] {
  const out: Finding[] = [];
  // A PASS needs proof that the copy works; a scenario without a critical probe gives none (validate refuses it).
  if (!t.probes.some((p) => p.critical))
    out.push({ effect: 'FAIL', reason: 'no critical probe: nothing proves the restored copy works' });
  for (const p of t.probes) {
    if (!p.critical) continue;
    if (p.outcome === 'failed')
      out.push({
        effect: 'FAIL',
        reason: `critical probe ${p.name} failed: ${p.subject}: ${p.lastObservation ?? 'no observation'}`,
      });
    if (p.outcome === 'error')
      out.push({
        effect: 'ERROR',
        reason: `critical probe ${p.name} could not run: ${p.lastObservation ?? 'no observation'}`,
      });
  }
  return out;
}

/**
 * A restored volume whose data is not proven back is a FAIL: a database that starts Ready on an empty disk proves
 * nothing. Under `restore.volumeData: metadata-only` the scenario does not ask for data (the report says so).
 */
export function volumeFindings(t: Pick<VerdictTree, 'restore'>): Finding[] {
  if (!t.restore?.volumes || t.restore.volumeData === 'metadata-only') return [];
  return t.restore.volumes
    .filter((v) => !v.dataRestored)
    .map((v) => ({
      effect: 'FAIL' as const,
      reason: `volume data not restored: ${v.namespace}/${v.pvc ?? `${v.pod}/${v.volume}`} (${v.reason})`,
    }));
}

function objectiveFindings(t: Pick<VerdictTree, 'rto' | 'rpo'>): Finding[] {
  const out: Finding[] = [];
  for (const [what, m] of [
    ['RTO', t.rto],
    ['RPO', t.rpo],
  ] as const) {
    if (m.met !== false) continue;
    const achieved = m.achievedSeconds!;
    const uncertainty = m.uncertaintySeconds ?? 0;
    if (achieved <= m.objectiveSeconds)
      out.push({
        effect: 'FAIL',
        reason: `${what} objective met only within measurement uncertainty: achieved ${formatSeconds(achieved)} ± ${formatSeconds(uncertainty)} against ${formatSeconds(m.objectiveSeconds)}`,
      });
    else
      out.push({
        effect: 'FAIL',
        reason: `${what} objective missed: achieved ${formatSeconds(achieved)} against ${formatSeconds(m.objectiveSeconds)} (over by ${formatSeconds(-m.marginSeconds!)})`,
      });
  }
  return out;
}

/**
 * An objective that was not measured leaves the drill without proof. When something else already stands against
 * the PASS, that is the cause and the missing measurement only its consequence, so these come alone.
 */
function unmeasuredFindings(t: Pick<VerdictTree, 'rto' | 'rpo'>): Finding[] {
  const out: Finding[] = [];
  if (t.rto.met === null) out.push({ effect: 'FAIL', reason: 'RTO was not measured: recovery was not proven' });
  if (t.rpo.met === null)
    out.push({ effect: 'FAIL', reason: `RPO was not measured: ${t.rpo.reason ?? 'no recovery point'}` });
  return out;
}

/** Any pre-existing object the drill changed or removed: the drill harmed what it does not own, whatever it proved. */
export function blastRadiusFindings(t: Pick<VerdictTree, 'blastRadius'>): Finding[] {
  return t.blastRadius?.changed.length ? [{ effect: 'ERROR', reason: blastRadiusReason(t.blastRadius) }] : [];
}

export function blastRadiusReason(b: Pick<NonNullable<Report['blastRadius']>, 'changed'> | null): string {
  const changed = b?.changed ?? [];
  const some = changed
    .slice(0, 5)
    .map((c) => `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name} (${c.what})`)
    .join(', ');
  return `the drill changed ${changed.length} object(s) it does not own: ${some}${changed.length > 5 ? ', …' : ''}`;
}
