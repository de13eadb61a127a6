/**
 * `plan`: can the target restore the backup's volume data? PodVolumeBackups and data-mover uploads need node-agent
 * and the source's kopia repository password, CSI snapshots need EnableCSI, native snapshots a
 * VolumeSnapshotLocation. An aks target gets them from the drill's install (unless velero.install is never); an
 * existing cluster must already have them. Read-only, apart from the DownloadRequest that reads the volume info
 * when the scenario names no storage (as the other backup-file checks do).
 */
import { describeWithHint } from '../util/errors.js';
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import type { DrillPlan } from '../plan/types.js';
import {
  dataPathInstall,
  describeInstall,
  describeNeeds,
  hasVolumeData,
  needsFromBackup,
  readVolumeDataNeeds,
  REPO_PASSWORD_KEY,
  REPO_PASSWORD_SECRET,
  CSI_FEATURE,
  type VolumeDataNeeds,
} from '../velero/data-path.js';
import type { VeleroBackup } from '../velero/types.js';
import { listSnapshotLocations } from '../velero/bsl.js';
import { borrowFromSource } from './aks-data-path.js';
import { LazyStorage } from './drill-storage.js';
import type { PreflightCheck } from './preflight-check.js';

const NAME = 'target can restore the volume data';

async function needsOf(
  plan: DrillPlan,
  source: KubeGateway | null,
  backup: VeleroBackup | null,
): Promise<VolumeDataNeeds | string> {
  const b = plan.backup;
  if (b.mode === 'create') {
    if (b.defaultVolumesToFsBackup !== true)
      return 'skipped: the backup the drill takes decides; run checks what it holds';
    return {
      ...needsFromBackup({ metadata: { name: b.name }, spec: { defaultVolumesToFsBackup: true } } as VeleroBackup),
    };
  }
  if (!backup) return 'skipped: no backup selected';
  try {
    return await readVolumeDataNeeds(
      {
        storage: plan.storage ? new LazyStorage(plan.storage) : null,
        gateway: source,
        veleroNamespace: plan.source.veleroNamespace,
        labels: { 'dr-drill.io/scenario': plan.scenario.name },
      },
      backup,
    );
  } catch {
    return needsFromBackup(backup);
  }
}

export async function volumeDataChecks(
  plan: DrillPlan,
  source: KubeGateway | null,
  target: KubeGateway | null,
  backup: VeleroBackup | null,
  sameCluster: boolean,
): Promise<PreflightCheck[]> {
  const needs = await needsOf(plan, source, backup);
  if (typeof needs === 'string') return [{ name: NAME, status: 'info', detail: needs }];
  const what = describeNeeds(needs);
  if (!hasVolumeData(needs)) return [{ name: NAME, status: 'ok', detail: `the backup has ${what}` }];
  const install = dataPathInstall(needs);
  const aks = plan.target.aks;
  if (aks) {
    if (aks.velero.install === 'never')
      return [
        {
          name: NAME,
          status: 'warn',
          detail: `the backup has ${what}, which needs ${describeInstall(install)}; velero.install is never, so the drill cluster must come with them, or Velero restores those volumes without their data`,
        },
      ];
    const loan = await borrowFromSource(source, plan.source.veleroNamespace, { needs, install });
    if (loan.warnings.length) return loan.warnings.map((w) => ({ name: NAME, status: 'warn', detail: w }));
    return [
      {
        name: NAME,
        status: 'ok',
        detail: `the backup has ${what}: the drill installs ${describeInstall(install)}${loan.snapshotLocations.length ? ` (${loan.snapshotLocations.map((v) => v.metadata.name).join(', ')})` : ''}`,
      },
    ];
  }
  if (!target) return [{ name: NAME, status: 'info', detail: `the backup has ${what}; the target is not reachable` }];
  const { gaps: missing, notChecked } = await existingTargetGaps(plan, source, target, install, sameCluster);
  const notes = notChecked.map((n): PreflightCheck => ({ name: NAME, status: 'info', detail: n }));
  // The only thing left unchecked for want of rights is the repository password: the ok line does not claim it.
  const has = describeInstall(notChecked.length ? { ...install, repositoryPassword: false } : install);
  if (!missing.length)
    return [{ name: NAME, status: 'ok', detail: `the backup has ${what}; ${target.context} has ${has}` }, ...notes];
  return [
    ...missing.map((m): PreflightCheck => ({
      name: NAME,
      status: 'warn',
      detail: `the backup has ${what}, but ${m}: Velero restores those volumes without their data`,
    })),
    ...notes,
  ];
}

/**
 * Whether `gw` may read the kopia repository password Secret in `namespace`. The shipped roles leave Secret reads
 * to the opt-in deploy/rbac/drill-secrets.yaml, so this is asked (a SelfSubjectAccessReview) rather than tried:
 * an identity without that role is not sent into a denied request. A gateway that cannot ask just reads.
 */
async function mayReadRepoPassword(gw: KubeGateway, namespace: string): Promise<boolean> {
  if (!gw.allows) return true;
  return gw
    .allows({ verb: 'get', group: '', resource: 'secrets', namespace, name: REPO_PASSWORD_SECRET })
    .catch(() => true);
}

/** What an existing target's Velero lacks for the data, in words, and what could not be compared for want of rights. */
async function existingTargetGaps(
  plan: DrillPlan,
  source: KubeGateway | null,
  target: KubeGateway,
  install: ReturnType<typeof dataPathInstall>,
  sameCluster: boolean,
): Promise<{ gaps: string[]; notChecked: string[] }> {
  const tns = plan.target.veleroNamespace;
  const gaps: string[] = [];
  const notChecked: string[] = [];
  const attempt = async (fn: () => Promise<string | null>) => {
    try {
      const gap = await fn();
      if (gap) gaps.push(gap);
    } catch (e) {
      gaps.push(`it could not be checked in ${target.context}: ${describeWithHint(e)}`);
    }
  };
  if (install.nodeAgent)
    await attempt(async () =>
      (await target.get({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: tns, name: 'node-agent' }))
        ? null
        : `${target.context} runs no node-agent DaemonSet in ${tns} (velero install --use-node-agent)`,
    );
  if (install.features.length)
    await attempt(async () => {
      const dep = await target.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: tns, name: 'velero' });
      type PodTemplate = { template?: { spec?: { containers?: Array<{ args?: string[] }> } } };
      const containers = ((dep?.spec ?? {}) as PodTemplate).template?.spec?.containers;
      const args: string[] | null = containers ? containers.flatMap((c) => c.args ?? []) : null;
      if (!args) return null;
      const features = args
        .filter((a: string) => a.startsWith('--features='))
        .flatMap((a: string) => a.slice(11).split(','));
      return features.includes(CSI_FEATURE)
        ? null
        : `the velero Deployment in ${target.context}/${tns} runs without --features=${CSI_FEATURE}`;
    });
  if (install.snapshotLocations)
    await attempt(async () => {
      const items = await listSnapshotLocations(target, tns);
      return items.length ? null : `${target.context}/${tns} has no VolumeSnapshotLocation for its native snapshots`;
    });
  if (install.repositoryPassword && !sameCluster && source) {
    const unreadable: string[] = [];
    for (const [gw, ns] of [
      [source, plan.source.veleroNamespace],
      [target, tns],
    ] as const)
      if (!(await mayReadRepoPassword(gw, ns))) unreadable.push(`${gw.context}/${ns}`);
    if (unreadable.length)
      notChecked.push(
        `the kopia repository passwords were not compared: the drill's identity may not read Secret ${REPO_PASSWORD_SECRET} in ${unreadable.join(' and ')}; bind deploy/rbac/drill-secrets.yaml to compare them (they must be equal, or the repositories will not open)`,
      );
    else
      await attempt(async () => {
        const read = async (gw: KubeGateway, ns: string) =>
          (
            (await gw.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: REPO_PASSWORD_SECRET })) as
              (KubeObject & { data?: Record<string, string> }) | null
          )?.data?.[REPO_PASSWORD_KEY] ?? null;
        const [s, t] = [await read(source, plan.source.veleroNamespace), await read(target, tns)];
        // Compared as stored (base64), never decoded or printed.
        return s && t && s !== t
          ? `Secret ${REPO_PASSWORD_SECRET} in ${target.context}/${tns} differs from the source's: the kopia repositories will not open`
          : null;
      });
  }
  return { gaps, notChecked };
}
