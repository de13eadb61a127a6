/**
 * The drill cluster's life in ARM: refuse a name that is taken, create (resource group first when the scenario
 * allows), wait on the long-running operation with progress, fetch credentials, delete. Every ARM failure comes
 * out as a DrillError (arm-errors.ts).
 */
import type { ContainerServiceClient, ManagedCluster } from '@azure/arm-containerservice';
import type { AksTargetPlan } from '../plan/types.js';
import { AKS_TAGS } from '../plan/aks-plan.js';
import { infraError, inputError } from '../util/errors.js';
import { mapArmError } from './arm-errors.js';
import type { ArmSettings } from './arm.js';
import { containerServiceClient } from './arm.js';
import { createResourceGroup, deleteResourceGroup, getResourceGroup } from './resource-groups.js';

/** A provisioned cluster: what teardown, the report and the cost line need. No credentials in here. */
export interface ProvisionedCluster {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  /** The drill id tag this run put on what it made. */
  drillId: string;
  /** This run's PUT of the cluster was sent and not refused; teardown still reads the tag back before deleting. */
  clusterCreated: boolean;
  /** ARM answered 201 Created to this run's PUT of the resource group. */
  resourceGroupCreated: boolean;
  nodeCount: number;
  expiresAt: string;
  fqdn: string | null;
  kubernetesVersion: string | null;
}

/** ARM access for one drill cluster. */
export class AksClusters {
  readonly client: ContainerServiceClient;
  constructor(
    readonly settings: ArmSettings,
    readonly subscriptionId: string,
  ) {
    this.client = containerServiceClient(settings, subscriptionId);
  }

  /** The managed-cluster body the drill PUTs. */
  static body(plan: AksTargetPlan, expiresAt: Date): ManagedCluster {
    return {
      location: plan.location,
      tags: { ...plan.tags, [AKS_TAGS.expires]: expiresAt.toISOString() },
      identity:
        plan.identity.type === 'SystemAssigned'
          ? { type: 'SystemAssigned' }
          : { type: 'UserAssigned', userAssignedIdentities: { [plan.identity.resourceId]: {} } },
      dnsPrefix: plan.dnsPrefix,
      kubernetesVersion: plan.kubernetesVersion ?? undefined,
      agentPoolProfiles: plan.nodePools.map((p) => ({
        name: p.name,
        mode: p.mode,
        vmSize: p.vmSize,
        count: p.count,
        osType: 'Linux',
        availabilityZones: p.zones.length ? p.zones : undefined,
      })),
      networkProfile: { networkPlugin: plan.networkPlugin },
    };
  }

  /**
   * Read-only: whether the resource group exists and the cluster name is free. A taken name is refused here, so
   * `plan` shows it and `run` stops before any write. Throws AKS_NAME_CONFLICT (input) or a mapped ARM error.
   */
  async checkName(plan: AksTargetPlan): Promise<{ resourceGroupExists: boolean; detail: string }> {
    const where = `managed cluster ${plan.resourceGroup}/${plan.clusterName}`;
    try {
      const rg = await getResourceGroup(this.client, this.settings.endpoint, plan.subscriptionId, plan.resourceGroup);
      if (!rg && !plan.createResourceGroup) {
        throw inputError(
          'AZURE_RESOURCE_GROUP_NOT_FOUND',
          `resource group ${plan.resourceGroup} does not exist in subscription ${plan.subscriptionId}`,
          'create it first, or set createResourceGroup: true in the aks target (the drill then deletes it in teardown)',
        );
      }
      const existing = rg ? await this.getCluster(plan.resourceGroup, plan.clusterName) : null;
      if (existing) {
        const drill = existing.tags?.[AKS_TAGS.drillId];
        throw inputError(
          'AKS_NAME_CONFLICT',
          `${where} already exists${drill ? ` (drill ${drill})` : ''}`,
          'the drill never takes over or deletes a cluster it did not create: choose another clusterName (e.g. dr-drill-{{drillId}}), or remove an old drill cluster with dr-drill janitor',
        );
      }
      return {
        resourceGroupExists: Boolean(rg),
        detail: `${where} is free${rg ? '' : `; resource group ${plan.resourceGroup} will be created (and deleted by teardown)`}`,
      };
    } catch (e) {
      throw mapArmError(e, `check ${where}`);
    }
  }

  /** The managed cluster, or null when it does not exist. */
  async getCluster(rg: string, name: string): Promise<ManagedCluster | null> {
    return this.client.managedClusters.get(rg, name).catch((e: { statusCode?: number }) => {
      if (e?.statusCode === 404) return null;
      throw e;
    });
  }

  /**
   * Creates the cluster and waits until ARM says Succeeded. Never takes over an existing cluster: a GET first,
   * and If-None-Match: * on the PUT so a race still fails (412) instead of updating someone else's cluster.
   * A failure carries `provisioned` only when this run made something (its resource group, or an accepted PUT),
   * with flags saying which: teardown deletes only that.
   */
  async provision(
    plan: AksTargetPlan,
    opts: { now: Date; signal?: AbortSignal; onProgress: (m: string) => void },
  ): Promise<ProvisionedCluster> {
    const where = `managed cluster ${plan.resourceGroup}/${plan.clusterName} in ${plan.location}`;
    const expiresAt = new Date(opts.now.getTime() + plan.expiresAfterMs);
    let rgCreated = false;
    // Sent and not refused: ARM may have accepted it even when the answer was lost, so teardown reads it back.
    let putSent = false;
    let putRefused = false;
    const made = (mc: ManagedCluster | null): ProvisionedCluster => ({
      subscriptionId: plan.subscriptionId,
      resourceGroup: plan.resourceGroup,
      name: plan.clusterName,
      location: plan.location,
      drillId: plan.tags[AKS_TAGS.drillId],
      clusterCreated: putSent && !putRefused,
      resourceGroupCreated: rgCreated,
      nodeCount: nodeCount(plan),
      expiresAt: expiresAt.toISOString(),
      fqdn: mc?.fqdn ?? null,
      kubernetesVersion: mc?.kubernetesVersion ?? null,
    });
    const { resourceGroupExists } = await this.checkName(plan);
    try {
      if (!resourceGroupExists) {
        opts.onProgress(`creating resource group ${plan.resourceGroup} in ${plan.location}`);
        rgCreated = await createResourceGroup(
          this.client,
          this.settings.endpoint,
          plan.subscriptionId,
          plan.resourceGroup,
          plan.location,
          {
            [AKS_TAGS.drillId]: plan.tags[AKS_TAGS.drillId],
            [AKS_TAGS.scenario]: plan.tags[AKS_TAGS.scenario],
            [AKS_TAGS.expires]: expiresAt.toISOString(),
          },
        );
        if (!rgCreated)
          opts.onProgress(`resource group ${plan.resourceGroup} appeared meanwhile: it is not the drill's`);
      }
    } catch (e) {
      throw mapArmError(e, `resource group ${plan.resourceGroup}`);
    }
    try {
      opts.onProgress(`creating ${where} (${plan.nodePools.map((p) => `${p.count}×${p.vmSize}`).join(', ')})`);
      putSent = true;
      const poller = this.client.managedClusters.createOrUpdate(
        plan.resourceGroup,
        plan.clusterName,
        AksClusters.body(plan, expiresAt),
        {
          ifNoneMatch: '*',
          updateIntervalInMs: this.settings.pollIntervalMs,
          abortSignal: opts.signal,
          // Called for the PUT only (polls are separate requests), after the SDK's own retries.
          onResponse: (raw) => {
            if (raw.status >= 400) putRefused = true;
          },
        },
      );
      let last = '';
      poller.onProgress((s) => {
        if (s.status !== last) opts.onProgress(`ARM operation ${s.status}`);
        last = s.status;
      });
      const mc = await withTimeout(poller.pollUntilDone(), plan.provisionTimeoutMs, where);
      if (mc.provisioningState && mc.provisioningState !== 'Succeeded') {
        throw infraError(
          'AKS_PROVISIONING_FAILED',
          `${where}: provisioningState ${mc.provisioningState}`,
          'see the activity log of the resource group',
        );
      }
      opts.onProgress(`${where} is ${mc.provisioningState ?? 'Succeeded'} (Kubernetes ${mc.kubernetesVersion ?? '?'})`);
      return made(mc);
    } catch (e) {
      const err = mapArmError(e, `create ${where}`);
      const m = made(null);
      if (!m.clusterCreated && !m.resourceGroupCreated) throw err;
      throw Object.assign(err, { provisioned: m });
    }
  }

  /**
   * The kubeconfig of the cluster: admin (client certificates), or user in exec format (kubelogin) where local
   * accounts are disabled. Returned as text to load in memory; never written to the report.
   */
  async kubeconfig(plan: AksTargetPlan): Promise<string> {
    try {
      const res =
        plan.credentials === 'admin'
          ? await this.client.managedClusters.listClusterAdminCredentials(plan.resourceGroup, plan.clusterName)
          : await this.client.managedClusters.listClusterUserCredentials(plan.resourceGroup, plan.clusterName, {
              format: 'exec',
            });
      const value = res.kubeconfigs?.[0]?.value;
      if (!value)
        throw infraError(
          'AKS_NO_KUBECONFIG',
          `managed cluster ${plan.clusterName} returned no kubeconfig`,
          'retry; check the cluster in the portal',
        );
      return new TextDecoder().decode(value);
    } catch (e) {
      const mapped = mapArmError(e, `get ${plan.credentials} credentials of ${plan.resourceGroup}/${plan.clusterName}`);
      if (plan.credentials === 'admin' && /local accounts|disableLocalAccounts|BadRequest/i.test(mapped.message)) {
        throw infraError(
          'AKS_LOCAL_ACCOUNTS_DISABLED',
          mapped.message,
          'the cluster has local accounts disabled: set credentials: user in the aks target and install kubelogin',
        );
      }
      throw mapped;
    }
  }

  /** Deletes the cluster and waits for the operation; a cluster that is already gone counts as deleted. */
  async deleteCluster(rg: string, name: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.client.managedClusters
        .delete(rg, name, { updateIntervalInMs: this.settings.pollIntervalMs, abortSignal: opts.signal })
        .pollUntilDone();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return;
      throw mapArmError(e, `delete managed cluster ${rg}/${name}`);
    }
  }

  /** The resource group's tags, or null when it does not exist. */
  async getResourceGroup(rg: string): Promise<{ tags: Record<string, string> } | null> {
    try {
      return await getResourceGroup(this.client, this.settings.endpoint, this.subscriptionId, rg);
    } catch (e) {
      throw mapArmError(e, `read resource group ${rg}`);
    }
  }

  /** Deletes a resource group the drill created; false when it is still being deleted at the deadline. */
  async deleteResourceGroup(rg: string, timeoutMs: number): Promise<boolean> {
    try {
      return await deleteResourceGroup(this.client, this.settings.endpoint, this.subscriptionId, rg, {
        timeoutMs,
        pollMs: this.settings.pollIntervalMs,
      });
    } catch (e) {
      throw mapArmError(e, `delete resource group ${rg}`);
    }
  }
}

/** Total nodes of the plan (the cost line and the report). */
export function nodeCount(plan: AksTargetPlan): number {
  return plan.nodePools.reduce((n, p) => n + p.count, 0);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          infraError(
            'AKS_PROVISION_TIMEOUT',
            `${what} not ready after ${Math.round(ms / 60_000)}m`,
            'raise aks.provisionTimeout, or check the cluster in the portal (the drill still deletes it)',
          ),
        ),
      ms,
    );
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
