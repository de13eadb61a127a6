/**
 * The aks target's two engine hooks: provision-target (create the cluster, fetch its kubeconfig, install Velero,
 * route the target context to it; counted in RTO like every phase after T0) and the cluster part of teardown
 * (delete the cluster and the resource group the drill made; `--keep` leaves them with their expiry tag).
 */
import { readFileSync } from 'node:fs';
import { armSettings } from '../azure/arm.js';
import { AksClusters, type ProvisionedCluster } from '../azure/aks-cluster.js';
import { costLine } from '../azure/cost.js';
import { removeDrillResources } from '../azure/ownership.js';
import { inputError, isDrillError } from '../util/errors.js';
import { drillGateway } from './api-outages.js';
import { gatewayFor, kubeconfigFromText } from '../kube/kubeconfig.js';
import type { KubeGateway } from '../kube/gateway.js';
import type { AksTargetPlan } from '../plan/types.js';
import {
  applyObjects,
  beforeServer,
  dataPathObjects,
  existingVelero,
  renderWithCli,
  veleroCliVersion,
  veleroCrds,
  veleroManifests,
  waitBslAvailable,
  type VeleroInstallSpec,
} from '../velero/install.js';
import { bslKindServed, veleroServed } from '../velero/bsl.js';
import { routeTargetContext, type DrillContext } from './context.js';
import { describeInstall, describeNeeds, hasVolumeData } from '../velero/data-path.js';
import { borrowFromSource, decideDataPath } from './aks-data-path.js';

/** What the drill made in Azure; teardown reads it. */
export interface AksHandle {
  clusters: AksClusters;
  cluster: ProvisionedCluster | null;
  startedAt: Date;
}

/**
 * Before the drill writes anything (a backup it takes, a resource group): the cluster name must be free. Only an
 * input problem stops the drill here (exit 2, no report); ARM trouble is left to provision-target, which reports
 * it as the drill's ERROR.
 */
export async function requireAksNameFree(aks: AksTargetPlan): Promise<void> {
  try {
    await new AksClusters(armSettings(), aks.subscriptionId).checkName(aks);
  } catch (e) {
    if (isDrillError(e) && e.category === 'input') throw e;
  }
}

/** provision-target for kind aks. Returns the handle as soon as ARM accepted the cluster, so teardown can delete it. */
export async function provisionAks(ctx: DrillContext, setHandle: (h: AksHandle) => void): Promise<void> {
  const { plan, rec } = ctx;
  const aks = plan.target.aks!;
  const clusters = new AksClusters(armSettings(), aks.subscriptionId);
  const handle: AksHandle = { clusters, cluster: null, startedAt: ctx.clock.now() };
  setHandle(handle);
  const progress = (m: string) => rec.event('info', m);
  try {
    handle.cluster = await clusters.provision(aks, { now: ctx.clock.now(), signal: ctx.signal, onProgress: progress });
  } catch (e) {
    const made = (e as { provisioned?: ProvisionedCluster }).provisioned;
    // Only when this run made something (an accepted PUT, a resource group it created): teardown reads each back
    // and deletes it only if it carries this drill's id.
    if (made) handle.cluster = made;
    throw e;
  }
  const gw = drillGateway(rec, gatewayFor(kubeconfigFromText(await clusters.kubeconfig(aks)), null));
  rec.event(
    'info',
    `kubeconfig (${aks.credentials}) loaded in memory for context ${gw.context}; API server ${gw.server}`,
  );
  routeTargetContext(ctx, gw);
  await installDrillVelero(ctx, gw, aks);
}

export async function installDrillVelero(ctx: DrillContext, gw: KubeGateway, aks: AksTargetPlan): Promise<void> {
  const { plan, rec } = ctx;
  const v = aks.velero;
  const { caCertFile, ...storage } = v.storage;
  const data = await decideDataPath(ctx);
  const spec: VeleroInstallSpec = {
    namespace: plan.target.veleroNamespace,
    image: v.image,
    pluginImage: v.pluginImage,
    bslName: v.bslName,
    storage: { ...storage, caCertPem: caCertFile ? readText(caCertFile, 'velero.storage.caCertFile') : null },
    credentials:
      'secretFile' in v.credentials
        ? { secretFileText: readText(v.credentials.secretFile, 'velero.credentials.secretFile') }
        : v.credentials,
    // Not the drill-id label: the install may apply onto objects that already exist (the velero namespace), and
    // cleanup deletes what carries that label. The cluster's deletion removes what the install made.
    labels: { 'dr-drill.io/installed-by': plan.drillId, 'dr-drill.io/scenario': plan.scenario.name },
    dataPath: data.install,
  };
  const record = (x: NonNullable<DrillContext['rec']['report']['target']['veleroInstall']>) => {
    rec.report.target = { ...rec.report.target, veleroInstall: x };
  };
  const notInstalled = (why: string) => {
    rec.event('info', `Velero install skipped: ${why}`);
    record({ performed: false, method: null, cliVersion: null, reason: `skipped: ${why}`, dataPath: null });
  };
  const needed = data.install.nodeAgent || data.install.snapshotLocations || data.install.features.length > 0;
  if (v.install === 'never') {
    notInstalled('velero.install is never');
    if (needed)
      rec.report.warnings.push(
        `the backup's volume data (${describeNeeds(data.needs)}) needs ${describeInstall(data.install)} in the drill cluster, which dr-drill did not install (velero.install is never)`,
      );
    return;
  }
  if (v.install === 'auto') {
    // Healthy includes node-agent when the data needs it (existingVelero).
    const existing = await existingVelero(gw, spec);
    if (existing.healthy) return notInstalled(`already installed and healthy (${existing.why})`);
    rec.event('info', `installing Velero: ${existing.why}`);
  }
  const useCli = v.installer === 'cli' || (v.installer === 'auto' && (await veleroCliVersion()) !== null);
  const rendered = useCli ? await renderWithCli(spec) : null;
  const how = rendered
    ? `rendered by velero install --dry-run (CLI ${rendered.cliVersion}), BSL forced ReadOnly, applied by dr-drill`
    : "from dr-drill's generated manifests";
  if (rendered && v.image.split(':').pop() !== rendered.cliVersion) {
    rec.report.warnings.push(
      `the velero CLI is ${rendered.cliVersion} but the server image is ${v.image}: the CRDs and manifests follow the CLI's version`,
    );
  }
  const loan = await borrowFromSource(ctx.source, plan.source.veleroNamespace, data);
  for (const w of loan.warnings) {
    rec.event('warn', w);
    rec.report.warnings.push(w);
  }
  if (!(await veleroServed(gw))) {
    const crds = rendered?.crds ?? (await veleroCrds());
    if (!crds) {
      throw inputError(
        'VELERO_CLI_MISSING',
        `Velero CRDs are missing in ${gw.context} and the velero CLI is not available to render them`,
        'install the velero CLI (on PATH, or DR_DRILL_VELERO_BIN) — dr-drill runs `velero install --crds-only --dry-run -o yaml`',
      );
    }
    const applied = await applyObjects(gw, crds);
    rec.event('info', `applied ${applied.length} Velero CRDs`);
    // The API server serves a CRD a moment after it is created; discovery is cached per gateway, so wait here.
    await waitFor(() => bslKindServed(gw), 30_000);
  } else {
    rec.event('info', 'Velero CRDs already present in the drill cluster: left as they are');
  }
  const applied = await applyObjects(
    gw,
    beforeServer(rendered?.objects ?? veleroManifests(spec), dataPathObjects(spec, loan)),
  );
  rec.event('info', `installed Velero ${how}: ${applied.join(', ')}`);
  if (hasVolumeData(data.needs))
    rec.event(
      'info',
      `for the backup's volume data (${describeNeeds(data.needs)}): ${describeInstall({ ...data.install, repositoryPassword: !!loan.repositoryPasswordData, snapshotLocations: loan.snapshotLocations.length > 0 })}`,
    );
  record({
    performed: true,
    method: rendered ? 'cli' : 'manifests',
    cliVersion: rendered?.cliVersion ?? null,
    reason: `installed ${how}`,
    dataPath: {
      volumeData: describeNeeds(data.needs),
      nodeAgent: data.install.nodeAgent,
      privilegedNodeAgent: data.install.privilegedNodeAgent,
      features: data.install.features,
      repositoryPasswordFrom: !data.install.repositoryPassword
        ? null
        : loan.repositoryPasswordData
          ? 'source'
          : 'velero-default',
      volumeSnapshotLocations: loan.snapshotLocations.map((o) => o.metadata.name),
    },
  });
  rec.event('info', `waiting for BSL ${spec.bslName} to be Available`);
  await waitBslAvailable(gw, spec, v.timeoutMs, ctx.signal);
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  // Discovery, not an object: there is nothing to watch, so a short bounded retry.
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function readText(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw inputError(
      'AKS_FILE_UNREADABLE',
      `${field} ${path} cannot be read: ${(e as Error).message}`,
      'point it at an existing file',
    );
  }
}

/**
 * Deletes the drill cluster (and its resource group when the drill made it), unless kept; only what this run
 * created and still carries its drill id tag (azure/ownership.ts). Records deletions in
 * report.teardown.deleted, failures in leftBehind, and the cost line in warnings.
 */
export async function teardownAks(ctx: DrillContext, handle: AksHandle, keepReason: string | null): Promise<void> {
  const { rec, plan } = ctx;
  const report = rec.report;
  const c = handle.cluster;
  if (!c) return;
  const aks = plan.target.aks!;
  const id = `ManagedCluster ${c.resourceGroup}/${c.name}`;
  if (keepReason) {
    rec.event(
      'info',
      `kept ${id} (${keepReason}); it carries dr-drill-expires=${c.expiresAt}: dr-drill janitor --subscription ${c.subscriptionId} deletes it after that`,
    );
    report.warnings.push(costLine(c.nodeCount, handle.startedAt, ctx.clock.now(), aks.costPerNodeHour, true));
    report.warnings.push(
      `${id} was kept until ${c.expiresAt}; delete it with dr-drill janitor --subscription ${c.subscriptionId}`,
    );
    return;
  }
  const removal = await removeDrillResources(handle.clusters, c, {
    timeoutMs: plan.teardown.timeoutMs,
    onProgress: (m) => rec.event('info', m),
  });
  report.teardown.deleted.push(...removal.deleted);
  report.teardown.leftBehind.push(...removal.leftBehind);
  for (const why of removal.notOurs) {
    rec.event('warn', why);
    report.warnings.push(why);
  }
  if (removal.leftBehind.length)
    report.warnings.push(
      `${id} could not be deleted: run dr-drill janitor --subscription ${c.subscriptionId} (it expires ${c.expiresAt})`,
    );
  report.warnings.push(costLine(c.nodeCount, handle.startedAt, ctx.clock.now(), aks.costPerNodeHour, false));
}

/**
 * The teardown phase of an aks drill. Deleting the cluster removes everything the restore made in it, so the
 * in-cluster teardown is not run first (it would only wait on finalizers of objects about to vanish).
 */
export async function aksTeardownPhase(
  ctx: DrillContext,
  handle: AksHandle,
  keep: boolean,
  passing: boolean,
): Promise<void> {
  const { plan, rec } = ctx;
  const when = keep ? 'never' : plan.teardown.when;
  const keepReason = keep
    ? 'kept on request (--keep)'
    : when === 'never'
      ? 'teardown.when is never'
      : when === 'on-pass' && !passing
        ? 'teardown.when is on-pass and the drill did not pass'
        : null;
  if (keepReason) {
    rec.skipPhase('teardown', keepReason);
    rec.report.teardown = { performed: false, reason: keepReason, deleted: [], leftBehind: [] };
    await teardownAks(ctx, handle, keepReason);
    return;
  }
  rec.startPhase('teardown');
  rec.report.teardown = { performed: true, reason: null, deleted: [], leftBehind: [] };
  await teardownAks(ctx, handle, null);
  const left = rec.report.teardown.leftBehind.length;
  rec.endPhase(
    left ? 'failed' : 'succeeded',
    left
      ? `${left} Azure resource(s) left: run dr-drill janitor --subscription ${handle.cluster?.subscriptionId}`
      : null,
  );
}
