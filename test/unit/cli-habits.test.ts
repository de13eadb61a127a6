/**
 * Scenario-file habits of a native CLI (issue 16 item 2): editor support through `$schema` and the modeline,
 * readable errors for files that are not one YAML scenario, and duration bounds.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { checkScenarioText, formatProblem } from '../../src/scenario/index.js';
import { DURATION_FIELDS } from '../../src/scenario/duration-checks.js';
import { DURATION_PATTERN } from '../../src/util/duration.js';
import { runCli } from '../support/run-cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const example = readFileSync(join(ROOT, 'scenarios', 'namespace-mapping.yaml'), 'utf8');
const MODELINE = /^# yaml-language-server: \$schema=(\S+)$/;

/** The problems of a scenario text, one formatted line each. */
const problems = (text: string, file = 's.yaml') => checkScenarioText(text, file).problems.map(formatProblem);

describe('scenario files: editor support', () => {
  const examples = readdirSync(join(ROOT, 'scenarios')).filter((f) => /\.ya?ml$/.test(f));
  for (const f of examples) {
    it(`${f} starts with the yaml-language-server modeline naming the published schema`, () => {
      const first = readFileSync(join(ROOT, 'scenarios', f), 'utf8').split('\n')[0]!;
      const m = MODELINE.exec(first);
      expect(m, first).to.not.equal(null);
      expect(resolve(ROOT, 'scenarios', m![1]!)).to.equal(join(ROOT, 'schemas', 'scenario.v1.schema.json'));
    });
  }
  it('the catalog overlay example has the modeline too, and its path resolves', () => {
    const file = join(ROOT, 'deploy', 'overlays', 'catalog', 'scenario.yaml');
    const m = MODELINE.exec(readFileSync(file, 'utf8').split('\n')[0]!);
    expect(m).to.not.equal(null);
    expect(existsSync(resolve(dirname(file), m![1]!))).to.equal(true);
  });

  it('accepts a `$schema` key (the JSON way of naming the schema) and ignores it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-habits-'));
    const file = join(dir, 's.yaml');
    writeFileSync(file, `$schema: ../schemas/scenario.v1.schema.json\n${example}`);
    const r = await runCli(['validate', file]);
    expect(r.stdout + r.stderr).to.contain('valid');
    expect(r.code).to.equal(0);
  });
});

describe('scenario files: readable errors for what is not one YAML scenario', () => {
  const cases = [
    {
      name: 'two documents',
      text: `${example}---\napiVersion: dr-drill/v1\n`,
      expect:
        /s\.yaml:\d+:1 \(root\): a scenario file holds one YAML document; a second one starts here after `---`: put each scenario in a file of its own$/,
    },
    {
      name: 'a Markdown file',
      text: '# Runbook\n\nRestore the shop: first\n- scale down\n',
      expect:
        /^s\.yaml:4:1 \(root\): not a YAML scenario \(.+\): a scenario is one YAML or JSON mapping that starts with apiVersion: dr-drill\/v1$/,
    },
    {
      name: 'plain text',
      text: 'just some notes about the drill\n',
      expect:
        /^s\.yaml:1:1 \(root\): expected a scenario \(a mapping that starts with apiVersion: dr-drill\/v1\), got plain text$/,
    },
    {
      name: 'a binary file',
      text: '\u007fELF\u0002\u0001\u0001\u0000\u0000\u0000garbage',
      expect: /^s\.yaml:1:1 \(root\): not a text file \(it holds NUL bytes\): expected a YAML or JSON scenario$/,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const p = problems(c.text);
      expect(p, p.join('\n')).to.have.length(1);
      expect(p[0]).to.match(c.expect);
      expect(p[0]).not.to.match(/parseAllDocuments|YAML\.|\\u0000/);
    });

  it('a YAML scenario with a syntax error still gets every syntax problem, located', () => {
    const p = problems(example.replace('kind: Scenario', 'kind: Scenario\n  bad: [unclosed'));
    expect(p.length).to.be.greaterThan(0);
    expect(p.every((l) => l.includes('YAML syntax'))).to.equal(true);
  });
});

describe('scenario files: duration bounds', () => {
  const withLine = (from: string, to: string) => {
    expect(example, from).to.contain(from);
    return example.replace(from, to);
  };
  const cases = [
    {
      name: 'rto: 0s',
      text: withLine('rto: 5m', 'rto: 0s'),
      expect: /spec\.objectives\.rto: expected a duration above 0, got "0s"/,
    },
    {
      name: 'a restore timeout of 0s',
      text: withLine('timeout: 5m', 'timeout: 0s'),
      expect: /timeout: expected a duration above 0, got "0s"/,
    },
    {
      name: 'a timer of 99999999999d',
      text: withLine('timeout: 5m', 'timeout: 99999999999d'),
      expect: /timeout: expected at most 24d, got "99999999999d" .*does not fit a timer/,
    },
    {
      name: 'a timer of 25d',
      text: withLine('timeout: 5m', 'timeout: 25d'),
      expect: /expected at most 24d, got "25d"/,
    },
  ];
  for (const c of cases)
    it(`refuses ${c.name}`, () => {
      const p = problems(c.text);
      expect(p.join('\n')).to.match(c.expect);
    });

  it('accepts 24d for a timer, and long retention periods', () => {
    expect(problems(withLine('timeout: 5m', 'timeout: 24d'))).to.deep.equal([]);
    expect(problems(withLine('rpo: 2h', 'rpo: 400d'))).to.deep.equal([]);
  });

  it('leaves a `timeout` key in a free-form map alone', () => {
    const text = withLine('team: catalog', 'team: catalog\n    timeout: "0s"');
    expect(problems(text)).to.deep.equal([]);
  });

  it('knows every duration field of the published schema as a timer or a period', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'scenario.v1.schema.json'), 'utf8')) as unknown;
    const keys = new Set<string>();
    const walk = (n: unknown, key: string | null): void => {
      if (Array.isArray(n)) n.forEach((x) => walk(x, key));
      else if (n !== null && typeof n === 'object') {
        const o = n as Record<string, unknown>;
        if (o.pattern === DURATION_PATTERN && key !== null) keys.add(key);
        for (const [k, v] of Object.entries(o)) {
          if (k === 'properties') for (const [pk, pv] of Object.entries(v as object)) walk(pv, pk);
          else walk(v, key);
        }
      }
    };
    walk(schema, null);
    expect([...keys].sort()).to.deep.equal(Object.keys(DURATION_FIELDS).sort());
  });
});
