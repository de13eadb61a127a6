/**
 * The target-namespace and backup-selection checks live once (engine/target-namespaces.ts,
 * engine/backup-choice.ts) and are asked by both `plan` (preflight) and `run` (prepare-target, select-backup).
 * Each case makes both refuse the same plan, with the same words: if one caller lost its check, or grew a
 * different one, a case fails.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DrillPlan } from '../../src/plan/types.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { preflight } from '../../src/engine/preflight.js';
import { systemClock } from '../../src/util/clock.js';
import type { MemoryGateway } from '../support/memory-gateway.js';
import type { VeleroSim } from '../support/velero-sim.js';
import { paymentsCluster } from '../support/payments-cluster.js';
import { aPlan, HOUR } from '../support/plan-builder.js';

interface Case {
  name: string;
  plan: () => DrillPlan;
  arrange?: (gw: MemoryGateway, sim: VeleroSim) => void;
  /** The preflight line that refuses, and how. */
  check: string;
  status: 'refused' | 'fail' | 'error';
  /** What both say. */
  says: RegExp;
  /** run's verdict and whether it ends as bad input (exit 2). */
  verdict: 'FAIL' | 'ERROR';
  inputProblem: boolean;
}

const cases: Case[] = [
  {
    name: 'target-is-source: a target namespace equal to its source namespace in the same cluster',
    plan: () => aPlan().suffix('').build(),
    check: 'target namespaces free',
    status: 'refused',
    says: /target namespace payments is a source namespace in the same cluster \(prod-weu\)/,
    verdict: 'ERROR',
    inputProblem: true,
  },
  {
    name: 'target-is-source: a target namespace that is another restored source namespace',
    plan: () => {
      const p = aPlan().suffix('-b').build();
      p.restore.includedNamespaces = ['payments', 'payments-b'];
      return p;
    },
    arrange: (gw) => gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments-b' } }),
    check: 'target namespaces free',
    status: 'refused',
    says: /target namespace payments-b is a source namespace in the same cluster/,
    verdict: 'ERROR',
    inputProblem: true,
  },
  {
    name: 'a target namespace left by another drill',
    plan: () => aPlan().build(),
    arrange: (gw) =>
      gw.put({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'payments-drill-abcd1234', labels: { 'dr-drill.io/drill-id': 'old1' } },
      }),
    check: 'target namespaces free',
    status: 'refused',
    says: /target namespace payments-drill-abcd1234 already exists in prod-weu \(left by drill old1\)/,
    verdict: 'ERROR',
    inputProblem: true,
  },
  {
    name: 'backup selection: a named backup that does not exist',
    plan: () => aPlan().backup({ mode: 'name', name: 'nope', maxAgeMs: null }).build(),
    check: 'backup selectable and young enough',
    status: 'fail',
    says: /backup nope does not exist in prod-weu\/velero/,
    verdict: 'FAIL',
    inputProblem: false,
  },
  {
    name: 'backup selection: a named backup Velero cannot restore from (Failed)',
    plan: () => aPlan().backup({ mode: 'name', name: 'broken', maxAgeMs: null }).build(),
    arrange: (_gw, sim) => void sim.seedBackup('broken', { ageMs: HOUR, phase: 'Failed' }),
    check: 'backup selectable and young enough',
    status: 'fail',
    says: /backup broken is Failed, not restorable/,
    verdict: 'FAIL',
    inputProblem: false,
  },
  {
    name: 'backup selection: a schedule with no Completed backup (PartiallyFailed ones skipped, as Velero does)',
    plan: () => aPlan().schedule('payments-hourly').build(),
    arrange: (_gw, sim) =>
      void sim.seedBackup('h1', { ageMs: HOUR, schedule: 'payments-hourly', phase: 'PartiallyFailed' }),
    check: 'backup selectable and young enough',
    status: 'fail',
    says: /no Completed backup of schedule payments-hourly in prod-weu\/velero \(1 backup\(s\) of it found\)/,
    verdict: 'FAIL',
    inputProblem: false,
  },
  {
    name: 'backup age: the newest backup is older than maxAge',
    plan: () => aPlan().schedule('payments-daily', HOUR).build(),
    check: 'backup selectable and young enough',
    status: 'fail',
    says: /no backup young enough: payments-daily-1 started 2h\S* before T0, maxAge is 1h/,
    verdict: 'FAIL',
    inputProblem: false,
  },
];

describe('single-source checks: plan and run refuse the same plans with the same words', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dr-drill-checks-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of cases) {
    it(c.name, async () => {
      const { gw, sim } = await paymentsCluster();
      try {
        c.arrange?.(gw, sim);
        const checks = await preflight(c.plan(), () => gw, new Date());
        const line = checks.find((x) => x.name === c.check);
        expect(line, `preflight line "${c.check}" in ${JSON.stringify(checks)}`).to.not.equal(undefined);
        expect(line!.status).to.equal(c.status);
        expect(line!.detail).to.match(c.says);

        const before = gw.keys();
        const out = await runDrill(c.plan(), {
          clock: systemClock,
          gatewayFor: () => gw,
          reportDir: dir,
          toolVersion: 't',
        });
        expect(out.report.verdict).to.equal(c.verdict);
        expect(out.inputProblem).to.equal(c.inputProblem);
        expect(out.report.reasons.join('\n')).to.match(c.says);
        // Refused before the first write: no Restore, no namespace, nothing of the cluster changed.
        expect(sim.restoresSeen).to.deep.equal([]);
        expect(gw.keys().filter((k) => !before.includes(k) && !/ServerStatusRequest/.test(k))).to.deep.equal([]);
      } finally {
        await sim.stop();
      }
    });
  }
});
