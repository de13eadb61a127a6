/**
 * The aks target against a local HTTPS ARM fake (self-signed CA through NODE_EXTRA_CA_CERTS, so the code under
 * test runs in a child process): provisioning flow, the clear errors of item 2, credentials, teardown, janitor.
 * No local Kubernetes needed: the fake hands out a dummy kubeconfig.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_ARM_APP_ID, FAKE_ARM_TOKEN, FakeArm } from '../support/fake-arm/server.js';
import type { AksTargetPlan } from '../../src/plan/types.js';
import { anAksTarget } from '../support/plan-builder.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const SUB = '00000000-0000-0000-0000-000000000001';

const aPlan = anAksTarget;

async function drive(fake: FakeArm, plan: AksTargetPlan, keep = false): Promise<Record<string, any>> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'test/support/fake-arm/drive.ts', JSON.stringify(plan), ...(keep ? ['keep'] : [])],
    { cwd: root, env: { ...process.env, ...fake.env() } },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

async function cli(fake: FakeArm, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], {
      cwd: root,
      env: { ...process.env, ...fake.env() },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('aks target against the fake ARM (HTTPS, NODE_EXTRA_CA_CERTS)', function () {
  this.timeout(60_000);
  let fake: FakeArm;
  beforeEach(async () => {
    fake = await new FakeArm().start();
  });
  afterEach(async () => {
    const made = [...fake.clusters.keys()].filter((k) => !fake.seeded.has(k));
    expect(made, 'no cluster the drill made is left behind in the fake').to.deep.equal([]);
    await fake.stop();
  });

  it('creates the resource group and the cluster, polls the operation, gets credentials, deletes both', async () => {
    const out = await drive(fake, aPlan());
    expect(out.error).to.equal(undefined);
    expect(out.context).to.equal('fake-aks-admin');
    expect(out.deleted).to.deep.equal(['ManagedCluster rg-drill/dr-drill-abcd1234', 'ResourceGroup rg-drill']);
    const put = fake.requests.find((r) => r.method === 'PUT' && r.path.includes('managedClusters'))!;
    expect(put.apiVersion).to.match(/^\d{4}-\d{2}-\d{2}/);
    expect(put.auth).to.equal(`Bearer ${FAKE_ARM_TOKEN}`);
    expect(put.ifNoneMatch).to.equal('*');
    const body = put.body as {
      tags: Record<string, string>;
      location: string;
      properties: { agentPoolProfiles: Array<{ count: number; availabilityZones: string[] }> };
    };
    expect(body.location).to.equal('swedencentral');
    expect(body.tags['dr-drill-drill-id']).to.equal('abcd1234');
    expect(Date.parse(body.tags['dr-drill-expires'])).to.be.greaterThan(Date.now());
    expect(body.properties.agentPoolProfiles[0].availabilityZones).to.deep.equal(['1', '2']);
    const seq = fake.requests.map(
      (r) => `${r.method} ${r.path.replace(/\/subscriptions\/[^/]+/, '').replace(/op-\d+/, 'op')}`,
    );
    expect(seq.filter((s) => s.startsWith('GET /operations/')).length).to.be.greaterThanOrEqual(3);
    expect(seq).to.include(
      'POST /resourceGroups/rg-drill/providers/Microsoft.ContainerService/managedClusters/dr-drill-abcd1234/listClusterAdminCredential',
    );
    expect(fake.resourceGroups.size).to.equal(0);
  });

  it('honours 429 Retry-After (the SDK retries) and counts the throttled answers', async () => {
    fake.fault({
      method: 'PUT',
      path: 'managedClusters',
      status: 429,
      code: 'TooManyRequests',
      message: 'throttled',
      retryAfter: 1,
      times: 2,
    });
    const t0 = Date.now();
    const out = await drive(fake, aPlan());
    expect(out.error).to.equal(undefined);
    const puts = fake.requests.filter((r) => r.method === 'PUT' && r.path.includes('managedClusters'));
    expect(puts.length).to.equal(3);
    expect(Date.now() - t0).to.be.greaterThanOrEqual(2000);
  });

  const failures: Array<{ name: string; fault: Parameters<FakeArm['fault']>[0]; code: string; hint: RegExp }> = [
    {
      name: 'quota exceeded (operation Failed)',
      fault: {
        method: 'PUT',
        path: 'managedClusters',
        status: 200,
        asyncFailure: true,
        code: 'QuotaExceeded',
        message: 'Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota.',
      },
      code: 'AKS_QUOTA_EXCEEDED',
      hint: /quota/,
    },
    {
      name: 'VM size not offered in the region',
      fault: {
        method: 'PUT',
        path: 'managedClusters',
        status: 400,
        code: 'BadRequest',
        message: "The VM size of Standard_E96s_v5 is not allowed in your subscription in location 'swedencentral'.",
      },
      code: 'AKS_VM_SIZE_UNAVAILABLE',
      hint: /list-skus/,
    },
    {
      name: 'conflict (409)',
      fault: {
        method: 'PUT',
        path: 'managedClusters',
        status: 409,
        code: 'OperationNotAllowed',
        message: "Operation is not allowed because there's an in progress operation.",
      },
      code: 'AKS_CONFLICT',
      hint: /another operation/,
    },
    {
      name: 'authorisation failure (403)',
      fault: {
        method: 'GET',
        path: 'resourcegroups',
        status: 403,
        code: 'AuthorizationFailed',
        message:
          "The client 'x' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourcegroups/read'.",
      },
      code: 'ARM_AUTHORIZATION_FAILED',
      hint: /Least-privilege Azure access/,
    },
    {
      name: 'throttling that never ends',
      fault: { status: 429, code: 'TooManyRequests', message: 'throttled', retryAfter: 0, times: 20 },
      code: 'ARM_THROTTLED',
      hint: /Retry-After/,
    },
  ];
  for (const c of failures) {
    it(`maps ${c.name} to ${c.code} with a hint, and leaves nothing behind`, async () => {
      fake.fault(c.fault);
      const out = await drive(fake, aPlan());
      expect(out.error?.code, JSON.stringify(out)).to.equal(c.code);
      expect(out.error.hint).to.match(c.hint);
      expect(JSON.stringify(out)).to.not.contain(FAKE_ARM_TOKEN);
    });
  }

  // Ownership: a drill deletes only what this run created and still carries its drill id. Nothing is kept or
  // cleared by hand here: the fake must record no DELETE of anything the drill did not make.
  const conflicts: Array<{ name: string; createResourceGroup: boolean; tags: Record<string, string> }> = [
    { name: 'someone else’s cluster', createResourceGroup: false, tags: {} },
    { name: 'someone else’s cluster, createResourceGroup on', createResourceGroup: true, tags: {} },
    {
      name: 'an earlier drill’s cluster',
      createResourceGroup: true,
      tags: { 'dr-drill-drill-id': 'old12345', 'dr-drill-expires': '2020-01-01T00:00:00Z' },
    },
  ];
  for (const c of conflicts) {
    it(`refuses a taken name (${c.name}) before any write, and deletes nothing`, async () => {
      fake.resourceGroups.set(`${SUB}/rg-drill`.toLowerCase(), { location: 'swedencentral', tags: {} });
      fake.seedCluster(SUB, 'rg-drill', 'dr-drill-abcd1234', c.tags, 'someone@example.com');
      const out = await drive(fake, aPlan({ createResourceGroup: c.createResourceGroup }));
      expect(out.error.code).to.equal('AKS_NAME_CONFLICT');
      expect(out.error.category).to.equal('input');
      expect(out.provisioned, 'nothing made, so nothing to tear down').to.equal(null);
      expect(fake.writes()).to.deep.equal([]);
      expect(fake.clusters.has(`${SUB}/rg-drill/dr-drill-abcd1234`.toLowerCase())).to.equal(true);
      expect(fake.resourceGroups.size).to.equal(1);
    });
  }

  const refusedPuts: Array<{ name: string; fault: Parameters<FakeArm['fault']>[0]; code: string }> = [
    {
      name: '412: someone created the cluster between the GET and the PUT',
      fault: {
        method: 'PUT',
        path: 'managedClusters',
        status: 412,
        code: 'PreconditionFailed',
        message: "The resource 'dr-drill-abcd1234' already exists.",
        then: () => fake.seedCluster(SUB, 'rg-drill', 'dr-drill-abcd1234', {}, 'someone@example.com'),
      },
      code: 'AKS_NAME_CONFLICT',
    },
    {
      name: '403 on the cluster PUT',
      fault: { method: 'PUT', path: 'managedClusters', status: 403, code: 'AuthorizationFailed', message: 'no' },
      code: 'ARM_AUTHORIZATION_FAILED',
    },
    {
      name: '429 on the cluster PUT that never ends',
      fault: {
        method: 'PUT',
        path: 'managedClusters',
        status: 429,
        code: 'TooManyRequests',
        message: 'throttled',
        retryAfter: 0,
        times: 20,
      },
      code: 'ARM_THROTTLED',
    },
  ];
  for (const c of refusedPuts) {
    it(`after the resource-group step, ${c.name}: the cluster is not the drill's and is never deleted`, async () => {
      fake.fault(c.fault);
      const out = await drive(fake, aPlan());
      expect(out.error.code).to.equal(c.code);
      expect(out.provisioned).to.include({ clusterCreated: false, resourceGroupCreated: true });
      expect(fake.writes().filter((w) => w.startsWith('DELETE') && w.includes('managedClusters'))).to.deep.equal([]);
      if (fake.seeded.size) {
        // The other party's cluster sits in the resource group the drill made: the group stays with it.
        expect(out.notOurs).to.have.length(1);
        expect(out.leftBehind.map((l: { object: string }) => l.object)).to.deep.equal(['ResourceGroup rg-drill']);
        expect(fake.writes().filter((w) => w.startsWith('DELETE'))).to.deep.equal([]);
        expect(fake.clusters.size).to.equal(1);
      } else {
        // The empty resource group is the drill's (201, tagged): it goes.
        expect(out.deleted).to.deep.equal(['ResourceGroup rg-drill']);
        expect(fake.resourceGroups.size).to.equal(0);
      }
    });
  }

  it('run refuses a taken name with exit 2 before writing anything (no backup, no report folder); plan shows it', async function () {
    this.timeout(180_000);
    fake.resourceGroups.set(`${SUB}/rg-drill`.toLowerCase(), { location: 'swedencentral', tags: {} });
    fake.seedCluster(SUB, 'rg-drill', 'payments-dr', {}, 'someone@example.com');
    const dir = mkdtempSync(join(tmpdir(), 'aks-conflict-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      "apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: 'https://127.0.0.1:1' } }]\n" +
        'users: [{ name: u, user: { token: t } }]\ncontexts: [{ name: prod, context: { cluster: c, user: u } }]\n' +
        'current-context: prod\n',
    );
    const scenario = join(dir, 'aks.yaml');
    writeFileSync(
      scenario,
      `apiVersion: dr-drill/v1
kind: Scenario
metadata: { name: aks-conflict }
spec:
  objectives: { rto: 1h, rpo: 26h }
  source: { kubeContext: prod }
  backup: { create: { includedNamespaces: [payments] } }
  target:
    aks:
      subscriptionId: ${SUB}
      resourceGroup: rg-drill
      clusterName: payments-dr
      location: swedencentral
      velero:
        storage: { container: velero, storageAccount: sa, resourceGroup: rg }
        credentials: { workloadIdentityClientId: 11111111-1111-1111-1111-111111111111 }
  restore: { includedNamespaces: [payments] }
  probes:
    - { name: api, kind: workload, ref: { kind: Deployment, namespace: payments, name: api } }
`,
    );
    const reports = join(dir, 'reports');
    const r = await cli(fake, ['run', scenario, '--kubeconfig', kubeconfig, '--report-dir', reports]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain('AKS_NAME_CONFLICT');
    expect(readdirSync(dir)).to.not.include('reports');
    expect(fake.writes()).to.deep.equal([]);
    const p = await cli(fake, ['plan', scenario, '--kubeconfig', kubeconfig]);
    expect(p.code, p.stderr).to.equal(2);
    expect(p.stdout).to.match(/REFUSED AKS cluster name free: managed cluster rg-drill\/payments-dr already exists/);
    expect(fake.writes()).to.deep.equal([]);
    expect(fake.clusters.size).to.equal(1);
  });

  it('does not create a resource group unless the scenario allows it', async () => {
    const out = await drive(fake, aPlan({ createResourceGroup: false }));
    expect(out.error.code).to.equal('AZURE_RESOURCE_GROUP_NOT_FOUND');
    expect(fake.requests.some((r) => r.method === 'PUT')).to.equal(false);
  });

  it('--keep leaves the cluster with its expiry tag; the janitor deletes only expired drill clusters this identity created', async function () {
    this.timeout(180_000);
    const out = await drive(fake, aPlan({ expiresAfterMs: 0 }), true);
    expect(out.provisioned.expiresAt).to.be.a('string');
    expect(fake.clusters.size).to.equal(1);
    const past = '2020-01-01T00:00:00Z';
    fake.seedCluster(SUB, 'rg-other', 'not-a-drill', {}, FAKE_ARM_APP_ID);
    fake.seedCluster(SUB, 'rg-other', 'young-drill', {
      'dr-drill-drill-id': 'young123',
      'dr-drill-expires': new Date(Date.now() + 3_600_000).toISOString(),
    });
    // A copied tag does not make a cluster the drill's: ARM says another identity created it.
    fake.seedCluster(
      SUB,
      'rg-other',
      'tagged-by-hand',
      { 'dr-drill-drill-id': 'copy1234', 'dr-drill-expires': past },
      'someone@example.com',
    );
    // Where ARM does not say who created it, the tags decide (older API versions, some sovereign clouds).
    fake.seedCluster(SUB, 'rg-other', 'old-drill', { 'dr-drill-drill-id': 'old12345', 'dr-drill-expires': past });
    const dry = await cli(fake, ['janitor', '--subscription', SUB, '--dry-run', '--output', 'json']);
    expect(dry.code, dry.stderr).to.equal(0);
    const listed = JSON.parse(dry.stdout) as { clusters: Array<{ name: string; action: string; reason: string }> };
    expect(listed.clusters.map((c) => `${c.name}:${c.action}`).sort()).to.deep.equal([
      'dr-drill-abcd1234:would-delete',
      'old-drill:would-delete',
      'tagged-by-hand:kept',
      'young-drill:kept',
    ]);
    expect(listed.clusters.find((c) => c.name === 'tagged-by-hand')!.reason).to.contain('someone@example.com');
    expect(fake.writes()).to.deep.equal([
      'PUT /subscriptions/' + SUB + '/resourcegroups/rg-drill',
      'PUT /subscriptions/' +
        SUB +
        '/resourceGroups/rg-drill/providers/Microsoft.ContainerService/managedClusters/dr-drill-abcd1234',
    ]);
    const real = await cli(fake, ['janitor', '--subscription', SUB, '--output', 'json']);
    expect(real.code, real.stderr).to.equal(0);
    expect(
      fake
        .writes()
        .filter((w) => w.startsWith('DELETE'))
        .map((w) => w.split('/').at(-1)),
    ).to.deep.equal(['dr-drill-abcd1234', 'old-drill']);
    expect([...fake.clusters.values()].map((c) => c.name).sort()).to.deep.equal([
      'not-a-drill',
      'tagged-by-hand',
      'young-drill',
    ]);
  });

  it('refuses a plain-http ARM endpoint (TLS is never disabled)', async () => {
    const r = await cli(fake, ['janitor', '--subscription', SUB]).then(async () =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'janitor', '--subscription', SUB], {
        cwd: root,
        env: { ...process.env, ...fake.env(), DR_DRILL_ARM_ENDPOINT: 'http://127.0.0.1:1' },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      ),
    );
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('ARM_ENDPOINT_NOT_TLS');
  });
});
