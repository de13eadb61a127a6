/**
 * Velero install in a drill cluster: the CLI renders (never touching the cluster, never seeing its credentials),
 * dr-drill forces the BSL ReadOnly and labels everything. The CLI here is a stand-in script that records what it
 * was given; test/e2e/aks.test.ts renders with the real velero binary.
 */
import { expect } from 'chai';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cliInstallArgs,
  hardenRendered,
  renderWithCli,
  veleroManifests,
  type VeleroInstallSpec,
} from '../../src/velero/install.js';
import type { KubeObject } from '../../src/kube/types.js';
import { isDrillError } from '../../src/util/errors.js';

const SECRET = 'AZURE_STORAGE_ACCOUNT_ACCESS_KEY=s3cr3t-key-value\nAZURE_CLOUD_NAME=AzurePublicCloud\n';

function spec(over: Partial<VeleroInstallSpec> = {}): VeleroInstallSpec {
  return {
    namespace: 'velero',
    image: 'velero/velero:v1.17.2',
    pluginImage: 'velero/velero-plugin-for-microsoft-azure:v1.13.2',
    bslName: 'dr-source',
    storage: {
      container: 'backups',
      prefix: 'prod',
      storageAccount: 'sa',
      resourceGroup: 'rg',
      subscriptionId: 'sub',
      storageAccountUri: null,
      caCertPem: null,
    },
    credentials: { secretFileText: SECRET },
    labels: { 'dr-drill.io/installed-by': 'abcd1234' },
    dataPath: {
      nodeAgent: false,
      privilegedNodeAgent: false,
      features: [],
      repositoryPassword: false,
      snapshotLocations: false,
    },
    ...over,
  };
}

/** What `velero install --dry-run -o yaml` prints for an Azure BSL (shape from velero v1.17.2), bucket as given. */
function rendered(bucket: string, prefix: string): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero', labels: { component: 'velero' } } },
    {
      apiVersion: 'velero.io/v1',
      kind: 'BackupStorageLocation',
      metadata: { name: 'default', namespace: 'velero', labels: { component: 'velero' } },
      spec: {
        provider: 'azure',
        default: true,
        objectStorage: { bucket, prefix },
        config: { resourceGroup: 'rg', storageAccount: 'sa', subscriptionId: 'sub' },
      },
    } as KubeObject,
  ];
}

/** A stand-in velero CLI: records argv and the files it was pointed at, prints a List like the real one. */
function fakeCli(opts: { fail?: boolean; bucket?: string } = {}): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-velero-'));
  const log = join(dir, 'calls.log');
  const bin = join(dir, 'velero');
  const list = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'backups.velero.io' },
      },
      ...rendered(opts.bucket ?? 'backups', 'prod'),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'cloud-credentials', namespace: 'velero', creationTimestamp: null },
        data: { cloud: Buffer.from(SECRET).toString('base64') },
      },
    ],
  });
  writeFileSync(
    bin,
    `#!/bin/sh
if [ "$1" = version ]; then printf 'Client:\\n\\tVersion: v1.17.2\\n'; exit 0; fi
echo "$@" >> ${log}
while [ $# -gt 0 ]; do
  case "$1" in
    --kubeconfig) cp "$2" ${dir}/seen-kubeconfig; shift ;;
    --secret-file) cp "$2" ${dir}/seen-secret; echo "$2" > ${dir}/secret-path; shift ;;
  esac; shift
done
${opts.fail ? `echo '${list}'; echo 'An error occurred: something broke' >&2; exit 1` : `echo '${list}'`}
`,
  );
  chmodSync(bin, 0o755);
  return { bin, log };
}

describe('velero install rendering', () => {
  it('passes the storage, the plugin and the credentials file to velero install --dry-run, never the secret itself', () => {
    const args = cliInstallArgs(spec(), { kubeconfig: '/t/kc', secret: '/t/cloud', caCert: '/t/ca.pem' });
    expect(args.slice(0, 4)).to.deep.equal(['install', '--dry-run', '-o', 'yaml']);
    const flag = (f: string) => args[args.indexOf(f) + 1];
    expect(flag('--bucket')).to.equal('backups');
    expect(flag('--prefix')).to.equal('prod');
    expect(flag('--plugins')).to.equal('velero/velero-plugin-for-microsoft-azure:v1.13.2');
    expect(flag('--backup-location-config')).to.equal(
      'resourceGroup=rg,storageAccount=sa,subscriptionId=sub,storageAccountKeyEnvVar=AZURE_STORAGE_ACCOUNT_ACCESS_KEY',
    );
    expect(flag('--secret-file')).to.equal('/t/cloud');
    expect(flag('--cacert')).to.equal('/t/ca.pem');
    expect(args).to.include('--use-volume-snapshots=false');
    expect(args.join(' ')).to.not.contain('s3cr3t');
  });

  it("asks velero install for node-agent and the feature flags the backup's volume data needs, and no snapshot location", () => {
    const plain = cliInstallArgs(spec(), { kubeconfig: 'k', secret: 's', caCert: null });
    expect(plain.filter((a) => /node-agent|--features/.test(a))).to.deep.equal([]);
    const dataMover = cliInstallArgs(
      spec({
        dataPath: {
          nodeAgent: true,
          privilegedNodeAgent: true,
          features: ['EnableCSI'],
          repositoryPassword: true,
          snapshotLocations: true,
        },
      }),
      { kubeconfig: 'k', secret: 's', caCert: null },
    );
    expect(dataMover).to.include.members(['--use-node-agent', '--privileged-node-agent', '--features=EnableCSI']);
    // The source's locations are copied by name instead: the CLI's would be "default", with no config of the source's.
    expect(dataMover).to.include('--use-volume-snapshots=false');
    const fsOnly = cliInstallArgs(
      spec({
        dataPath: {
          nodeAgent: true,
          privilegedNodeAgent: false,
          features: [],
          repositoryPassword: true,
          snapshotLocations: false,
        },
      }),
      { kubeconfig: 'k', secret: 's', caCert: null },
    );
    expect(fsOnly).to.include('--use-node-agent').and.not.include('--privileged-node-agent');
  });

  it('asks for workload identity on the ServiceAccount and the pod', () => {
    const args = cliInstallArgs(spec({ credentials: { workloadIdentityClientId: 'cid-1' } }), {
      kubeconfig: 'k',
      secret: 's',
      caCert: null,
    });
    expect(args[args.indexOf('--sa-annotations') + 1]).to.equal('azure.workload.identity/client-id=cid-1');
    expect(args[args.indexOf('--pod-labels') + 1]).to.equal('azure.workload.identity/use=true');
    expect(args[args.indexOf('--backup-location-config') + 1]).to.contain('useAAD=true');
  });

  it("forces the rendered BSL ReadOnly under the drill's name and labels every object", () => {
    const out = hardenRendered(rendered('backups', 'prod'), spec());
    const bsl = out.find((o) => o.kind === 'BackupStorageLocation') as KubeObject & { spec: Record<string, unknown> };
    expect(bsl.metadata.name).to.equal('dr-source');
    expect(bsl.spec.accessMode).to.equal('ReadOnly');
    for (const o of out)
      expect(o.metadata.labels).to.include({ 'dr-drill.io/installed-by': 'abcd1234', component: 'velero' });
  });

  it('refuses a rendering whose BSL is not on the backup storage', () => {
    expect(() => hardenRendered(rendered('other', 'prod'), spec())).to.throw(/VELERO|not one on backups\/prod/);
  });

  it('renders with the CLI through a credential-less kubeconfig, and removes the credentials file afterwards', async () => {
    const { bin } = fakeCli();
    const r = await renderWithCli(spec(), bin);
    expect(r.cliVersion).to.equal('v1.17.2');
    expect(r.crds.map((c) => c.metadata.name)).to.deep.equal(['backups.velero.io']);
    expect(r.objects.map((o) => o.kind)).to.deep.equal(['Namespace', 'BackupStorageLocation', 'Secret']);
    const dir = join(bin, '..');
    expect(readFileSync(join(dir, 'seen-secret'), 'utf8')).to.equal(SECRET);
    const kc = readFileSync(join(dir, 'seen-kubeconfig'), 'utf8');
    expect(kc).to.contain('user: {}');
    expect(kc).to.not.match(/token|client-key|password/);
    expect(existsSync(readFileSync(join(dir, 'secret-path'), 'utf8').trim()), 'credentials file removed').to.equal(
      false,
    );
  });

  it('a failing CLI is an error quoting its stderr, never its output (which holds the Secret)', async () => {
    const { bin } = fakeCli({ fail: true });
    try {
      await renderWithCli(spec(), bin);
      expect.fail('should have thrown');
    } catch (e) {
      expect(isDrillError(e) && e.code).to.equal('VELERO_CLI_RENDER_FAILED');
      expect((e as Error).message).to.contain('something broke');
      expect((e as Error).message).to.not.contain(Buffer.from(SECRET).toString('base64'));
    }
  });

  it('without a velero CLI, says how to get one or to use the generated manifests', async () => {
    try {
      await renderWithCli(spec(), '/nonexistent/velero');
      expect.fail('should have thrown');
    } catch (e) {
      expect(isDrillError(e) && e.code).to.equal('VELERO_CLI_MISSING');
      expect(isDrillError(e) && e.hint).to.contain('installer: manifests');
    }
  });

  it('the generated manifests make the same ReadOnly BSL', () => {
    const bsl = veleroManifests(spec()).find((o) => o.kind === 'BackupStorageLocation') as KubeObject & {
      spec: Record<string, unknown>;
    };
    expect(bsl.spec.accessMode).to.equal('ReadOnly');
    expect(bsl.metadata.name).to.equal('dr-source');
  });
});
