/**
 * A builder for complete, schema-valid reports with fixed times and ids, for tests:
 * `aReport().verdict('FAIL', 'RTO missed').rto(2400).probe({ name: 'api', outcome: 'failed' }).build()`.
 * The default is a clean PASS of scenario payments-nightly, drill abcd1234, started 2026-01-01T02:00:00Z.
 * Timestamps derive from the start time at build(), so `startedAt()` moves the whole drill.
 */
import type { PhaseNameT, PhaseReport, ProbeResultT, Report, VerdictT } from '../../src/report/schema.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const PHASES: { name: PhaseNameT; start: number; end: number }[] = [
  { name: 'select-backup', start: 0, end: 2 },
  { name: 'provision-target', start: 2, end: 3 },
  { name: 'prepare-target', start: 3, end: 8 },
  { name: 'restore', start: 8, end: 188 },
  { name: 'verify', start: 188, end: 420 },
  { name: 'teardown', start: 420, end: 450 },
  { name: 'seal', start: 450, end: 451 },
];

const DEFAULT_PROBES: ProbeResultT[] = [
  {
    name: 'api-ready',
    kind: 'workload',
    critical: true,
    outcome: 'passed',
    passedAtSeconds: 300,
    durationSeconds: 112,
    subject: 'Deployment payments-drill-abcd1234/api',
    lastObservation: '3/3 replicas available',
  },
  {
    name: 'orders-table',
    kind: 'exec',
    critical: true,
    outcome: 'passed',
    passedAtSeconds: 420,
    durationSeconds: 232,
    subject: 'Pod payments-drill-abcd1234/postgres-0',
    lastObservation: 'exit 0, stdout "1042"',
  },
];

/** A report builder; every method returns the builder. */
export class ReportBuilder {
  private start = new Date('2026-01-01T02:00:00.000Z');
  private r: Mutable<Report>;
  private phaseOverrides: Partial<Record<PhaseNameT, Partial<PhaseReport>>> = {};
  private probeList: ProbeResultT[] | null = null;

  constructor() {
    this.r = {
      schemaVersion: 2,
      tool: { name: 'dr-drill', version: '0.1.0' },
      drillId: 'abcd1234',
      scenario: {
        name: 'payments-nightly',
        file: 'scenarios/payments-nightly.yaml',
        sha256: 'a'.repeat(64),
        labels: { team: 'payments' },
      },
      verdict: 'PASS',
      reasons: [],
      negativeControl: false,
      negativeControlResult: null,
      startedAt: '',
      endedAt: '',
      t0: '',
      t0Basis: 'drill-start',
      rto: objectOf(420, 1800),
      rpo: { ...objectOf(7200, 93600), basis: 'backup-start', recoveryPoint: '' },
      clocks: {
        source: { offsetSeconds: 0.2, uncertaintySeconds: 0.51, method: 'date-header' },
        target: { offsetSeconds: 0.2, uncertaintySeconds: 0.51, method: 'date-header' },
      },
      source: { kubeContext: 'prod-weu', veleroNamespace: 'velero' },
      target: {
        kind: 'namespace',
        kubeContext: 'prod-weu',
        veleroNamespace: 'velero',
        namespaceMapping: { payments: 'payments-drill-abcd1234' },
        veleroInstall: null,
      },
      backup: {
        name: 'payments-daily-20260101000000',
        phase: 'Completed',
        startTimestamp: '',
        completionTimestamp: '',
        schedule: 'payments-daily',
        storageLocation: 'default',
        takenByDrill: false,
      },
      restore: {
        name: 'dr-drill-abcd1234',
        phase: 'Completed',
        warnings: 0,
        errors: 0,
        failureReason: null,
        validationErrors: [],
        startTimestamp: '',
        completionTimestamp: '',
        queuedSeconds: 4,
        runningSeconds: 176,
        itemsRestored: 42,
        totalItems: 42,
        messages: {
          warnings: { velero: [], cluster: [], namespaces: {} },
          errors: { velero: [], cluster: [], namespaces: {} },
        },
        messagesSource: 'download-request',
        triage: ['Completed: every item was restored.'],
        volumeData: 'checked',
        volumes: [],
      },
      phases: [],
      probes: [],
      teardown: {
        performed: true,
        reason: null,
        deleted: ['Namespace payments-drill-abcd1234', 'Restore velero/dr-drill-abcd1234'],
        leftBehind: [],
      },
      blastRadius: { checked: 3, changed: [], notChecked: [], recordSeconds: 0.2 },
      isolation: {
        mode: 'strict',
        networkPolicies: ['payments-drill-abcd1234/dr-drill-isolation'],
        cronJobsSuspended: ['payments-drill-abcd1234/nightly-settlement'],
        servicesMadeClusterIP: [],
        ingressesLeftOut: ['payments/api'],
        podSecurityLabels: { 'payments-drill-abcd1234': { 'pod-security.kubernetes.io/enforce': 'restricted' } },
        notes: [],
      },
      warnings: [],
      rehearsal: null,
      evidence: {
        previousReportSha256: null,
        previousDrillId: null,
        chainStart: null,
        immutability: null,
        ranBy: null,
        trend: null,
      },
    };
  }

  /** Sets the verdict and (replacing) its reasons. */
  verdict(v: VerdictT, ...reasons: string[]): this {
    this.r.verdict = v;
    this.r.reasons = reasons;
    return this;
  }
  reasons(...reasons: string[]): this {
    this.r.reasons = reasons;
    return this;
  }
  scenario(name: string): this {
    this.r.scenario = { ...this.r.scenario, name };
    return this;
  }
  drillId(id: string): this {
    this.r.drillId = id;
    return this;
  }
  /** Moves the whole drill: every timestamp is relative to this. */
  startedAt(iso: string): this {
    this.start = new Date(iso);
    return this;
  }
  /** Achieved RTO (null: not measured), optionally the objective and uncertainty; met and margin follow. */
  rto(achieved: number | null, objective = this.r.rto.objectiveSeconds, uncertainty = 1): this {
    this.r.rto = objectOf(achieved, objective, uncertainty);
    return this;
  }
  /** Achieved RPO (null: not measured), objective and basis; met and margin follow. */
  rpo(
    achieved: number | null,
    objective = this.r.rpo.objectiveSeconds,
    basis: Report['rpo']['basis'] = achieved === null ? null : 'backup-start',
    uncertainty = 1,
  ): this {
    this.r.rpo = { ...objectOf(achieved, objective, uncertainty), basis, recoveryPoint: achieved === null ? null : '' };
    return this;
  }
  /** Overrides fields of one phase. */
  phase(name: PhaseNameT, fields: Partial<PhaseReport>): this {
    this.phaseOverrides[name] = { ...this.phaseOverrides[name], ...fields };
    return this;
  }
  /** Adds a probe; the first call replaces the two default probes. */
  probe(fields: Partial<ProbeResultT> & { name: string }): this {
    this.probeList ??= [];
    this.probeList.push({
      kind: 'workload',
      critical: true,
      outcome: 'passed',
      passedAtSeconds: 300,
      durationSeconds: 112,
      subject: `Deployment payments-drill-abcd1234/${fields.name}`,
      lastObservation: null,
      ...fields,
    });
    return this;
  }
  noProbes(): this {
    this.probeList = [];
    return this;
  }
  backup(fields: Partial<Report['backup']>): this {
    this.r.backup = { ...this.r.backup, ...fields };
    return this;
  }
  restore(fields: Partial<Report['restore']>): this {
    this.r.restore = { ...this.r.restore, ...fields };
    return this;
  }
  teardown(fields: Partial<Report['teardown']>): this {
    this.r.teardown = { ...this.r.teardown, ...fields };
    return this;
  }
  leftBehind(object: string, reason: string): this {
    this.r.teardown = { ...this.r.teardown, leftBehind: [...this.r.teardown.leftBehind, { object, reason }] };
    return this;
  }
  warning(text: string): this {
    this.r.warnings = [...this.r.warnings, text];
    return this;
  }
  previous(drillId: string, reportSha256: string): this {
    this.r.evidence = { ...this.r.evidence, previousDrillId: drillId, previousReportSha256: reportSha256 };
    return this;
  }
  negativeControl(): this {
    this.r.negativeControl = true;
    return this;
  }
  /** Escape hatch: shallow-overrides top-level fields after everything else. */
  with(fields: Partial<Report>): this {
    this.r = { ...this.r, ...fields };
    return this;
  }

  /** A fresh deep copy of the report. */
  build(): Report {
    const at = (s: number) => new Date(this.start.getTime() + s * 1000).toISOString();
    const r: Mutable<Report> = structuredClone(this.r);
    r.startedAt = at(0);
    r.t0 = at(0);
    r.endedAt = at(451);
    if (r.rpo.recoveryPoint === '')
      r.rpo.recoveryPoint = r.rpo.achievedSeconds === null ? null : at(-r.rpo.achievedSeconds);
    if (r.backup.startTimestamp === '') r.backup.startTimestamp = at(-7200);
    if (r.backup.completionTimestamp === '') r.backup.completionTimestamp = at(-7080);
    if (r.restore.startTimestamp === '') r.restore.startTimestamp = at(12);
    if (r.restore.completionTimestamp === '') r.restore.completionTimestamp = at(188);
    r.phases = PHASES.map((p) => ({
      name: p.name,
      startedAt: at(p.start),
      endedAt: at(p.end),
      durationSeconds: p.end - p.start,
      startSeconds: p.start,
      outcome: 'succeeded' as const,
      reason: null,
      effect: null,
      events: [],
      subphases:
        p.name === 'restore'
          ? [
              { name: 'queued', durationSeconds: 4 },
              { name: 'running', durationSeconds: 176 },
            ]
          : [],
      ...structuredClone(this.phaseOverrides[p.name] ?? {}),
    }));
    r.probes = structuredClone(this.probeList ?? DEFAULT_PROBES);
    return r;
  }
}

function objectOf(achieved: number | null, objective: number, uncertainty = 1): Report['rto'] {
  return {
    objectiveSeconds: objective,
    achievedSeconds: achieved,
    met: achieved === null ? null : achieved + uncertainty <= objective,
    marginSeconds: achieved === null ? null : objective - achieved,
    uncertaintySeconds: achieved === null ? null : uncertainty,
    reason: achieved === null ? 'not measured' : null,
  };
}

/** A clean PASS report builder. */
export function aReport(): ReportBuilder {
  return new ReportBuilder();
}
