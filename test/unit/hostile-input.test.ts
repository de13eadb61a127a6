/**
 * Hostile input is invalid input (docs/reliability.md): crafted scenarios end as exit 2 with file:line:col,
 * keys named like Object.prototype members stay data, and everything read back is bounded.
 */
import { expect } from 'chai';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkScenarioText, formatProblem, interpolate, loadScenario } from '../../src/scenario/index.js';
import { SCENARIO_LIMITS } from '../../src/scenario/load.js';
import { compilePlan } from '../../src/plan/compile.js';
import { partialMatch } from '../../src/probes/match.js';
import { checkJson } from '../../src/probes/expect.js';
import { redactDeep } from '../../src/util/redact.js';
import { CappedOutput } from '../../src/kube/capped-output.js';
import { reportFolder } from '../../src/report/folder.js';
import { readHistory } from '../../src/report/history.js';
import { verifyReportFolder } from '../../src/evidence/verify-folder.js';
import { runCli } from '../support/run-cli.js';

/** A valid scenario; `meta` goes under metadata, `probe` under the one probe. */
const scenario = (meta = '', probe = '') => `apiVersion: dr-drill/v1
kind: Scenario
metadata:
  name: shop
${meta}spec:
  objectives:
    rto: 10m
    rpo: 1h
  backup:
    fromSchedule: shop-hourly
  target:
    namespace: {}
  probes:
    - name: cm
      kind: resource
      ref: { apiVersion: v1, kind: ConfigMap, namespace: shop, name: web }
${probe}`;

const lines = (text: string, file = 's.yaml') => checkScenarioText(text, file).problems.map(formatProblem);
const tmp = () => mkdtempSync(join(tmpdir(), 'dr-drill-hostile-'));

/** 70 nested block maps under the probe's `match`, each on its own line. */
function deepBlock(levels: number): string {
  let s = '      match:\n';
  for (let i = 0; i < levels; i++) s += `${' '.repeat(8 + 2 * i)}k${i}:\n`;
  return `${s}${' '.repeat(8 + 2 * levels)}v: 1\n`;
}

describe('hostile input', () => {
  describe('crafted scenario files end as problems with file:line:col', () => {
    // `expected` as a pattern where the parser's own stack depth decides the column.
    const cases: Array<{ name: string; text: string; expected: string[] | RegExp }> = [
      {
        name: 'YAML alias bomb (billion laughs)',
        text: scenario(
          '  x: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n' +
            '  y: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n' +
            '  z: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n' +
            '  w: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
        ),
        expected: [
          's.yaml:6:10 (root): YAML aliases expand beyond 100 nodes (an alias bomb guard): write the repeated parts out',
        ],
      },
      {
        name: 'alias to an anchor that does not exist',
        text: scenario('  x: *nope\n'),
        expected: ['s.yaml:5:6 (root): YAML: Unresolved alias (the anchor must be set before the alias): nope'],
      },
      {
        name: 'deep flow nesting that overflows the parser',
        text: '['.repeat(1000) + ']'.repeat(1000),
        expected: /^s\.yaml:1:\d+ \(root\): nested more than 64 levels deep: a scenario needs far fewer/,
      },
      {
        name: 'deep block nesting the parser accepts',
        text: scenario('', deepBlock(70)),
        expected: [
          's.yaml:78:129 (root): nested more than 64 levels deep: a scenario needs far fewer (a resource exhaustion guard)',
        ],
      },
      {
        name: '`__proto__` where the schema names the fields',
        text: scenario('', '      __proto__: { critical: false }\n'),
        expected: [
          's.yaml:17:7 spec.probes[0].__proto__: unknown field `__proto__` (expected one of name, critical, timeout, mode, duration, interval, minSuccessRatio, kind, ref, match, minCount)',
        ],
      },
      {
        name: '`constructor` where the schema names the fields',
        text: scenario('', '      constructor: x\n'),
        expected: [
          's.yaml:17:7 spec.probes[0].constructor: unknown field `constructor` (expected one of name, critical, timeout, mode, duration, interval, minSuccessRatio, kind, ref, match, minCount)',
        ],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const got = lines(c.text);
        if (c.expected instanceof RegExp) {
          expect(got).to.have.length(1);
          expect(got[0]).to.match(c.expected);
        } else expect(got).to.deep.equal(c.expected);
      });
    }

    it('deep flow nesting is one problem however much stack the caller has used (a full test run has less left)', () => {
      const text = '['.repeat(1000) + ']'.repeat(1000);
      const withStackUsed = (frames: number): string[] => (frames === 0 ? lines(text) : withStackUsed(frames - 1));
      for (const frames of [0, 500, 1500, 3000, 4500]) {
        const got = withStackUsed(frames);
        expect(got, `${frames} frames used: ${got.length} problems`).to.have.length(1);
        expect(got[0]).to.match(/^s\.yaml:1:\d+ \(root\): nested more than 64 levels deep/);
      }
    });

    it('a file over the size limit is refused before it is parsed', async () => {
      const file = join(tmp(), 'big.yaml');
      writeFileSync(file, scenario('  description: "' + 'x'.repeat(SCENARIO_LIMITS.bytes) + '"\n'));
      const loaded = await loadScenario(file);
      expect(loaded.problems.map(formatProblem)).to.deep.equal([
        `${file}:1:1 (root): the file is larger than 1 MiB, the limit for a scenario`,
      ]);
    });

    it('an endless file (/dev/zero) is read only up to the limit', async () => {
      const loaded = await loadScenario('/dev/zero');
      expect(loaded.problems.map(formatProblem)).to.deep.equal([
        '/dev/zero:1:1 (root): the file is larger than 1 MiB, the limit for a scenario',
      ]);
    });

    it('validate exits 2 on an alias bomb and names the place', async () => {
      const file = join(tmp(), 'bomb.yaml');
      writeFileSync(file, cases[0]!.text);
      const r = await runCli(['validate', file]);
      expect(r.code).to.equal(2);
      expect(r.stdout + r.stderr).to.include(`${file}:6:10 (root): YAML aliases expand beyond 100 nodes`);
    });
  });

  describe('keys named like Object.prototype members are data', () => {
    const text = scenario(
      '  labels:\n    __proto__: x\n    constructor: y\n',
      '      match: { data: { __proto__: { polluted: "1" }, constructor: z } }\n',
    );

    it('survive validation and compilation as own keys, with no prototype change', () => {
      const loaded = checkScenarioText(text, 's.yaml');
      expect(loaded.problems).to.deep.equal([]);
      const plan = compilePlan(loaded.scenario!, {
        drillId: 'abcd1234',
        file: 's.yaml',
        sha256: null,
        env: {},
        locate: loaded.locate,
      });
      const labels = plan.scenario.labels as Record<string, unknown>;
      expect(Object.keys(labels)).to.deep.equal(['__proto__', 'constructor']);
      expect(Object.getPrototypeOf(labels)).to.equal(Object.prototype);
      expect(JSON.stringify(labels)).to.equal('{"__proto__":"x","constructor":"y"}');
      const match = (plan.probes[0] as { match: Record<string, unknown> }).match;
      expect(JSON.stringify(match)).to.equal('{"data":{"__proto__":{"polluted":"1"},"constructor":"z"}}');
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    });

    it('interpolation and redaction keep them', () => {
      const value = JSON.parse('{"__proto__": {"a": "${X}"}, "constructor": "{{drillId}}"}') as object;
      const r = interpolate(value, { env: { X: '1' }, drillId: 'id', file: 's.yaml' });
      expect(JSON.stringify(r.value)).to.equal('{"__proto__":{"a":"1"},"constructor":"id"}');
      const redacted = redactDeep(JSON.parse('{"__proto__": {"password": "hunter2"}}') as object);
      expect(JSON.stringify(redacted)).to.equal('{"__proto__":{"password":"***"}}');
    });

    const matchCases: Array<{ name: string; actual: string; expected: string; result: string | null }> = [
      {
        name: '`__proto__` expected, absent: no match (not Object.prototype)',
        actual: '{"data": {}}',
        expected: '{"data": {"__proto__": {}}}',
        result: 'data.__proto__: expected an object, found nothing',
      },
      {
        name: '`__proto__` expected and present as data: match',
        actual: '{"data": {"__proto__": {"a": 1}}}',
        expected: '{"data": {"__proto__": {"a": 1}}}',
        result: null,
      },
      {
        name: '`constructor` expected, absent: no match (not the Object function)',
        actual: '{"data": {}}',
        expected: '{"data": {"constructor": {}}}',
        result: 'data.constructor: expected an object, found nothing',
      },
    ];
    for (const c of matchCases) {
      it(`match: ${c.name}`, () => {
        expect(partialMatch(JSON.parse(c.actual), JSON.parse(c.expected))).to.equal(c.result);
      });
    }

    it('a JSON path through `constructor` finds nothing rather than a function', () => {
      expect(checkJson('{"a": {}}', { path: 'a.constructor.name', equals: 'Object' })).to.equal(
        'nothing at JSON path a.constructor.name',
      );
      expect(checkJson('{"a": [{"b": 2}]}', { path: 'a.0.b', equals: 2 })).to.equal(null);
    });
  });

  describe('output and files read back are bounded', () => {
    it('exec output past 1 MiB per stream is cut, with a note of how much', () => {
      const out = new CappedOutput();
      const chunk = Buffer.alloc(64 << 10, 'y');
      for (let i = 0; i < 48; i++) out.add(chunk); // 3 MiB
      const text = out.text();
      expect(text.length).to.be.lessThan((1 << 20) + 200);
      expect(text).to.match(/\[output cut at 1 MiB: 2097152 more bytes not kept\]$/);
      const small = new CappedOutput();
      small.add(Buffer.from('ok\n'));
      expect(small.text()).to.equal('ok\n');
    });

    it('report verify and report history refuse a report.json over 64 MiB with a message', () => {
      const dir = tmp();
      const folder = reportFolder(dir, 'shop', new Date('2026-01-01T00:00:00Z'), 'abcd1234');
      writeFileSync(join(folder, 'report.json'), '');
      truncateSync(join(folder, 'report.json'), (64 << 20) + 1); // sparse: no disk used
      const v = verifyReportFolder(folder);
      expect(v.ok).to.equal(false);
      expect(v.problems).to.deep.include({ file: 'report.json', message: 'larger than 64 MiB: not read' });
      const h = readHistory(dir);
      expect(h.drills.map((d) => d.problem)).to.deep.equal(['report.json is larger than 64 MiB: not read']);
    });

    it('report verify refuses a SHA256SUMS over 1 MiB', () => {
      const folder = reportFolder(tmp(), 'shop', new Date('2026-01-01T00:00:00Z'), 'abcd1234');
      writeFileSync(join(folder, 'SHA256SUMS'), '');
      truncateSync(join(folder, 'SHA256SUMS'), (1 << 20) + 1);
      expect(verifyReportFolder(folder).problems).to.deep.include({
        file: 'SHA256SUMS',
        message: 'larger than 1 MiB: not a file dr-drill wrote',
      });
    });
  });
});
