/** Offsets before T0 read as negative wherever a timeline is shown (docs/reliability.md). */
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { sinceT0 } from '../../src/report/render/format.js';
import { renderers } from '../../src/report/render/index.js';
import { renderHtml } from '../../src/report/render/html.js';
import { createProgress, offset } from '../../src/cli/progress.js';
import { aReport } from '../support/report-builder.js';

/** A drill that took its own backup: T0 is that backup's completion, 0.4 s after select-backup started. */
const report = () =>
  aReport()
    .phase('select-backup', {
      startSeconds: -0.4,
      durationSeconds: 0.45,
      events: [{ at: '2026-01-01T02:00:00.100Z', atSeconds: -0.3, level: 'info', message: 'backup shop-x created' }],
    })
    .build();

describe('timeline offsets before T0', () => {
  const cases: Array<[number | null, string]> = [
    [-0.4, 'T0\u22120.4s'],
    [-754, 'T0\u221212m34s'],
    [0, 'T0+0s'],
    [12.5, 'T0+12.5s'],
    [null, '—'],
  ];
  for (const [n, s] of cases) it(`${n} → ${s}`, () => expect(sinceT0(n)).to.equal(s));

  // The HTML lists phases (not events); report.md and junit.xml list events too.
  const shown: Array<[string, () => string, string]> = [
    ['report.md', () => renderers.markdown.render(report()), 'T0\u22120.3s'],
    ['report.html', () => renderHtml(report()), 'T0\u22120.4s'],
    ['junit.xml', () => renderers.junit.render(report()), 'T0\u22120.3s'],
  ];
  for (const [name, render, want] of shown) {
    it(`${name} shows ${want}, never T0+ with a minus or a clamp to 0`, () => {
      const text = render();
      expect(text).to.include(want);
      expect(text).to.not.match(/T0\+-/);
    });
  }

  it('the HTML timeline draws steps before T0 left of T0, inside the chart', () => {
    const html = renderHtml(report());
    expect(html).to.include('select-backup: succeeded, T0\u22120.4s → T0+');
    const xs = [...html.matchAll(/<rect[^>]* x="(-?[\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.min(...xs)).to.be.at.least(190); // the label column ends at 190
  });

  it('console progress: T0−… once T0 is known, start+… while it is still to come', () => {
    expect(offset({ atSeconds: -0.4 })).to.equal('T0\u22120.4s');
    expect(offset({ atSeconds: 0.4, beforeT0: true })).to.equal('start+0.4s');
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (c: Buffer) => (out += c.toString()));
    const p = createProgress({
      format: 'text',
      stream: stream as unknown as NodeJS.WriteStream,
      rtoObjectiveSeconds: 600,
      colour: false,
    });
    p.onEvent({
      phase: 'select-backup',
      level: 'info',
      message: 'phase select-backup started',
      atSeconds: 0,
      beforeT0: true,
    });
    p.onEvent({ phase: 'restore', level: 'info', message: 'phase restore started', atSeconds: 1.5 });
    expect(out).to.equal(
      '[ start+0s] select-backup: phase select-backup started\n[  T0+1.5s] restore: phase restore started\n',
    );
  });
});
