import { expect } from 'chai';
import { renderHtml, jsonForScript } from '../../src/report/render/html.js';
import { timelineRows } from '../../src/report/render/svg-gantt.js';
import { trendSvg } from '../../src/report/render/svg-trend.js';
import { aReport } from '../support/report-builder.js';

const EVIL = '</script><script>alert(1)</script><img src="https://evil.example/x.png">';

describe('report.html', () => {
  const cases: { name: string; html: () => string; has: (string | RegExp)[]; hasNot?: (string | RegExp)[] }[] = [
    {
      name: 'a PASS has the verdict banner, objectives with margin, a timeline and the probe table',
      html: () => renderHtml(aReport().build()),
      has: [
        '<div class="verdict" id="verdict">PASS</div>',
        '<svg class="gantt"',
        '<td class="ok">+23m00s</td>',
        'api-ready',
        '3/3 replicas available',
        /<rect class="sub queued"[^>]*><title>restore queued: 4s<\/title>/,
        /<rect class="probe passed"[^>]*><title>probe api-ready/,
      ],
      hasNot: ['class="trend"'],
    },
    {
      name: 'a FAIL names its reasons, the missed objective and what teardown left behind',
      html: () =>
        renderHtml(
          aReport()
            .verdict('FAIL', 'RTO missed by 10m')
            .rto(2400)
            .leftBehind('Restore velero/dr-drill-abcd1234', 'finalizer pending')
            .build(),
        ),
      has: [
        '<body class="fail">',
        '<li>RTO missed by 10m</li>',
        '<td class="bad">MISSED</td>',
        '<td class="bad">-10m00s</td>',
        'dr-drill cleanup --drill-id abcd1234',
        'finalizer pending',
      ],
    },
    {
      name: 'Velero messages are grouped by namespace',
      html: () =>
        renderHtml(
          aReport()
            .restore({
              phase: 'PartiallyFailed',
              errors: 2,
              warnings: 1,
              messages: {
                warnings: { velero: [], cluster: ['crd exists'], namespaces: {} },
                errors: { velero: [], cluster: [], namespaces: { payments: ['pod a failed', 'pvc b failed'] } },
              },
            })
            .build(),
        ),
      has: [
        'Errors by namespace',
        '<td>namespace payments</td><td>2</td>',
        '<li>pvc b failed</li>',
        'Warnings by namespace',
        '<td>Cluster</td><td>1</td>',
      ],
    },
    {
      name: 'text is escaped everywhere, and the embedded JSON cannot close its script element',
      html: () =>
        renderHtml(
          aReport()
            .verdict('FAIL', EVIL)
            .probe({ name: 'p', outcome: 'failed', passedAtSeconds: null, lastObservation: EVIL })
            .build(),
        ),
      has: ['&lt;/script&gt;&lt;script&gt;alert(1)', '\\u003c/script>\\u003cscript>'],
      hasNot: ['<script>alert', '<img', /<script(?! type="application\/json")/],
    },
    {
      name: 'secrets are redacted',
      html: () => renderHtml(aReport().warning('connect failed: AccountKey=c2VjcmV0c2VjcmV0;EndpointSuffix=x').build()),
      has: ['AccountKey=***'],
      hasNot: ['c2VjcmV0c2VjcmV0'],
    },
    {
      name: 'it loads nothing: a CSP forbids it and there is no URL to fetch',
      html: () =>
        renderHtml(aReport().build(), {
          history: [
            {
              drillId: 'old00001',
              startedAt: '2025-12-31T02:00:00.000Z',
              verdict: 'PASS',
              rtoAchievedSeconds: 300,
              rtoObjectiveSeconds: 1800,
            },
          ],
        }),
      has: ["default-src 'none'", '<svg class="trend"'],
      hasNot: [/\b(src|href)=/, /url\(/, /@import/],
    },
    {
      name: 'the evidence section shows the previous report hash',
      html: () => renderHtml(aReport().previous('prev0001', 'b'.repeat(64)).build()),
      has: ['prev0001', 'b'.repeat(64)],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const html = c.html();
      for (const s of c.has) typeof s === 'string' ? expect(html).to.contain(s) : expect(html).to.match(s);
      for (const s of c.hasNot ?? [])
        typeof s === 'string' ? expect(html).not.to.contain(s) : expect(html).not.to.match(s);
    });
  }

  it('is pure: the same report renders the same page', () => {
    expect(renderHtml(aReport().build())).to.equal(renderHtml(aReport().build()));
  });

  it('embeds the report JSON, readable back', () => {
    const r = aReport().verdict('FAIL', 'a </script> b').build();
    const m = /<script type="application\/json" id="report-data">(.*)<\/script>/.exec(renderHtml(r));
    expect(JSON.parse(m![1]!)).to.deep.equal(r);
    expect(jsonForScript('<!--')).to.equal('"\\u003c!--"');
  });
});

describe('timeline rows', () => {
  it('has a row per phase, the restore split, and probes from start to pass', () => {
    const rows = timelineRows(aReport().build());
    expect(rows.map((r) => r.label.trim())).to.deep.equal([
      'select-backup',
      'provision-target',
      'prepare-target',
      'restore',
      'queued / running',
      'verify',
      'teardown',
      'seal',
      'api-ready',
      'orders-table',
    ]);
    const split = rows[4]!.segments.map((s) => [s.start, s.end]);
    expect(split).to.deep.equal([
      [8, 12],
      [12, 188],
    ]);
    expect(rows[8]!.segments[0]).to.include({ start: 188, end: 300 });
  });

  it('draws a probe that never passed from the verify start for its duration', () => {
    const rows = timelineRows(
      aReport().probe({ name: 'db', outcome: 'failed', passedAtSeconds: null, durationSeconds: 60 }).build(),
    );
    expect(rows.at(-1)!.segments[0]).to.include({ start: 188, end: 248 });
  });
});

describe('trend chart', () => {
  const p = (drillId: string, day: number, rto: number | null) => ({
    drillId,
    startedAt: `2026-01-0${day}T02:00:00.000Z`,
    verdict: 'PASS' as const,
    rtoAchievedSeconds: rto,
    rtoObjectiveSeconds: 1800,
  });
  const cases = [
    { name: 'needs two measured drills', points: [p('a', 1, 300), p('b', 2, null)], empty: true },
    {
      name: 'draws a point per measured drill',
      points: [p('b', 2, 400), p('a', 1, 300), p('c', 3, 500)],
      empty: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const svg = trendSvg(c.points);
      if (c.empty) return void expect(svg).to.equal('');
      expect(svg.match(/<circle/g)).to.have.length(3);
      expect(svg).to.contain('drill a: PASS, RTO 5m00s');
      expect(svg.indexOf('drill a')).to.be.lessThan(svg.indexOf('drill c'));
    });
  }
});
