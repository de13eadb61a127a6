/**
 * A builder for compiled drill plans, for engine tests: `aPlan().schedule('payments-daily', 26 * HOUR).build()`.
 * The default: scenario payments-nightly, drill abcd1234, source namespace payments restored into
 * payments-drill-abcd1234 in the same cluster (context memory), newest backup of schedule payments-daily,
 * one critical workload probe on Deployment payments/api, short timeouts that suit a test.
 */
import type { AksTargetPlan, BackupPlan, DrillPlan, ProbePlan } from '../../src/plan/types.js';
import type { ScenarioProbe } from '../../src/scenario/schema.js';
import { compileProbe } from '../../src/plan/probe-compile.js';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export class PlanBuilder {
  private p: DrillPlan;

  constructor() {
    this.p = {
      drillId: 'abcd1234',
      scenario: { name: 'payments-nightly', file: null, sha256: null, labels: { team: 'payments' }, description: null },
      objectives: { rtoMs: 30 * MINUTE, rpoMs: 26 * HOUR },
      source: { kubeContext: null, veleroNamespace: 'velero' },
      backup: { mode: 'schedule', schedule: 'payments-daily', maxAgeMs: 26 * HOUR },
      target: {
        kind: 'namespace',
        kubeContext: null,
        veleroNamespace: 'velero',
        namespaceSuffix: '-drill-abcd1234',
        isolation: 'strict',
      },
      restore: {
        name: 'dr-drill-abcd1234',
        includedNamespaces: ['payments'],
        excludedNamespaces: [],
        includedResources: [],
        excludedResources: [],
        labelSelector: null,
        restorePVs: true,
        volumeData: 'checked',
        existingResourcePolicy: 'none',
        timeoutMs: 5 * SECOND,
        tolerateMaxErrors: null,
        partiallyFailedBackup: 'warn',
      },
      probes: [],
      teardown: { when: 'always', timeoutMs: 2 * SECOND },
      report: { html: false },
    };
    this.workloadProbe('api-ready', 'payments', 'api');
  }

  drillId(id: string): this {
    this.p.drillId = id;
    this.p.restore.name = `dr-drill-${id}`;
    this.p.target.namespaceSuffix = `-drill-${id}`;
    return this;
  }
  rto(ms: number): this {
    this.p.objectives.rtoMs = ms;
    return this;
  }
  rpo(ms: number): this {
    this.p.objectives.rpoMs = ms;
    return this;
  }
  backup(b: BackupPlan): this {
    this.p.backup = b;
    return this;
  }
  schedule(schedule: string, maxAgeMs: number | null = 26 * HOUR): this {
    return this.backup({ mode: 'schedule', schedule, maxAgeMs });
  }
  /** The drill takes the backup itself (`<scenario>-<drillId>`). */
  createBackup(): this {
    return this.backup({
      mode: 'create',
      name: `${this.p.scenario.name}-${this.p.drillId}`,
      includedNamespaces: ['payments'],
      ttl: '72h0m0s',
      storageLocation: null,
      snapshotVolumes: false,
      defaultVolumesToFsBackup: true,
      timeoutMs: 5 * SECOND,
      maxAgeMs: null,
    });
  }
  suffix(suffix: string): this {
    this.p.target.namespaceSuffix = suffix;
    return this;
  }
  restoreTimeout(ms: number): this {
    this.p.restore.timeoutMs = ms;
    return this;
  }
  tolerate(maxErrors: number | null): this {
    this.p.restore.tolerateMaxErrors = maxErrors;
    return this;
  }
  teardown(when: DrillPlan['teardown']['when'], timeoutMs = this.p.teardown.timeoutMs): this {
    this.p.teardown = { when, timeoutMs };
    return this;
  }
  noProbes(): this {
    this.p.probes = [];
    return this;
  }
  /** Adds a probe as written in a scenario (critical unless `critical: false`). */
  probe(spec: ScenarioProbe, timeoutMs = 2 * SECOND): this {
    const plan: ProbePlan = { ...compileProbe(spec), timeoutMs };
    this.p.probes = [...this.p.probes.filter((x) => x.name !== spec.name), plan];
    return this;
  }
  workloadProbe(name: string, namespace: string, deployment: string, timeoutMs = 2 * SECOND): this {
    return this.probe({ name, kind: 'workload', ref: { kind: 'Deployment', namespace, name: deployment } }, timeoutMs);
  }
  build(): DrillPlan {
    return structuredClone(this.p);
  }
}

export function aPlan(): PlanBuilder {
  return new PlanBuilder();
}

/** An AKS target of drill abcd1234 (subscription ...0001, two system nodes in zones 1 and 2, workload identity). */
export function anAksTarget(
  over: Partial<AksTargetPlan> = {},
  velero: Partial<AksTargetPlan['velero']> = {},
): AksTargetPlan {
  const subscriptionId = '00000000-0000-0000-0000-000000000001';
  return {
    subscriptionId,
    resourceGroup: 'rg-drill',
    createResourceGroup: true,
    location: 'swedencentral',
    clusterName: 'dr-drill-abcd1234',
    dnsPrefix: 'drill-abcd1234',
    kubernetesVersion: null,
    nodePools: [{ name: 'system', mode: 'System', vmSize: 'Standard_D4s_v5', count: 2, zones: ['1', '2'] }],
    networkPlugin: 'azure',
    identity: { type: 'SystemAssigned' },
    tags: { 'dr-drill-drill-id': 'abcd1234', 'dr-drill-scenario': 'payments' },
    credentials: 'admin',
    expiresAfterMs: 3_600_000,
    costPerNodeHour: 0.2,
    provisionTimeoutMs: 60_000,
    ...over,
    velero: {
      install: 'auto',
      installer: 'manifests',
      image: 'v',
      pluginImage: 'p',
      bslName: 'default',
      credentials: { workloadIdentityClientId: 'x' },
      timeoutMs: 1000,
      storage: {
        container: 'velero',
        prefix: null,
        storageAccount: 'sa',
        resourceGroup: 'rg',
        subscriptionId,
        storageAccountUri: null,
        caCertFile: null,
      },
      ...over.velero,
      ...velero,
    },
  };
}
