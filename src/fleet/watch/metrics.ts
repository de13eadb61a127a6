/**
 * The Prometheus metrics `watch` serves (prom-client, its own registry). Per scenario: the last verdict, the
 * last passing drill (its verdict; the watcher verifies no evidence), the achieved RTO/RPO of the last drill
 * that measured them with their objectives and margins (objective − achieved − uncertainty: what the verdict
 * compares, so a margin below zero is a missed objective), and drills by verdict. They are set from the report
 * folders, the record that survives a restart, so a restarted watcher serves the same values.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Report } from '../../report/schema.js';
import { readHistory } from '../../report/history.js';

const VERDICTS = ['PASS', 'FAIL', 'ERROR'] as const;

/** The Prometheus metrics of `watch`: per scenario the last verdict, achieved RTO/RPO, objectives and margins, drills run; the queue and its dropped triggers. */
export class WatchMetrics {
  readonly registry = new Registry();
  private readonly lastVerdict = new Gauge({
    name: 'dr_drill_last_verdict',
    help: 'Verdict of the last drill of the scenario: 1 for its verdict, 0 for the others.',
    labelNames: ['scenario', 'verdict'],
    registers: [this.registry],
  });
  private readonly lastDrill = new Gauge({
    name: 'dr_drill_last_drill_timestamp_seconds',
    help: 'Start of the last drill of the scenario (Unix time).',
    labelNames: ['scenario'],
    registers: [this.registry],
  });
  private readonly lastPass = new Gauge({
    name: 'dr_drill_last_pass_timestamp_seconds',
    help: 'Start of the newest drill of the scenario whose verdict is PASS (Unix time; 0: none yet). Its evidence is not verified by the watcher: report history --trusted-keys says which drills are authenticated.',
    labelNames: ['scenario'],
    registers: [this.registry],
  });
  private readonly achieved = new Gauge({
    name: 'dr_drill_achieved_seconds',
    help: 'Achieved RTO or RPO of the last drill of the scenario that measured it.',
    labelNames: ['scenario', 'objective'],
    registers: [this.registry],
  });
  private readonly objective = new Gauge({
    name: 'dr_drill_objective_seconds',
    help: 'RTO or RPO objective of the scenario as of its last drill.',
    labelNames: ['scenario', 'objective'],
    registers: [this.registry],
  });
  private readonly margin = new Gauge({
    name: 'dr_drill_margin_seconds',
    help: 'Objective minus achieved minus its measurement uncertainty, as of the last drill that measured it; below 0 the objective was missed.',
    labelNames: ['scenario', 'objective'],
    registers: [this.registry],
  });
  private readonly drills = new Counter({
    name: 'dr_drill_drills_total',
    help: 'Drills this watcher ran, by scenario and verdict.',
    labelNames: ['scenario', 'verdict'],
    registers: [this.registry],
  });
  readonly queued = new Gauge({
    name: 'dr_drill_watch_queued_drills',
    help: 'Scenarios waiting for a drill slot.',
    registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: 'dr_drill_watch_dropped_triggers_total',
    help: 'Completed backups that started no drill because the queue was full.',
    labelNames: ['scenario'],
    registers: [this.registry],
  });
  readonly backups = new Counter({
    name: 'dr_drill_watch_completed_backups_total',
    help: 'Completed backups of a watched schedule seen, by scenario.',
    labelNames: ['scenario'],
    registers: [this.registry],
  });

  constructor(private readonly reportDir: string) {}

  /** Sets a scenario's gauges from its report folders (at start, and after each drill). */
  refresh(scenario: string): void {
    const h = readHistory(this.reportDir, { scenario });
    const last = h.drills.find((d) => d.verdict !== null);
    if (last?.verdict) {
      for (const v of VERDICTS) this.lastVerdict.set({ scenario, verdict: v }, v === last.verdict ? 1 : 0);
      this.lastDrill.set({ scenario }, Date.parse(last.startedAt) / 1000);
    }
    // 0 for a scenario that never passed: `time() - metric > 48h` then alerts on it too, where a missing series would
    // not. Named for what it is: the watcher holds no trusted key and verifies no folder, so a PASS here is the
    // report's word; report history --trusted-keys is the authenticated answer (docs/evidence.md).
    const pass = h.lastPass[scenario] ?? null;
    this.lastPass.set({ scenario }, pass ? Date.parse(pass.startedAt) / 1000 : 0);
  }

  /** A drill this watcher ran ended. */
  recordDrill(report: Report): void {
    const scenario = report.scenario.name;
    this.drills.inc({ scenario, verdict: report.verdict });
    for (const [objective, m] of [
      ['rto', report.rto],
      ['rpo', report.rpo],
    ] as const) {
      if (!m || m.achievedSeconds === null) continue;
      this.achieved.set({ scenario, objective }, m.achievedSeconds);
      this.objective.set({ scenario, objective }, m.objectiveSeconds);
      this.margin.set({ scenario, objective }, m.objectiveSeconds - m.achievedSeconds - (m.uncertaintySeconds ?? 0));
    }
    this.refresh(scenario);
  }

  /** A scenario the watcher drills: its series exist (at 0) before its first drill, so alerts see it. */
  declare(scenario: string): void {
    for (const v of VERDICTS) this.drills.inc({ scenario, verdict: v }, 0);
    this.refresh(scenario);
  }
}
