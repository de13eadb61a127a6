import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadScenario } from '../../src/scenario/index.js';
import { compileScenarioFile } from '../../src/plan/compile-file.js';

const base = (hooks: unknown[], target: object = { cluster: { kubeContext: 'dr-weu' } }) => ({
  apiVersion: 'dr-drill/v1',
  kind: 'Scenario',
  metadata: { name: 'hooks' },
  spec: {
    objectives: { rto: '30m', rpo: '26h' },
    source: { kubeContext: 'prod-weu' },
    backup: { fromSchedule: 'daily' },
    target,
    probes: [{ name: 'api', kind: 'workload', ref: { kind: 'Deployment', namespace: 'shop', name: 'web' } }],
    hooks,
  },
});

describe('scenario: spec.hooks', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dr-drill-hooks-scn-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (s: object) => {
    const f = join(dir, 's.yaml');
    writeFileSync(f, stringify(s));
    return f;
  };
  const problems = async (s: object) => (await loadScenario(write(s))).problems.map((p) => `${p.path}: ${p.message}`);

  const cases = [
    {
      name: 'a valid set',
      hooks: [
        { name: 'tf', at: 'provision', command: ['terraform', 'apply'], produces: { kubeconfig: 'kc' } },
        { name: 'tm', at: 'after-restore', command: ['az'] },
      ],
      want: [],
    },
    {
      name: 'an unknown point',
      hooks: [{ name: 'x', at: 'before-lunch', command: ['true'] }],
      want: [/spec\.hooks\[0\]\.at: /],
    },
    {
      name: 'an empty command',
      hooks: [{ name: 'x', at: 'after-restore', command: [] }],
      want: [/spec\.hooks\[0\]\.command: /],
    },
    {
      name: 'duplicate names',
      hooks: [
        { name: 'x', at: 'after-restore', command: ['a'] },
        { name: 'x', at: 'after-verify', command: ['b'] },
      ],
      want: [/^spec\.hooks\[1\]\.name: duplicate hook name "x" \(also spec\.hooks\[0\]\)$/],
    },
    {
      name: 'produces outside provision',
      hooks: [{ name: 'x', at: 'before-restore', command: ['a'], produces: { kubeconfig: 'kc' } }],
      want: [/^spec\.hooks\[0\]\.produces: only a provision hook can produce/],
    },
    {
      name: 'two producers',
      hooks: [
        { name: 'x', at: 'provision', command: ['a'], produces: { kubeconfig: 'kc' } },
        { name: 'y', at: 'provision', command: ['a'], produces: { kubeconfig: 'kc' } },
      ],
      want: [/spec\.hooks\[1\]\.produces: only one hook/],
    },
    {
      name: 'onFailure fail at on-teardown',
      hooks: [{ name: 'x', at: 'on-teardown', command: ['a'], onFailure: 'fail' }],
      want: [/spec\.hooks\[0\]\.onFailure: an on-teardown hook never stops teardown/],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await problems(base(c.hooks));
      expect(got.length, got.join('\n')).to.equal(c.want.length);
      c.want.forEach((re, i) => expect(got[i]).to.match(re));
    });
  }

  it('produces needs a cluster target', async () => {
    const got = await problems(
      base([{ name: 'x', at: 'provision', command: ['a'], produces: { kubeconfig: 'kc' } }], {
        namespace: { kubeContext: 'prod-weu' },
      }),
    );
    expect(got).to.deep.equal([
      'spec.hooks[0].produces: a produced kubeconfig needs a cluster target (target.cluster.kubeContext names the context it is routed to)',
    ]);
  });

  it('compiles with defaults; env values never print', async () => {
    const f = write(
      base([
        { name: 'tm', at: 'after-restore', command: ['az', '${ENDPOINT}'], env: { ARM_CLIENT_SECRET: '${SECRET}' } },
        { name: 'd', at: 'on-teardown', command: ['terraform', 'destroy'], timeout: '20m' },
      ]),
    );
    const plan = await compileScenarioFile(f, {
      drillId: 'abcd1234',
      env: { ENDPOINT: 'dr-weu', SECRET: 'very-secret-value' },
    });
    expect(plan.hooks![0]).to.include({
      name: 'tm',
      at: 'after-restore',
      timeoutMs: 600_000,
      onFailure: 'fail',
      workingDir: null,
      produces: null,
    });
    expect(plan.hooks![0]!.command).to.deep.equal(['az', 'dr-weu']);
    expect(plan.hooks![0]!.env.ARM_CLIENT_SECRET!.reveal()).to.equal('very-secret-value');
    expect(plan.hooks![1]).to.include({ timeoutMs: 1_200_000, onFailure: 'warn' });
    expect(JSON.stringify(plan)).to.not.include('very-secret-value');
  });
});
