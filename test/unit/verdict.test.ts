import { expect } from 'chai';
import { againstObjective } from '../../src/measure/objectives.js';
import { decideVerdict, type Findings } from '../../src/measure/verdict.js';

const findings = (f: Partial<Findings> = {}): Findings => ({
  errors: [],
  failures: [],
  rto: againstObjective(1800, 420),
  rpo: againstObjective(93600, 7200),
  ...f,
});

describe('decideVerdict', () => {
  const cases: Array<{ name: string; f: Findings; verdict: string; reasons: RegExp[] }> = [
    { name: 'clean PASS has no reasons', f: findings(), verdict: 'PASS', reasons: [] },
    {
      name: 'a failure is FAIL',
      f: findings({ failures: ['critical probe api failed'] }),
      verdict: 'FAIL',
      reasons: [/critical probe api failed/],
    },
    {
      name: 'an error is ERROR',
      f: findings({ errors: ['Velero is not installed'] }),
      verdict: 'ERROR',
      reasons: [/Velero is not installed/],
    },
    {
      name: 'ERROR beats FAIL, and both reasons are kept (errors first)',
      f: findings({ errors: ['cluster unreachable'], failures: ['restore Failed'] }),
      verdict: 'ERROR',
      reasons: [/cluster unreachable/, /restore Failed/],
    },
    {
      name: 'a missed RTO is FAIL with the margin in the reason',
      f: findings({ rto: againstObjective(600, 754) }),
      verdict: 'FAIL',
      reasons: [/^RTO objective missed: achieved 12m34s against 10m00s \(over by 2m34s\)$/],
    },
    {
      name: 'a missed RPO is FAIL with the margin in the reason',
      f: findings({ rpo: againstObjective(3600, 7200) }),
      verdict: 'FAIL',
      reasons: [/^RPO objective missed: achieved 2h00m against 1h00m \(over by 1h00m\)$/],
    },
    {
      name: 'ERROR beats a missed objective',
      f: findings({ errors: ['permission denied'], rto: againstObjective(600, 754) }),
      verdict: 'ERROR',
      reasons: [/permission denied/, /RTO objective missed/],
    },
    {
      name: 'RTO not measured is never a PASS',
      f: findings({ rto: againstObjective(1800, null) }),
      verdict: 'FAIL',
      reasons: [/RTO was not measured/],
    },
    {
      name: 'RPO not measured alone does not fail',
      f: findings({ rpo: againstObjective(3600, null) }),
      verdict: 'PASS',
      reasons: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { verdict, reasons } = decideVerdict(c.f);
      expect(verdict).to.equal(c.verdict);
      expect(reasons).to.have.length(c.reasons.length);
      c.reasons.forEach((re, i) => expect(reasons[i]).to.match(re));
    });
  }
});
