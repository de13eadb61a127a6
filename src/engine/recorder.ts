/**
 * Builds the report tree while the drill runs and journals every step, so that a killed drill still leaves
 * evidence. Times: monotonic for durations and RTO, wall-clock UTC for the record.
 */
import type { Clock } from '../util/clock.js';
import { formatSeconds } from '../util/duration.js';
import type { Journal } from '../report/journal.js';
import { redact } from '../util/redact.js';
import type { PhaseNameT, PhaseOutcomeT, PhaseReport, Report, ReportEventT } from '../report/schema.js';
import { BUILTIN_PHASES } from '../report/phases.js';

/** Receives every event as the drill records it (the live progress display, the journal). */
export type EventListener = (e: {
  phase: PhaseNameT | null;
  level: ReportEventT['level'];
  message: string;
  atSeconds: number;
  /** True while T0 is still to come (the drill takes the backup T0 is measured from): atSeconds counts from the drill start. */
  beforeT0?: boolean;
}) => void;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Writes the report tree as the drill goes: phases, events, probe results, timestamps (runner monotonic clock, T0). */
export class DrillRecorder {
  private readonly startMono: number;
  private t0Mono: number;
  private t0Pending = false;
  private current: { phase: PhaseReport; startMono: number } | null = null;

  constructor(
    readonly report: Report,
    private readonly clock: Clock,
    private readonly journal: Journal | null,
    private readonly listener: EventListener = () => {},
  ) {
    this.startMono = clock.monotonicMs();
    this.t0Mono = this.startMono;
  }

  /**
   * Sets T0 as a point on the monotonic clock, with its wall-clock value and why. `provisional`: a later call
   * fixes it (the backup the drill takes); until then live events are marked as counted from the drill start.
   */
  setT0(t0Mono: number, t0Wall: Date, basis: Report['t0Basis'], provisional = false): void {
    // What was recorded so far counted from the old T0 (the drill start); re-base it so that steps before a T0
    // fixed later (the completion of the backup the drill took) read as negative offsets.
    const shift = (this.t0Mono - t0Mono) / 1000;
    if (shift !== 0) {
      for (const p of this.report.phases) {
        if (p.startSeconds !== null) p.startSeconds = round3(p.startSeconds + shift);
        for (const e of p.events) e.atSeconds = round3(e.atSeconds + shift);
      }
    }
    const wasPending = this.t0Pending;
    this.t0Pending = provisional;
    this.t0Mono = t0Mono;
    this.report.t0 = t0Wall.toISOString();
    this.report.t0Basis = basis;
    this.journal?.append('t0', { t0: this.report.t0, basis });
    if (wasPending && shift < 0) {
      this.listener({
        phase: this.current?.phase.name ?? null,
        level: 'info',
        message: `T0 fixed (${basis}) ${formatSeconds(-shift)} after the drill started: what came before is at T0\u2212…`,
        atSeconds: this.sinceT0(),
      });
    }
  }

  /** Seconds since T0 on the monotonic clock (negative before T0 when T0 is the backup's completion). */
  sinceT0(mono = this.clock.monotonicMs()): number {
    return round3((mono - this.t0Mono) / 1000);
  }

  private stamp(atSeconds: number): { atSeconds: number; beforeT0?: boolean } {
    return this.t0Pending ? { atSeconds, beforeT0: true } : { atSeconds };
  }

  get monotonicT0(): number {
    return this.t0Mono;
  }

  get drillStartMono(): number {
    return this.startMono;
  }

  now(): number {
    return this.clock.monotonicMs();
  }

  startPhase(name: PhaseNameT): void {
    if (this.current) this.endPhase('succeeded');
    const phase = this.report.phases.find((p) => p.name === name)!;
    phase.startedAt = this.clock.now().toISOString();
    phase.startSeconds = this.sinceT0();
    this.current = { phase, startMono: this.clock.monotonicMs() };
    this.journal?.append('phase-started', { phase: name });
    this.listener({ phase: name, level: 'info', message: `phase ${name} started`, ...this.stamp(phase.startSeconds) });
  }

  /** Ends the running phase; `effect` is what its own outcome means for the verdict (null: nothing). */
  endPhase(outcome: PhaseOutcomeT, rawReason: string | null = null, effect: PhaseReport['effect'] = null): void {
    if (!this.current) return;
    const reason = rawReason === null ? null : redact(rawReason);
    const { phase, startMono } = this.current;
    phase.endedAt = this.clock.now().toISOString();
    phase.durationSeconds = round3((this.clock.monotonicMs() - startMono) / 1000);
    phase.outcome = outcome;
    phase.reason = reason;
    phase.effect = effect;
    this.current = null;
    this.journal?.append('phase-ended', { phase: phase.name, outcome, reason, durationSeconds: phase.durationSeconds });
    this.listener({
      phase: phase.name,
      level: outcome === 'failed' ? 'error' : 'info',
      message: `phase ${phase.name} ${outcome}${reason ? `: ${reason}` : ''}`,
      ...this.stamp(this.sinceT0()),
    });
  }

  /** Marks a phase that did not run. */
  skipPhase(name: PhaseNameT, reason: string, effect: PhaseReport['effect'] = null): void {
    const phase = this.report.phases.find((p) => p.name === name)!;
    if (phase.startedAt) return;
    phase.outcome = 'skipped';
    phase.reason = reason;
    phase.effect = effect;
    this.journal?.append('phase-skipped', { phase: name, reason });
  }

  get currentPhase(): PhaseNameT | null {
    return this.current?.phase.name ?? null;
  }

  event(level: ReportEventT['level'], raw: string, data: Record<string, unknown> = {}): void {
    // Masked once here: the report tree, the journal and the listener (console, JSON logs) all get this text.
    const message = redact(raw);
    const atSeconds = this.sinceT0();
    const e: ReportEventT = { at: this.clock.now().toISOString(), atSeconds, level, message };
    this.current?.phase.events.push(e);
    if (level === 'warn') this.report.warnings.push(message);
    this.journal?.append('event', { phase: this.current?.phase.name ?? null, level, message, ...data });
    this.listener({ phase: this.current?.phase.name ?? null, level, message, ...this.stamp(atSeconds) });
  }

  subphase(name: string, durationSeconds: number | null): void {
    this.current?.phase.subphases.push({
      name,
      durationSeconds: durationSeconds === null ? null : round3(durationSeconds),
    });
  }

  journalEntry(type: string, data: Record<string, unknown>): void {
    this.journal?.append(type, data);
  }
}

/** A report skeleton with every key present and nothing measured yet. */

/** A phase that has not run (yet): every time null, outcome skipped. */
export function notRunPhase(name: PhaseReport['name']): PhaseReport {
  return {
    name,
    startedAt: null,
    endedAt: null,
    durationSeconds: null,
    startSeconds: null,
    outcome: 'skipped',
    reason: null,
    effect: null,
    events: [],
    subphases: [],
  };
}

export function emptyReport(init: {
  toolVersion: string;
  drillId: string;
  scenario: Report['scenario'];
  startedAt: Date;
  negativeControl: boolean;
  rtoObjectiveSeconds: number;
  rpoObjectiveSeconds: number;
}): Report {
  const phase = notRunPhase;
  return {
    schemaVersion: 2,
    tool: { name: 'dr-drill', version: init.toolVersion },
    drillId: init.drillId,
    scenario: init.scenario,
    verdict: 'ERROR',
    reasons: [],
    negativeControl: init.negativeControl,
    negativeControlResult: null,
    startedAt: init.startedAt.toISOString(),
    endedAt: null,
    t0: init.startedAt.toISOString(),
    t0Basis: 'drill-start',
    rto: {
      objectiveSeconds: init.rtoObjectiveSeconds,
      achievedSeconds: null,
      met: null,
      marginSeconds: null,
      uncertaintySeconds: null,
      reason: null,
    },
    rpo: {
      objectiveSeconds: init.rpoObjectiveSeconds,
      achievedSeconds: null,
      met: null,
      marginSeconds: null,
      uncertaintySeconds: null,
      reason: null,
      basis: null,
      recoveryPoint: null,
    },
    clocks: { source: null, target: null },
    source: { kubeContext: null, veleroNamespace: null },
    target: { kind: 'namespace', kubeContext: null, veleroNamespace: null, namespaceMapping: {}, veleroInstall: null },
    backup: {
      name: null,
      phase: null,
      startTimestamp: null,
      completionTimestamp: null,
      schedule: null,
      storageLocation: null,
      takenByDrill: false,
    },
    restore: {
      name: null,
      phase: null,
      warnings: null,
      errors: null,
      failureReason: null,
      validationErrors: [],
      startTimestamp: null,
      completionTimestamp: null,
      queuedSeconds: null,
      runningSeconds: null,
      itemsRestored: null,
      totalItems: null,
      messages: null,
      messagesSource: null,
      triage: [],
      crossRegion: null,
      volumeData: 'checked',
      volumes: null,
    },
    phases: BUILTIN_PHASES.map(phase),
    probes: [],
    hooks: [],
    teardown: { performed: false, reason: null, deleted: [], leftBehind: [] },
    blastRadius: null,
    isolation: null,
    warnings: [],
    rehearsal: null,
    evidence: {
      previousReportSha256: null,
      previousDrillId: null,
      previousFrom: null,
      signedBy: null,
      chainStart: null,
      immutability: null,
      ranBy: null,
      trend: null,
    },
  };
}
