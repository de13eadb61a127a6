/**
 * The target-namespace and backup-selection checks live once (engine/target-namespaces.ts,
 * engine/backup-choice.ts) and are asked by both `plan` (preflight) and `run` (prepare-target, select-backup); the
 * storage credentials check lives once (plan/storage-plan.ts) for scenarios and flags.
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
import { compilePlan } from '../../src/plan/compile.js';
import { CONNECTION_STRING_ENV } from '../../src/plan/storage-plan.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { isDrillError, type DrillError } from '../../src/util/errors.js';
import { runSecrets } from '../../src/util/secrets.js';
import { openStorage } from '../../src/cli/commands/backups.js';
import { evidenceContainerFromFlags } from '../../src/evidence/verify-uploaded.js';

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

// Storage credentials are checked once (plan/storage-plan.ts storageAuth) for the scenario's two storage blocks and
// the two commands that take them as flags: each caller refuses both and none with the same code, naming its words.
describe('single-source checks: storage credentials, in a scenario and on the command line', () => {
  afterEach(() => runSecrets.clear());
  const env = { [CONNECTION_STRING_ENV]: 'UseDevelopmentStorage=true' };
  const url = 'https://acct.blob.core.windows.net';
  const callers: { name: string; names: RegExp; open: (given: Given, env: Env) => unknown }[] = [
    {
      name: 'spec.storage',
      names: /spec\.storage\.accountUrl.*spec\.storage\.connectionString/,
      open: (g, e) => compileWith({ storage: { container: 'velero', ...g } }, e),
    },
    {
      name: 'spec.report.upload',
      names: /spec\.report\.upload\.accountUrl.*spec\.report\.upload\.connectionString/,
      open: (g, e) => compileWith({ report: { upload: { container: 'evidence', ...g } } }, e),
    },
    {
      name: 'backups --account-url/--connection-string',
      names: /--account-url.*--connection-string/,
      open: (g, e) =>
        openStorage({ container: 'velero', 'account-url': g.accountUrl, 'connection-string': g.connectionString }, e),
    },
    {
      name: 'report verify --uploaded',
      names: /--account-url.*--connection-string/,
      open: (g, e) => evidenceContainerFromFlags({ container: 'evidence', ...g }, e),
    },
  ];
  for (const c of callers) {
    it(`${c.name}: both ways at once is refused (exit 2), naming both`, () => {
      const e = caught(() => c.open({ accountUrl: url, connectionString: 'UseDevelopmentStorage=true' }, env));
      expect(e.code).to.equal('STORAGE_TWO_CREDENTIALS');
      expect(`${e.message} ${e.hint}`).to.match(c.names);
    });
    it(`${c.name}: neither, and no ${CONNECTION_STRING_ENV}, is refused (exit 2), naming both and the variable`, () => {
      const e = caught(() => c.open({}, {}));
      expect(e.code).to.equal('STORAGE_NO_CREDENTIALS');
      expect(e.hint).to.match(c.names).and.to.include(CONNECTION_STRING_ENV);
    });
    it(`${c.name}: neither, with ${CONNECTION_STRING_ENV} set, reads the variable`, () => {
      expect(() => c.open({}, env)).to.not.throw();
    });
  }
});

type Given = { accountUrl?: string; connectionString?: string };
type Env = Record<string, string>;

/** A storage-only scenario (no source, a cluster target) with `spec` added, compiled. */
function compileWith(spec: Partial<Scenario['spec']>, env: Env): DrillPlan {
  const s: Scenario = {
    apiVersion: 'dr-drill/v1',
    kind: 'Scenario',
    metadata: { name: 'shop' },
    spec: {
      objectives: { rto: '10m', rpo: '1h' },
      backup: { fromSchedule: 'shop-hourly' },
      target: { cluster: { kubeContext: 'dr' } },
      probes: [{ name: 'web', kind: 'workload', ref: { kind: 'Deployment', namespace: 'shop', name: 'web' } }],
      ...spec,
    },
  };
  return compilePlan(s, { drillId: 'd1', file: 'shop.yaml', sha256: 'f'.repeat(64), env });
}

function caught(f: () => unknown): DrillError {
  try {
    f();
  } catch (e) {
    if (isDrillError(e) && e.category === 'input') return e;
    throw e;
  }
  throw new Error('expected an input error, got none');
}
