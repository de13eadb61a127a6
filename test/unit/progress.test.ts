import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { createProgress } from '../../src/cli/progress.js';

function fakeStream(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (c: Buffer) => (out += c.toString()));
  Object.assign(s, { isTTY: tty, columns: 100 });
  return { stream: s as unknown as NodeJS.WriteStream, text: () => out };
}

const events = [
  { phase: 'select-backup' as const, level: 'info' as const, message: 'phase select-backup started', atSeconds: 0 },
  { phase: 'select-backup' as const, level: 'info' as const, message: 'selected backup b1', atSeconds: 0.2 },
  { phase: 'select-backup' as const, level: 'info' as const, message: 'phase select-backup succeeded', atSeconds: 0.3 },
  { phase: 'restore' as const, level: 'info' as const, message: 'phase restore started', atSeconds: 1 },
  {
    phase: 'restore' as const,
    level: 'info' as const,
    message: 'Restore dr-drill-x is InProgress, 812/1204 items',
    atSeconds: 2,
  },
  { phase: 'restore' as const, level: 'warn' as const, message: 'BSL is ReadWrite', atSeconds: 2.5 },
];

describe('progress display', () => {
  it('without a TTY: one line per event, nothing redrawn', () => {
    const { stream, text } = fakeStream(false);
    const p = createProgress({ format: 'text', stream, rtoObjectiveSeconds: 600, colour: false });
    for (const e of events) p.onEvent(e);
    p.stop();
    const lines = text().trim().split('\n');
    expect(lines).to.have.length(events.length);
    expect(lines[4]).to.match(/restore: Restore dr-drill-x is InProgress, 812\/1204 items$/);
    expect(text()).not.to.contain('\u001b[');
  });

  it('--log-format json: one parseable object per event', () => {
    const { stream, text } = fakeStream(true);
    const p = createProgress({ format: 'json', stream, rtoObjectiveSeconds: 600, colour: true });
    for (const e of events) p.onEvent(e);
    const objs = text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { phase: string; message: string; level: string });
    expect(objs.map((o) => o.message)).to.deep.equal(events.map((e) => e.message));
    expect(objs[5]!.level).to.equal('warn');
  });

  it('on a terminal: phases with their state, the current wait subject and the RTO budget; no colour with NO_COLOR', () => {
    const { stream, text } = fakeStream(true);
    const p = createProgress({ format: 'text', stream, rtoObjectiveSeconds: 600, colour: false });
    for (const e of events) p.onEvent(e);
    p.stop();
    const out = text();
    const last = out.slice(out.lastIndexOf('select-backup') - 2);
    expect(last).to.match(/✔ select-backup/);
    expect(last).to.match(/restore .*Restore dr-drill-x is InProgress, 812\/1204 items/);
    expect(last).to.match(/RTO budget: 9m5\ds left of 10m00s/);
    expect(out).to.match(/warn restore: BSL is ReadWrite/);
    expect(out).not.to.match(/\u001b\[3\dm/);
  });
});

describe('progress display: runbook hooks', () => {
  it('the live block shows hook phases in running order, not appended when they start', () => {
    const { stream, text } = fakeStream(true);
    const phases = ['select-backup', 'restore', 'hook:switch-traffic', 'verify', 'teardown', 'seal'];
    const p = createProgress({ format: 'text', stream, rtoObjectiveSeconds: 600, colour: false, phases });
    p.onEvent({
      phase: 'hook:switch-traffic',
      level: 'info',
      message: 'phase hook:switch-traffic started',
      atSeconds: 5,
    });
    p.stop();
    const block = text().split('\u001b[0J').at(-1)!;
    // Each line: state icon, space, phase name padded, elapsed, note.
    const order = block
      .split('\n')
      .map((l) => l.slice(2).split(' ')[0])
      .filter((n) => n && phases.includes(n));
    expect(order).to.deep.equal(phases);
  });
});
