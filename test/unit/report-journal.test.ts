import { expect } from 'chai';
import { appendFileSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReportFolderName, reportFolder } from '../../src/report/folder.js';
import { Journal, readJournal } from '../../src/report/journal.js';
import { ManualClock } from '../../src/util/clock.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'dr-drill-report-'));

describe('report folder', () => {
  it('is <report-dir>/<scenario>/<YYYYMMDDTHHMMSSZ>-<drillId>/ and is created', () => {
    const dir = tmp();
    const f = reportFolder(dir, 'payments-nightly', new Date('2026-01-02T03:04:05.678Z'), 'abcd1234');
    expect(f).to.equal(join(dir, 'payments-nightly', '20260102T030405Z-abcd1234'));
    expect(statSync(f).isDirectory()).to.equal(true);
  });

  const bad = [
    { name: 'a path in the scenario name', scenario: '../etc', id: 'abcd1234' },
    { name: 'a slash', scenario: 'a/b', id: 'abcd1234' },
    { name: 'a bad drill id', scenario: 'x', id: 'ABCD' },
  ];
  for (const c of bad)
    it(`refuses ${c.name}`, () =>
      expect(() => reportFolder(tmp(), c.scenario, new Date(), c.id)).to.throw(/REPORT|cannot|drill id/));

  it('parses folder names back', () => {
    expect(parseReportFolderName('20260102T030405Z-abcd1234')).to.deep.equal({
      startedAt: new Date('2026-01-02T03:04:05Z'),
      drillId: 'abcd1234',
    });
    expect(parseReportFolderName('notes')).to.equal(null);
  });
});

describe('journal', () => {
  it('appends one JSON line per entry with UTC and monotonic seconds', () => {
    const dir = tmp();
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const j = new Journal(dir, clock);
    j.append('drill-started', { drillId: 'abcd1234' });
    clock.advance(1500);
    j.append('phase-started', { phase: 'restore' });
    clock.advance(2000);
    j.setOrigin(clock.monotonicMs(), 'backup completed: T0');
    clock.advance(250);
    j.append('phase-ended', { phase: 'restore', outcome: 'succeeded', type: 'ignored' });
    j.close();
    const { entries, tornLines } = readJournal(j.path);
    expect(tornLines).to.equal(0);
    expect(entries.map((e) => [e.type, e.atSeconds, e.at])).to.deep.equal([
      ['drill-started', 0, '2026-01-01T00:00:00.000Z'],
      ['phase-started', 1.5, '2026-01-01T00:00:01.500Z'],
      ['origin-moved', 0, '2026-01-01T00:00:03.500Z'],
      ['phase-ended', 0.25, '2026-01-01T00:00:03.750Z'],
    ]);
    expect(entries[2]).to.include({ shiftSeconds: 3.5 });
    expect(Object.keys(entries[0]!).slice(0, 3)).to.deep.equal(['at', 'atSeconds', 'type']);
  });

  it('keeps lines written before a crash and tolerates a torn last line', () => {
    const dir = tmp();
    const j = new Journal(dir, new ManualClock());
    j.append('drill-started');
    // No close(): a killed process never closes. A torn write leaves half a line.
    appendFileSync(j.path, '{"at":"2026-01-01T00:');
    const { entries, tornLines } = readJournal(j.path);
    expect(entries).to.have.length(1);
    expect(tornLines).to.equal(1);
  });

  it('appends to an existing journal instead of truncating it', () => {
    const dir = tmp();
    new Journal(dir, new ManualClock()).append('drill-started');
    const j = new Journal(dir, new ManualClock());
    j.append('event', { message: 'resumed' });
    j.close();
    expect(readJournal(j.path).entries).to.have.length(2);
    expect(() => j.append('event')).to.throw(/closed/);
    expect(existsSync(join(dir, 'journal.jsonl'))).to.equal(true);
  });
});
