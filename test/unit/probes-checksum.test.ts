import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probes } from '../../src/probes/index.js';
import { diffManifests, ignoreMatcher, parseManifest, type FileManifest } from '../../src/probes/checksum.js';
import type { ScenarioProbe } from '../../src/scenario/schema.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { ctxOf, planOf, pod } from '../support/probe-context.js';

const NS = 'shop-drill-x';
const h = (c: string) => c.repeat(64);
const line = (size: number, c: string, path: string) => `${size} ${h(c)} ./${path}`;

describe('probe kind checksum', () => {
  it('parses the manifest script output and diffs with ignore globs', () => {
    const a = parseManifest(
      [line(3, 'a', 'db/base/1'), line(5, 'b', 'db/pg_wal/0001'), line(1, 'c', 'postmaster.pid'), 'junk'].join('\n'),
    );
    const b = parseManifest(
      [line(3, 'a', 'db/base/1'), line(6, 'd', 'db/pg_wal/0001'), line(2, 'e', 'new.txt')].join('\n'),
    );
    expect(a.map((e) => e.path)).to.deep.equal(['db/base/1', 'db/pg_wal/0001', 'postmaster.pid']);
    expect(diffManifests(a, b)).to.deep.equal({
      added: ['new.txt'],
      removed: ['postmaster.pid'],
      changed: ['db/pg_wal/0001 (5→6 bytes, sha256 differs)'],
      same: 1,
    });
    expect(diffManifests(a, b, ['**/pg_wal/**', '*.pid', 'new.???'])).to.deep.equal({
      added: [],
      removed: [],
      changed: [],
      same: 1,
    });
  });

  const globs = [
    { glob: '**/x', match: ['x', 'a/x', 'a/b/x'], skip: ['xy', 'a/xy'] },
    { glob: '*.log', match: ['b.log', '.b.log'], skip: ['a/b.log', 'b.logs'] },
    { glob: '**/*.{log,tmp}', match: ['a.log', 'x/y/b.tmp', '.cache/c.log'], skip: ['c.txt', 'a.logx', 'x/tmp'] },
    { glob: '[0-9]*', match: ['0001', '9x'], skip: ['a1', '1/2', 'x0'] },
    { glob: 'db/pg_wal/**', match: ['db/pg_wal/0001', 'db/pg_wal/a/b'], skip: ['db/pg_wal2/0001', 'pg_wal/1'] },
    { glob: 'file?.dat', match: ['file1.dat'], skip: ['file12.dat', 'file/.dat'] },
  ];
  for (const g of globs)
    it(`ignore glob ${g.glob} matches ${g.match.join(', ')} and not ${g.skip.join(', ')}`, () => {
      const m = ignoreMatcher([g.glob]);
      expect(
        g.match.filter((p) => !m(p)),
        'should match',
      ).to.deep.equal([]);
      expect(
        g.skip.filter((p) => m(p)),
        'should not match',
      ).to.deep.equal([]);
    });

  describe('run', () => {
    let gw: MemoryGateway;
    const spec = (
      against?: Extract<ScenarioProbe, { kind: 'checksum' }>['against'],
    ): Extract<ScenarioProbe, { kind: 'checksum' }> => ({
      name: 'files',
      kind: 'checksum',
      pod: { namespace: 'shop', name: 'db-0' },
      path: '/data',
      ignore: ['*.pid'],
      ...(against ? { against } : {}),
    });
    beforeEach(() => {
      gw = new MemoryGateway();
      for (const ns of ['shop', NS]) gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      gw.put(pod('db-0', 'shop'));
      gw.put(pod('db-0', NS));
      gw.onExec = ({ namespace }) => ({
        exitCode: 0,
        stderr: '',
        stdout: [line(3, 'a', 'base/1'), line(9, namespace === NS ? 'f' : 'b', 'base/2'), line(1, 'c', 'x.pid')].join(
          '\n',
        ),
      });
    });

    it('takes the source manifest before the backup and lists what changed in the restored copy', async () => {
      const src = await probes.checksum.beforeBackup!(planOf(spec()), {
        gateway: gw,
        signal: new AbortController().signal,
        drillId: 'abcd1234',
        now: () => new Date(),
      });
      expect((src as FileManifest).files).to.have.length(3);
      expect(gw.execCalls[0]).to.deep.include({ namespace: 'shop', pod: 'db-0' });
      expect(gw.execCalls[0].command.slice(0, 2)).to.deep.equal(['sh', '-c']);
      const r = await probes.checksum.run(planOf(spec()), ctxOf(gw, { prepared: src }), 1000);
      expect(r.outcome).to.equal('failed');
      expect(r.observation).to.match(/^1 file\(s\) match; 1 changed: base\/2 \(9→9 bytes, sha256 differs\)/);
    });

    it('compares with a stored manifest file (dr-drill manifest take format)', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'dr-drill-manifest-')), 'm.json');
      const m: FileManifest = {
        apiVersion: 'dr-drill/v1',
        kind: 'FileManifest',
        root: '/data',
        takenAt: '2026-03-01T00:00:00Z',
        files: [
          { path: 'base/1', size: 3, sha256: h('a') },
          { path: 'base/2', size: 9, sha256: h('f') },
        ],
      };
      writeFileSync(file, JSON.stringify(m));
      const r = await probes.checksum.run(planOf(spec({ manifestFile: file })), ctxOf(gw), 1000);
      expect(r.outcome, r.observation ?? '').to.equal('passed');
      expect(r.observation).to.match(/^2 file\(s\) match/);
    });

    it('is an error without a source manifest', async () => {
      expect((await probes.checksum.run(planOf(spec()), ctxOf(gw), 100)).outcome).to.equal('error');
    });
  });
});
