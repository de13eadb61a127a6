/**
 * `local up` runs Velero's file-system backup by default (decideFsBackup), keeps an environment's choice, says
 * what happens for a user who cannot make a mount namespace, and seeds the demo accordingly (its Schedules ask
 * for file-system backup only where node-agents run; the database files a drill's checksum probe compares).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { decideFsBackup } from '../../src/local/fs-backup.js';
import { demoDatabaseFiles, demoDbFile, demoSchedules } from '../../src/local/demo.js';
import { isDrillError } from '../../src/util/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('local up: file-system backup by default', () => {
  it('is on for a new environment where exec into pod volumes can work, and says nothing about it', () => {
    expect(decideFsBackup(undefined, null, true)).to.deep.equal({ on: true, note: null });
  });

  it('is off, saying why and how to get it, for a user who cannot make a mount namespace', () => {
    const d = decideFsBackup(undefined, null, false);
    expect(d.on).to.equal(false);
    expect(d.note)
      .to.match(/mount namespace/)
      .and.match(/--fs-backup/)
      .and.match(/root/);
  });

  it('runs it when asked even so, warning that exec into pods with volumes exits 126', () => {
    const d = decideFsBackup(true, null, false);
    expect(d.on).to.equal(true);
    expect(d.note).to.match(/exits 126/);
  });

  it('keeps what the environment runs: on stays on, --no-fs-backup stays off, --fs-backup turns it on', () => {
    expect(decideFsBackup(undefined, 'on', true).on).to.equal(true);
    expect(decideFsBackup(undefined, 'off', true).on).to.equal(false);
    expect(decideFsBackup(false, null, true).on).to.equal(false);
    expect(decideFsBackup(true, 'off', true).on).to.equal(true);
  });

  it('refuses --no-fs-backup on an environment that runs it (exit 2), naming the way out', () => {
    let err: unknown;
    try {
      decideFsBackup(false, 'on', true);
    } catch (e) {
      err = e;
    }
    expect(isDrillError(err)).to.equal(true);
    expect(err).to.include({ code: 'LOCAL_FS_BACKUP_RUNNING', category: 'input' });
    expect((err as { hint: string }).hint).to.contain('local down');
  });
});

describe('local demo: volume data', () => {
  const schedules = readFileSync(join(ROOT, 'local', 'demo', 'schedules.yaml'), 'utf8');
  const flags = (text: string) =>
    parseAllDocuments(text).map((d) => [
      d.getIn(['metadata', 'name']),
      d.getIn(['spec', 'template', 'defaultVolumesToFsBackup']),
    ]);

  it('Schedules back up pod volumes through node-agent only where node-agents run', () => {
    expect(flags(demoSchedules(schedules, true))).to.deep.equal([
      ['shop-daily', true],
      ['catalog-hourly', true],
    ]);
    expect(flags(demoSchedules(schedules, false))).to.deep.equal([
      ['shop-daily', false],
      ['catalog-hourly', false],
    ]);
  });

  it('the data variant of db keeps its data on the local-data class and an emptyDir, at the paths the seed writes', () => {
    const db = parseAllDocuments(readFileSync(join(ROOT, 'local', 'demo', demoDbFile(true)), 'utf8'))
      .map((d) => d.toJS())
      .find((o) => o.kind === 'StatefulSet');
    expect(db.spec.volumeClaimTemplates[0].spec.storageClassName).to.equal('local-data');
    expect(db.spec.template.spec.volumes).to.deep.equal([{ name: 'wal', emptyDir: {} }]);
    const mounts = db.spec.template.spec.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    expect(mounts).to.have.members(Object.keys(demoDatabaseFiles()));
    // The shipped scenario's checksum probe reads the claim's mountPath.
    const scenario = parseAllDocuments(readFileSync(join(ROOT, 'scenarios', 'local-demo.yaml'), 'utf8'))[0]!.toJS();
    expect(scenario.spec.restore).to.not.have.property('volumeData');
    expect(scenario.spec.backup.create.defaultVolumesToFsBackup).to.equal(true);
    const checksum = scenario.spec.probes.find((p: { kind: string }) => p.kind === 'checksum');
    expect(checksum).to.include({ path: '/var/lib/postgresql/data', against: 'source' });
  });

  it('without file-system backup, db binds the static hostPath PV Velero never backs up', () => {
    const objs = parseAllDocuments(readFileSync(join(ROOT, 'local', 'demo', demoDbFile(false)), 'utf8')).map((d) =>
      d.toJS(),
    );
    expect(objs.find((o) => o.kind === 'PersistentVolume').spec.hostPath).to.deep.equal({
      path: '/var/lib/dr-drill-demo/shop-db',
    });
  });
});
