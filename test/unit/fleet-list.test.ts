import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.js';
import { parseSelector } from '../../src/fleet/selector.js';
import { discoverScenarioFiles } from '../../src/fleet/discover.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'scenarios');

function scenario(name: string, labels: Record<string, string>, context = 'dr-drill-primary'): string {
  return [
    'apiVersion: dr-drill/v1',
    'kind: Scenario',
    `metadata: { name: ${name}, labels: ${JSON.stringify(labels)} }`,
    'spec:',
    '  objectives: { rto: 5m, rpo: 2h }',
    `  source: { kubeContext: "${context}" }`,
    '  backup: { fromSchedule: catalog-hourly }',
    '  target: { namespace: { suffix: "-drill-{{drillId}}" } }',
    '  probes:',
    '    - { name: api, kind: workload, ref: { kind: Deployment, namespace: catalog, name: api } }',
    '',
  ].join('\n');
}

function fleetDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dr-drill-fleet-'));
  writeFileSync(join(dir, 'a.yaml'), scenario('a', { team: 'payments' }, '${A_CONTEXT}'));
  writeFileSync(join(dir, 'b.yml'), scenario('b', { team: 'catalog', tier: 'gold' }));
  writeFileSync(join(dir, 'notes.txt'), 'not a scenario');
  mkdirSync(join(dir, 'nested'));
  writeFileSync(join(dir, 'nested', 'c.yaml'), scenario('c', { team: 'payments' }));
  return dir;
}

describe('label selectors', () => {
  const labels = { team: 'payments', tier: 'gold' };
  const cases: { selector: string; matches: boolean }[] = [
    { selector: 'team=payments', matches: true },
    { selector: 'team==payments', matches: true },
    { selector: 'team=catalog', matches: false },
    { selector: 'team=payments,tier=gold', matches: true },
    { selector: 'team=payments,tier!=gold', matches: false },
    { selector: 'owner!=x', matches: true },
    { selector: 'tier', matches: true },
    { selector: '!tier', matches: false },
    { selector: 'owner', matches: false },
  ];
  for (const c of cases)
    it(`${c.selector} ${c.matches ? 'matches' : 'does not match'}`, () =>
      expect(parseSelector(c.selector).matches(labels)).to.equal(c.matches));
  for (const bad of ['', 'team=payments,', '=x', 'a b=c'])
    it(`"${bad}" is an input error`, () => expect(() => parseSelector(bad)).to.throw(/not a label term/));
});

describe('scenario discovery', () => {
  it('a directory means its scenario files, not nested ones, sorted', () => {
    const dir = fleetDir();
    expect(discoverScenarioFiles([dir])).to.deep.equal([join(dir, 'a.yaml'), join(dir, 'b.yml')]);
  });
  it('a glob in the last segment, files, and no duplicates', () => {
    const dir = fleetDir();
    expect(discoverScenarioFiles([join(dir, '*.yaml'), join(dir, 'a.yaml'), join(dir, 'nested/c.yaml')])).to.deep.equal(
      [join(dir, 'a.yaml'), join(dir, 'nested/c.yaml')],
    );
  });
  // Globs in the last segment follow bash's rules (picomatch); a path that exists is taken as written.
  const globCases: { name: string; pattern: string; want: string[] }[] = [
    { name: 'braces', pattern: '{a,b}.y*', want: ['a.yaml', 'b.yml'] },
    { name: 'a character class', pattern: '[b-z].*', want: ['b.yml'] },
    { name: 'a question mark', pattern: '?.yml', want: ['b.yml'] },
    { name: 'a leading dot matched by *', pattern: '*.yaml', want: ['.hidden.yaml', 'a.yaml'] },
    { name: 'an existing file whose name looks like a glob', pattern: '[x].yaml', want: ['[x].yaml'] },
  ];
  for (const c of globCases)
    it(`a glob with ${c.name}`, () => {
      const dir = fleetDir();
      writeFileSync(join(dir, '.hidden.yaml'), scenario('hidden', {}));
      writeFileSync(join(dir, '[x].yaml'), scenario('x', {}));
      writeFileSync(join(dir, 'x.yaml.bak'), 'not a scenario');
      const want = c.name.startsWith('a leading dot') ? [...c.want, '[x].yaml'] : c.want;
      expect(discoverScenarioFiles([join(dir, c.pattern)])).to.deep.equal(want.map((n) => join(dir, n)).sort());
    });
  it('a folder whose name has glob characters is taken as written; a glob above the last segment is refused', () => {
    const dir = join(fleetDir(), 'drills (old) [2]');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), scenario('a', {}));
    expect(discoverScenarioFiles([dir])).to.deep.equal([join(dir, 'a.yaml')]);
    expect(discoverScenarioFiles([join(dir, '*.yaml')])).to.deep.equal([join(dir, 'a.yaml')]);
    expect(() => discoverScenarioFiles([join(dir, '..', 'nest*', 'c.yaml')])).to.throw(/only the last path segment/);
  });
  it('a directory or glob with no scenarios is an input error', () => {
    const dir = fleetDir();
    expect(() => discoverScenarioFiles([join(dir, '*.json')])).to.throw(/holds no scenario files/);
    expect(() => discoverScenarioFiles([join(dir, 'nested', '..', 'nested', 'x*')])).to.throw(/holds no scenario/);
  });
});

describe('dr-drill list', () => {
  it('prints what a CI matrix needs: file, name, labels, contexts, env', async () => {
    const dir = fleetDir();
    const r = await runCli(['list', dir, '--selector', 'team=payments', '--output', 'json']);
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal([
      {
        scenario: join(dir, 'a.yaml'),
        name: 'a',
        labels: { team: 'payments' },
        contexts: ['${A_CONTEXT}'],
        env: ['A_CONTEXT'],
        valid: true,
      },
    ]);
  });
  it('text: one line per scenario', async () => {
    const r = await runCli(['list', fleetDir()]);
    expect(r.code).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.have.length(2);
    expect(r.stdout).to.match(/^a .*team=payments {2}env A_CONTEXT$/m);
  });
  it('an invalid scenario is listed with its problems and exits 2, whatever the selector', async () => {
    const dir = fleetDir();
    writeFileSync(join(dir, 'z.yaml'), 'apiVersion: dr-drill/v1\nkind: Scenario\n');
    const r = await runCli(['list', dir, '-l', 'team=nobody', '-o', 'json']);
    expect(r.code).to.equal(2);
    const rows = JSON.parse(r.stdout) as { scenario: string; valid: boolean; problems: string[] }[];
    expect(rows.map((x) => [x.scenario, x.valid])).to.deep.equal([[join(dir, 'z.yaml'), false]]);
    expect(rows[0]!.problems[0]).to.match(/z\.yaml:\d+:\d+ /);
  });
  it('defaults to the scenarios folder of the repository examples', async () => {
    const r = await runCli(['list', EXAMPLES, '-l', 'schedule=nightly', '-o', 'json']);
    expect((JSON.parse(r.stdout) as { name: string }[]).map((x) => x.name)).to.deep.equal([
      'cross-region',
      'payments-nightly',
    ]);
  });
});

describe('validate --resolve and plan --offline', () => {
  it('validate checks the file as written; --resolve also reports each unset ${ENV} at its line', async () => {
    const file = join(fleetDir(), 'a.yaml');
    expect((await runCli(['validate', file])).code).to.equal(0);
    delete process.env.A_CONTEXT;
    const r = await runCli(['validate', '--resolve', file]);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal(
      `${file}:6:26 spec.source.kubeContext: environment variable A_CONTEXT is not set (used as \${A_CONTEXT})\n`,
    );
    process.env.A_CONTEXT = 'prod';
    try {
      expect((await runCli(['validate', '--resolve', file])).stdout).to.equal(`${file}: valid\n`);
    } finally {
      delete process.env.A_CONTEXT;
    }
  });
  it('--resolve also compiles: a resolved value that breaks a rule is a problem', async () => {
    const dir = fleetDir();
    const file = join(dir, 'url.yaml');
    writeFileSync(
      file,
      readFileSync(join(dir, 'b.yml'), 'utf8') + '  report: { notify: { webhook: "${HOOK_URL}" } }\n',
    );
    process.env.HOOK_URL = 'not-a-url';
    try {
      const r = await runCli(['validate', '--resolve', file]);
      expect(r.code).to.equal(2);
      expect(r.stdout).to.match(/\(root\): spec\.report\.notify\.webhook .*URL/);
    } finally {
      delete process.env.HOOK_URL;
    }
  });
  it('plan --offline compiles without a cluster; an unset ${ENV} is exit 2', async () => {
    const file = join(fleetDir(), 'a.yaml');
    const missing = await runCli(['plan', '--offline', file, '--kubeconfig', '/nonexistent']);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/A_CONTEXT is not set/);
    process.env.A_CONTEXT = 'prod';
    try {
      const r = await runCli(['plan', '--offline', file, '--kubeconfig', '/nonexistent']);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^source +prod, Velero in velero$/m);
    } finally {
      delete process.env.A_CONTEXT;
    }
  });
});
