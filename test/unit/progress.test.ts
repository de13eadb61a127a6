import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import { createProgress } from '../../src/cli/progress.js';

function fakeStream(tty: boolean, columns = 100): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (c: Buffer) => (out += c.toString()));
  Object.assign(s, { isTTY: tty, columns });
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

describe('progress display: terminal width', () => {
  /** The last live block drawn on a 48-column terminal, one entry per line. */
  function lastBlock(colour: boolean, message: string): string[] {
    const { stream, text } = fakeStream(true, 48);
    const p = createProgress({ format: 'text', stream, rtoObjectiveSeconds: 600, colour });
    p.onEvent({ phase: 'select-backup', level: 'info', message: 'phase select-backup started', atSeconds: 0 });
    p.onEvent({ phase: 'select-backup', level: 'info', message: 'phase select-backup succeeded', atSeconds: 0.5 });
    p.onEvent({ phase: 'restore', level: 'info', message: 'phase restore started', atSeconds: 1 });
    p.onEvent({ phase: 'restore', level: 'info', message, atSeconds: 2 });
    p.stop();
    return text()
      .split('\u001b[0J')
      .at(-1)!
      .split('\n')
      .filter((l) => l !== '');
  }

  it('cuts live lines by display columns: wide characters take two', () => {
    const lines = lastBlock(
      false,
      '数据库の復元を待っています、数据库の復元を待っています、数据库の復元を待っています',
    );
    expect(lines.length).to.be.greaterThan(8);
    for (const l of lines) expect(stringWidth(l), l).to.be.at.most(47);
    expect(lines.find((l) => l.includes('restore'))).to.match(/…$/);
  });

  it('keeps colour escapes whole when it cuts a coloured line', () => {
    const lines = lastBlock(true, 'Restore dr-drill-x is InProgress, 812/1204 items, waiting for the database pods');
    expect(lines.join('\n')).to.contain('\u001b[32m✔'); // select-backup done, in green
    for (const l of lines) {
      expect(stringWidth(l), l).to.be.at.most(47);
      // Nothing but whole escape sequences: none is left cut in half, which would colour the terminal after it.
      expect(stripVTControlCharacters(l), l).not.to.contain('\u001b');
    }
  });
});
