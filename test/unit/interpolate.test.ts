import { expect } from 'chai';
import { formatProblem } from '../../src/scenario/problems.js';
import { interpolate, interpolateString, placeholderProblems } from '../../src/scenario/interpolate.js';

describe('interpolateString', () => {
  const env = { CTX: 'prod-weu', EMPTY: '', LOOP: '${CTX}' };
  const cases: Array<{ name: string; in: string; out: string; unset?: string[]; drillId?: string; noEnv?: boolean }> = [
    { name: 'a variable', in: '${CTX}', out: 'prod-weu' },
    { name: 'text around', in: 'ctx-${CTX}-x', out: 'ctx-prod-weu-x' },
    { name: 'an empty variable', in: 'a${EMPTY}b', out: 'ab' },
    { name: 'drill id', in: '-drill-{{drillId}}', out: '-drill-abcd1234', drillId: 'abcd1234' },
    { name: 'drill id with spaces', in: '{{ drillId }}', out: 'abcd1234', drillId: 'abcd1234' },
    { name: 'drill id kept when not given', in: '{{drillId}}', out: '{{drillId}}' },
    { name: 'unset variable kept and reported', in: 'x${NOPE}', out: 'x${NOPE}', unset: ['NOPE'] },
    { name: 'env values are not expanded again', in: '${LOOP}', out: '${CTX}' },
    { name: 'env kept when not resolving', in: '${CTX}', out: '${CTX}', noEnv: true },
    { name: 'a lone dollar', in: 'cost $5', out: 'cost $5' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = interpolateString(c.in, { ...(c.noEnv ? {} : { env }), ...(c.drillId ? { drillId: c.drillId } : {}) });
      expect(r.value).to.equal(c.out);
      expect(r.unset).to.deep.equal(c.unset ?? []);
    });
  }
});

describe('interpolate', () => {
  it('walks objects and lists, keeps keys, and names file, path and variable of unset ones', () => {
    const value = { spec: { source: { kubeContext: '${CTX}' }, list: ['a', '${MISSING}'], n: 5, '${KEY}': 'x' } };
    const r = interpolate(value, { env: { CTX: 'prod' }, drillId: 'abcd1234', file: 's.yaml' });
    expect(r.value).to.deep.equal({
      spec: { source: { kubeContext: 'prod' }, list: ['a', '${MISSING}'], n: 5, '${KEY}': 'x' },
    });
    expect(r.problems.map(formatProblem)).to.deep.equal([
      's.yaml:1:1 spec.list[1]: environment variable MISSING is not set (used as ${MISSING})',
    ]);
  });
});

describe('placeholderProblems', () => {
  const cases: Array<{ name: string; value: string; problem?: string }> = [
    { name: 'well-formed variable', value: '${A_B1}' },
    { name: 'drill id', value: 'x-{{drillId}}' },
    { name: 'lower-case variable', value: '${ctx}', problem: 'malformed variable `${ctx}`' },
    { name: 'variable starting with a digit', value: '${1A}', problem: 'malformed variable `${1A}`' },
    { name: 'empty variable', value: '${}', problem: 'malformed variable `${}`' },
    { name: 'unclosed variable', value: '${CTX', problem: 'unclosed `${`' },
    { name: 'other placeholder', value: '{{scenario}}', problem: 'unknown placeholder `{{scenario}}`' },
    { name: 'wrong case placeholder', value: '{{drillID}}', problem: 'unknown placeholder `{{drillID}}`' },
    { name: 'unclosed placeholder', value: '{{drillId', problem: 'unclosed `{{`' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems = placeholderProblems({ a: [c.value] }, 'f.yaml');
      if (c.problem === undefined) expect(problems).to.deep.equal([]);
      else {
        expect(problems).to.have.length(1);
        expect(problems[0]!.path).to.equal('a[0]');
        expect(problems[0]!.message).to.contain(c.problem);
      }
    });
  }
});
