import { expect } from 'chai';
import { compilePlan, createdBackupName, goDuration, mapNamespace } from '../../src/plan/compile.js';
import { AksTarget, ClusterTarget, NamespaceTarget, type Scenario } from '../../src/scenario/schema.js';
import { isDrillError, type DrillError } from '../../src/util/errors.js';

const ID = 'abcd1234';
const opts = { drillId: ID, file: 'shop.yaml', sha256: 'f'.repeat(64), env: { CTX: 'prod-weu' } };

/** A minimal valid scenario; `with` replaces spec fields. */
function scenario(spec: Partial<Scenario['spec']> = {}, name = 'shop'): Scenario {
  return {
    apiVersion: 'dr-drill/v1',
    kind: 'Scenario',
    metadata: { name },
    spec: {
      objectives: { rto: '10m', rpo: '1h30m' },
      backup: { fromSchedule: 'shop-hourly' },
      target: { namespace: {} },
      probes: [{ name: 'web', kind: 'workload', ref: { kind: 'Deployment', namespace: 'shop', name: 'web' } }],
      ...spec,
    },
  };
}

function refusal(s: Scenario, env: Record<string, string> = opts.env): DrillError {
  try {
    compilePlan(s, { ...opts, env });
  } catch (e) {
    if (isDrillError(e)) return e;
    throw e;
  }
  throw new Error('expected compilePlan to refuse');
}

describe('compilePlan', () => {
  it('fills defaults for a minimal namespace-target scenario', () => {
    const plan = compilePlan(scenario(), opts);
    expect(plan).to.deep.equal({
      drillId: ID,
      scenario: { name: 'shop', file: 'shop.yaml', sha256: 'f'.repeat(64), labels: {}, description: null },
      objectives: { rtoMs: 600_000, rpoMs: 5_400_000 },
      source: { kubeContext: null, veleroNamespace: 'velero' },
      backup: { mode: 'schedule', schedule: 'shop-hourly', maxAgeMs: null },
      target: {
        kind: 'namespace',
        kubeContext: null,
        veleroNamespace: 'velero',
        namespaceSuffix: `-drill-${ID}`,
        isolation: 'strict',
      },
      restore: {
        name: `dr-drill-${ID}`,
        includedNamespaces: null,
        excludedNamespaces: [],
        includedResources: [],
        excludedResources: [],
        labelSelector: null,
        restorePVs: true,
        volumeData: 'checked',
        existingResourcePolicy: 'none',
        timeoutMs: 1_800_000,
        tolerateMaxErrors: null,
        partiallyFailedBackup: 'warn',
      },
      probes: [
        {
          name: 'web',
          kind: 'workload',
          critical: true,
          timeoutMs: 300_000,
          intervalMs: 5_000,
          ref: { kind: 'Deployment', namespace: 'shop', name: 'web' },
        },
      ],
      teardown: { when: 'always', timeoutMs: 300_000 },
      report: { html: false },
    });
    expect(mapNamespace(plan, 'shop')).to.equal(`shop-drill-${ID}`);
  });

  it('tolerate: none tolerates no restore error and makes a PartiallyFailed backup FAIL', () => {
    const plan = compilePlan(scenario({ restore: { tolerate: 'none' } }), opts);
    expect(plan.restore).to.include({ tolerateMaxErrors: null, partiallyFailedBackup: 'fail' });
  });

  it('compiles a created backup, a cluster target and explicit settings', () => {
    const plan = compilePlan(
      scenario({
        source: { kubeContext: '${CTX}', veleroNamespace: 'velero-system' },
        backup: { create: { includedNamespaces: ['shop'], ttl: '2d', timeout: '5m' }, maxAge: '1h' },
        target: { cluster: { kubeContext: 'dr-weu' } },
        restore: { restorePVs: false, timeout: '10m', tolerate: { partiallyFailed: { maxErrors: 2 } } },
        teardown: { when: 'on-pass', timeout: '90s' },
        report: { html: true },
      }),
      opts,
    );
    expect(plan.source).to.deep.equal({ kubeContext: 'prod-weu', veleroNamespace: 'velero-system' });
    expect(plan.backup).to.deep.equal({
      mode: 'create',
      name: `shop-${ID}`,
      includedNamespaces: ['shop'],
      ttl: '48h0m0s',
      storageLocation: null,
      // Not set in the scenario: left to Velero's defaults, as a scheduled backup would be.
      snapshotVolumes: null,
      defaultVolumesToFsBackup: null,
      timeoutMs: 300_000,
      maxAgeMs: 3_600_000,
    });
    expect(plan.target).to.deep.equal({
      kind: 'cluster',
      kubeContext: 'dr-weu',
      veleroNamespace: 'velero-system',
      namespaceSuffix: '',
      isolation: 'none',
    });
    expect(plan.restore.includedNamespaces).to.deep.equal(['shop']);
    expect(plan.restore.restorePVs).to.equal(false);
    expect(plan.restore.timeoutMs).to.equal(600_000);
    expect(plan.restore.tolerateMaxErrors).to.equal(2);
    expect(plan.restore.partiallyFailedBackup, 'a PartiallyFailed backup stays a warning').to.equal('warn');
    expect(plan.teardown).to.deep.equal({ when: 'on-pass', timeoutMs: 90_000 });
    expect(plan.report.html).to.equal(true);
    expect(mapNamespace(plan, 'shop')).to.equal('shop');
  });

  it('target.isolation: a namespace target is strict unless it says none; a cluster target is none unless it says strict; the schema states the same defaults', () => {
    const isolationOf = (target: Scenario['spec']['target']) =>
      compilePlan(scenario({ target }), opts).target.isolation;
    expect(isolationOf({ namespace: {} })).to.equal('strict');
    expect(isolationOf({ namespace: {}, isolation: 'none' })).to.equal('none');
    expect(isolationOf({ cluster: { kubeContext: 'dr' } })).to.equal('none');
    expect(isolationOf({ cluster: { kubeContext: 'dr' }, isolation: 'strict' })).to.equal('strict');
    // What an editor shows from the schema (schemas/scenario.v1.schema.json is generated from these).
    const schemaDefault = (t: { properties: { isolation: { default?: string } } }) => t.properties.isolation.default;
    expect([NamespaceTarget, ClusterTarget, AksTarget].map(schemaDefault)).to.deep.equal(['strict', 'none', 'none']);
  });

  it('defaults a namespace target to the source context and Velero namespace', () => {
    const plan = compilePlan(
      scenario({ source: { kubeContext: 'prod', veleroNamespace: 'vns' }, target: { namespace: { suffix: '-dr' } } }),
      opts,
    );
    expect(plan.target).to.deep.equal({
      kind: 'namespace',
      kubeContext: 'prod',
      veleroNamespace: 'vns',
      namespaceSuffix: '-dr',
      isolation: 'strict',
    });
  });

  it('keeps a created backup name within 63 characters', () => {
    const long = 'a'.repeat(60);
    expect(createdBackupName(long, ID))
      .to.equal(`${'a'.repeat(54)}-${ID}`)
      .and.have.length(63);
    expect(createdBackupName('ab-' + 'c'.repeat(51) + '-xyz', ID)).to.not.match(/--/);
  });

  const ttl: Array<[number, string]> = [
    [90_000, '0h1m30s'],
    [86_400_000, '24h0m0s'],
    [5_400_000, '1h30m0s'],
  ];
  for (const [ms, text] of ttl)
    it(`writes ${ms} ms as ${text} for Velero`, () => expect(goDuration(ms)).to.equal(text));

  describe('refuses', () => {
    const cases: Array<{ name: string; s: Scenario; env?: Record<string, string>; code: string; message: RegExp }> = [
      {
        name: 'a cluster target that is the source context, no suffix (TARGET_IS_SOURCE)',
        s: scenario({ source: { kubeContext: 'prod' }, target: { cluster: { kubeContext: 'prod' } } }),
        code: 'TARGET_IS_SOURCE',
        message: /would overwrite the workload it protects/,
      },
      {
        name: 'the same, reached through an environment variable',
        s: scenario({ source: { kubeContext: '${CTX}' }, target: { cluster: { kubeContext: 'prod-weu' } } }),
        code: 'TARGET_IS_SOURCE',
        message: /prod-weu/,
      },
      {
        name: 'a namespace target whose suffix resolves to nothing',
        s: scenario({ target: { namespace: { suffix: '${EMPTY}' } } }),
        env: { EMPTY: '' },
        code: 'TARGET_IS_SOURCE',
        message: /no namespace suffix/,
      },
      {
        name: 'a mapped namespace longer than 63 characters',
        s: scenario({
          restore: { includedNamespaces: ['n'.repeat(50)] },
          probes: [],
          target: { namespace: { suffix: '-drill-{{drillId}}' } },
        }),
        code: 'TARGET_NAMESPACE_INVALID',
        message: new RegExp(`"${'n'.repeat(50)}-drill-${ID}" is not a valid namespace name`),
      },
      {
        name: 'a suffix that makes no DNS label',
        s: scenario({ target: { namespace: { suffix: '_DR' } } }),
        code: 'TARGET_NAMESPACE_INVALID',
        message: /"shop_DR"/,
      },
      {
        name: 'two lengths for the evidence immutability policy (immutableFor and immutability.days)',
        s: scenario({
          report: {
            upload: { container: 'ev', connectionString: 'x', immutableFor: '30d', immutability: { days: 90 } },
          },
        }),
        code: 'UPLOAD_TWO_LENGTHS',
        message: /spec\.report\.upload: immutableFor \(30d\) and immutability\.days \(90\) both set the policy length/,
      },
      {
        name: 'unset environment variables, all of them',
        s: scenario({ source: { kubeContext: '${A}' }, backup: { name: '${B}' } }),
        env: {},
        code: 'SCENARIO_ENV_UNSET',
        message:
          /2 unset environment variables\n.*spec.backup.name: environment variable B is not set.*\n.*spec.source.kubeContext: environment variable A/,
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const e = refusal(c.s, c.env);
        expect(e.code).to.equal(c.code);
        expect(e.category).to.equal('input');
        expect(e.message).to.match(c.message);
      });
    }
  });

  it('an evidence upload is Unlocked for 365 days unless the scenario says Locked, and for how long', () => {
    const upload = (u: object) =>
      compilePlan(scenario({ report: { upload: { container: 'ev', connectionString: 'x', ...u } } }), opts).report
        .upload!;
    expect(upload({})).to.include({ immutabilityMode: 'Unlocked', immutableForMs: 365 * 86_400_000 });
    expect(upload({ immutability: { lock: true } })).to.include({
      immutabilityMode: 'Locked',
      immutableForMs: 365 * 86_400_000,
    });
    expect(upload({ immutability: { days: 7, lock: true } })).to.include({
      immutabilityMode: 'Locked',
      immutableForMs: 7 * 86_400_000,
    });
    expect(upload({ immutableFor: '30d' })).to.include({
      immutabilityMode: 'Unlocked',
      immutableForMs: 30 * 86_400_000,
    });
  });

  it('allows a cluster target in the source context with a suffix', () => {
    const plan = compilePlan(
      scenario({
        source: { kubeContext: 'prod' },
        target: { cluster: { kubeContext: 'prod', namespaceSuffix: '-dr' } },
      }),
      opts,
    );
    expect(mapNamespace(plan, 'shop')).to.equal('shop-dr');
  });
});
