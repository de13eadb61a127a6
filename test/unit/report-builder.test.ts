import { expect } from 'chai';
import { validateReport } from '../../src/report/validate-report.js';
import { aReport } from '../support/report-builder.js';

describe('report builder', () => {
  const cases = [
    { name: 'default PASS', build: () => aReport().build() },
    {
      name: 'FAIL with a failed probe',
      build: () =>
        aReport()
          .verdict('FAIL', 'probe failed')
          .probe({ name: 'x', outcome: 'failed', passedAtSeconds: null })
          .build(),
    },
    {
      name: 'ERROR with nothing measured',
      build: () =>
        aReport()
          .verdict('ERROR', 'unreachable')
          .rto(null)
          .rpo(null)
          .noProbes()
          .restore({ name: null, phase: null, warnings: null, errors: null })
          .build(),
    },
    {
      name: 'moved start, chained',
      build: () => aReport().startedAt('2026-03-04T05:06:07Z').previous('abcdefgh', 'c'.repeat(64)).build(),
    },
    {
      name: 'left behind and negative control',
      build: () => aReport().leftBehind('Namespace x', 'timeout').negativeControl().build(),
    },
  ];
  for (const c of cases)
    it(`${c.name} validates against the schema`, () => expect(validateReport(c.build())).to.deep.equal([]));

  it('derives met and margin from achieved and objective', () => {
    const r = aReport().rto(2400, 1800).build();
    expect(r.rto).to.deep.equal({
      objectiveSeconds: 1800,
      achievedSeconds: 2400,
      met: false,
      marginSeconds: -600,
      uncertaintySeconds: 1,
      reason: null,
    });
  });

  it('build() returns independent copies', () => {
    const b = aReport();
    const one = b.build();
    one.probes[0]!.name = 'changed';
    expect(b.build().probes[0]!.name).to.equal('api-ready');
  });

  it('validateReport names the path of a problem', () => {
    const r = aReport().build() as unknown as Record<string, unknown>;
    expect(validateReport({ ...r, verdict: 'MAYBE' }).join('\n')).to.contain('/verdict');
    expect(validateReport({ ...r, extra: 1 }).join('\n')).to.contain('extra');
  });
});
