import { expect } from 'chai';
import { renderers, type ReportFormat } from '../../src/report/render/index.js';
import { xmlEscape } from '../../src/report/render/junit.js';
import { aReport } from '../support/report-builder.js';
import { expectGolden } from '../support/report-golden.js';

/** A FAIL that exercises every section: missed RTO, failed probes, Velero messages, leftovers, chain. */
function richFail() {
  return aReport()
    .verdict('FAIL', 'RTO missed: 40m00s achieved, objective 30m00s', 'critical probe orders-table failed')
    .rto(2400)
    .rpo(600, 93600, 'canary')
    .restore({
      phase: 'PartiallyFailed',
      warnings: 2,
      errors: 1,
      itemsRestored: 40,
      totalItems: 42,
      messages: {
        warnings: {
          velero: [],
          cluster: ['could not restore, CustomResourceDefinition "x" already exists'],
          namespaces: { payments: ['pod api-1 | already exists'] },
        },
        errors: { velero: ['error restoring pvc data-0: timed out'], cluster: [], namespaces: {} },
      },
      triage: ['PartiallyFailed with 1 error: volume data of payments/data-0 was not restored.'],
      volumeData: 'checked',
      volumes: [
        {
          namespace: 'payments',
          pvc: null,
          pod: 'api-1',
          volume: 'cache',
          backupMethod: 'PodVolumeBackup',
          restoreMethod: 'PodVolumeRestore',
          phase: 'Completed',
          bytes: 600009,
          durationSeconds: 3,
          snapshotId: 'c1f0e2d3b4a59687',
          dataRestored: true,
          reason: 'PodVolumeRestore Completed, 600009 bytes',
        },
        {
          namespace: 'payments',
          pvc: 'data-0',
          pod: 'db-0',
          volume: 'data',
          backupMethod: 'PodVolumeBackup',
          restoreMethod: 'PodVolumeRestore',
          phase: 'Failed',
          bytes: null,
          durationSeconds: null,
          snapshotId: '9e8d7c6b5a4f3e2d',
          dataRestored: false,
          reason: 'PodVolumeRestore Failed: timed out',
        },
      ],
    })
    .phase('restore', {
      events: [
        { at: '2026-01-01T02:00:12.000Z', atSeconds: 12, level: 'warn', message: 'restore queued behind 1 other' },
      ],
    })
    .phase('verify', {
      outcome: 'failed',
      reason: 'critical probe orders-table failed',
      endedAt: '2026-01-01T02:40:00.000Z',
      durationSeconds: 2212,
    })
    .probe({ name: 'api-ready', passedAtSeconds: 300, lastObservation: '3/3 replicas available' })
    .probe({
      name: 'orders-table',
      kind: 'exec',
      outcome: 'failed',
      passedAtSeconds: null,
      durationSeconds: 600,
      lastObservation: 'exit 1: relation "orders" does not exist',
    })
    .probe({
      name: 'metrics',
      kind: 'http',
      critical: false,
      outcome: 'error',
      passedAtSeconds: null,
      lastObservation: 'connection refused',
    })
    .leftBehind('Restore velero/dr-drill-abcd1234', 'finalizer needs the Velero server')
    .warning('backup is 2h old')
    .previous('zyxw9876', 'b'.repeat(64))
    .build();
}

const reports = { pass: aReport().build(), fail: richFail() };
const goldenName: Record<ReportFormat, string> = {
  json: 'report.json',
  markdown: 'report.md',
  junit: 'junit.xml',
  console: 'console.txt',
};

describe('report renderers (golden)', () => {
  for (const [which, report] of Object.entries(reports)) {
    for (const format of Object.keys(renderers) as ReportFormat[]) {
      it(`${format} of a ${which} report`, () => {
        const text = renderers[format].render(report, { folder: 'reports/payments-nightly/20260101T020000Z-abcd1234' });
        expectGolden(`report/${which}/${goldenName[format]}`, text);
      });
    }
  }

  it('json round-trips the report', () => {
    expect(JSON.parse(renderers.json.render(reports.fail))).to.deep.equal(reports.fail);
  });

  it('console has no ANSI codes unless asked', () => {
    expect(renderers.console.render(reports.fail)).not.to.match(/\u001b\[/);
    expect(renderers.console.render(reports.fail, { colour: true })).to.match(/\u001b\[31mFAIL/);
  });

  it('markdown escapes pipes and line breaks in table cells', () => {
    const r = aReport().probe({ name: 'p', lastObservation: 'a | b\nc' }).build();
    expect(renderers.markdown.render(r)).to.contain('a \\| b c');
  });
});

describe('junit', () => {
  const cases: { name: string; input: string; want: string }[] = [
    {
      name: 'the five XML specials',
      input: `<a href="x">&'</a>`,
      want: '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;',
    },
    { name: 'control characters are dropped', input: 'a\u0000b\u0007c\u001bd', want: 'abcd' },
    { name: 'tab, newline, carriage return are kept', input: 'a\tb\nc\rd', want: 'a\tb\nc\rd' },
    { name: 'lone surrogates are dropped, pairs kept', input: 'x\uD800y😀', want: 'xy😀' },
  ];
  for (const c of cases) it(`escapes: ${c.name}`, () => expect(xmlEscape(c.input)).to.equal(c.want));

  it('counts failures, errors and skipped per phase, objective and probe', () => {
    const xml = renderers.junit.render(reports.fail);
    // 7 phases + 2 objectives + 3 probes; verify phase, RTO and orders-table fail; the non-critical error is skipped.
    expect(xml).to.match(/<testsuite [^>]*tests="12" failures="3" errors="0" skipped="1"/);
    expect(xml).to.contain('<testcase classname="dr-drill.payments-nightly.probe" name="orders-table" time="600">');
  });

  it('an ERROR verdict is an <error>, not a <failure> (recovery was not exercised, nothing failed a test)', () => {
    const xml = renderers.junit.render(
      aReport()
        .verdict('ERROR', 'source cluster unreachable')
        .phase('select-backup', { outcome: 'failed', reason: 'connect ECONNREFUSED' })
        .build(),
    );
    expect(xml).to.match(/<error message="connect ECONNREFUSED" type="failed">/);
    expect(xml).not.to.contain('<failure');
    expect(xml).to.match(/<testsuite [^>]*failures="0" errors="1"/);
  });

  it('a hostile probe name cannot break the XML', () => {
    const xml = renderers.junit.render(
      aReport().probe({ name: '"><evil/>\u0001', outcome: 'failed', lastObservation: ']]></x>' }).build(),
    );
    expect(xml).not.to.contain('<evil/>');
    expect(xml).not.to.contain('\u0001');
    expect(xml).not.to.contain(']]></x>');
  });
});
