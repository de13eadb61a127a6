/**
 * What a fresh drill cluster's Velero needs for the backup's volume data (velero/data-path.ts), decided in
 * provision-target from the selected backup, and what the source must lend it: its kopia repository password and
 * its VolumeSnapshotLocations. The password is copied as the source Secret's data and registered as a secret
 * before anything could print it.
 */
import { describeWithHint } from '../util/errors.js';
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import { runSecrets } from '../util/secrets.js';
import {
  dataPathInstall,
  describeNeeds,
  needsFromBackup,
  readVolumeDataNeeds,
  REPO_PASSWORD_KEY,
  REPO_PASSWORD_SECRET,
  type DataPathInstall,
  type VolumeDataNeeds,
} from '../velero/data-path.js';
import type { VeleroBackup } from '../velero/types.js';
import { listSnapshotLocations } from '../velero/bsl.js';
import { drillLabels, type DrillContext } from './context.js';

/** What the backup's volume data needs in the drill cluster, and the Velero install that provides it. */
export interface DataPathDecision {
  needs: VolumeDataNeeds;
  install: DataPathInstall;
}

const NONE: VolumeDataNeeds = {
  podVolumeBackups: 0,
  dataMoverUploads: 0,
  csiSnapshots: 0,
  nativeSnapshots: 0,
  blockVolumes: [],
  basis: 'backup-spec',
};

/** The backup's needs from its files (storage, else a DownloadRequest in the source); its spec when they cannot be read. */
export async function decideDataPath(ctx: DrillContext): Promise<DataPathDecision> {
  const backup: VeleroBackup | null = ctx.backup;
  if (!backup) return { needs: NONE, install: dataPathInstall(NONE) };
  let needs: VolumeDataNeeds;
  try {
    needs = await readVolumeDataNeeds(
      {
        storage: ctx.storage ?? null,
        gateway: ctx.source,
        veleroNamespace: ctx.plan.source.veleroNamespace,
        labels: drillLabels(ctx.plan),
        signal: ctx.signal,
      },
      backup,
    );
  } catch (e) {
    needs = needsFromBackup(backup);
    ctx.rec.event(
      'warn',
      `backup ${backup.metadata.name}'s volume info could not be read (${describeWithHint(e)}); judged from its spec: ${describeNeeds(needs)}`,
    );
  }
  return { needs, install: dataPathInstall(needs) };
}

/** What the source lends the install; each missing piece is a warning saying what will fail. */
export interface SourceLoan {
  /** base64, as in the source Secret's data; null when not needed or not readable. */
  repositoryPasswordData: string | null;
  snapshotLocations: KubeObject[];
  warnings: string[];
}

export async function borrowFromSource(
  source: KubeGateway | null,
  sourceNs: string,
  d: DataPathDecision,
): Promise<SourceLoan> {
  const loan: SourceLoan = { repositoryPasswordData: null, snapshotLocations: [], warnings: [] };
  const what = describeNeeds(d.needs);
  if (d.install.repositoryPassword) {
    const why = await (async () => {
      if (!source) return 'the source cluster is not reachable';
      try {
        const s = await source.get({
          apiVersion: 'v1',
          kind: 'Secret',
          namespace: sourceNs,
          name: REPO_PASSWORD_SECRET,
        });
        const data = (s as (KubeObject & { data?: Record<string, string> }) | null)?.data?.[REPO_PASSWORD_KEY];
        if (!data) return `${sourceNs}/${REPO_PASSWORD_SECRET} has no ${REPO_PASSWORD_KEY} in ${source.context}`;
        runSecrets.register(data);
        runSecrets.register(Buffer.from(data, 'base64').toString('utf8'));
        loan.repositoryPasswordData = data;
        return null;
      } catch (e) {
        return `${sourceNs}/${REPO_PASSWORD_SECRET} cannot be read in ${source.context}: ${describeWithHint(e)}`;
      }
    })();
    if (why)
      loan.warnings.push(
        `the backup's volume data (${what}) sits in kopia repositories opened with the source's password, which was not copied (${why}): the drill cluster's Velero creates its default one, so the data restores only if the source never changed it`,
      );
  }
  if (d.install.snapshotLocations) {
    try {
      if (!source) throw new Error('the source cluster is not reachable');
      const items = await listSnapshotLocations(source, sourceNs);
      loan.snapshotLocations = items;
      if (!items.length) throw new Error(`no VolumeSnapshotLocation in ${source.context}/${sourceNs}`);
    } catch (e) {
      loan.warnings.push(
        `the backup has native snapshots (${what}) but the source's VolumeSnapshotLocations could not be copied (${describeWithHint(e)}): Velero restores those volumes without their data`,
      );
    }
  }
  return loan;
}
