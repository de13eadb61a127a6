import { expect } from 'chai';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { checkScenarioText, formatProblem } from '../../src/scenario/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { Scenario } from '../../src/scenario/schema.js';
import type { CrossRegionPlan } from '../../src/plan/types.js';
import { volumeFacts, type BackupItem } from '../../src/velero/volume-facts.js';
import { decideStorageClassConfig, resourceModifierConfigMap, zoneRules } from '../../src/velero/restore-config.js';
import { readBackupItems } from '../../src/velero/backup-contents.js';
import { aksInventory, readinessWarnings } from '../../src/engine/readiness.js';
import { restoreManifest } from '../../src/velero/restore.js';
import type { KubeObject } from '../../src/kube/types.js';

const ZONE = 'topology.kubernetes.io/zone';

function pv(name: string, cls: string, zones: string[], key = ZONE): BackupItem {
  return {
    groupResource: 'persistentvolumes',
    namespace: null,
    name,
    object: {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: {
        storageClassName: cls,
        claimRef: { namespace: 'shop', name: `${name}-claim` },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
                  { key, operator: 'In', values: zones },
                ],
              },
            ],
          },
        },
      },
    },
  };
}
const pvc = (name: string, cls: string | null, volumeName: string): BackupItem => ({
  groupResource: 'persistentvolumeclaims',
  namespace: 'shop',
  name,
  object: {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'shop' },
    spec: { ...(cls ? { storageClassName: cls } : {}), volumeName },
  },
});
const deployment: BackupItem = {
  groupResource: 'deployments.apps',
  namespace: 'shop',
  name: 'web',
  object: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      template: {
        spec: {
          nodeSelector: { [ZONE]: 'weu-1', 'kubernetes.io/os': 'linux' },
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 1,
                  preference: {
                    matchExpressions: [
                      { key: 'failure-domain.beta.kubernetes.io/zone', operator: 'In', values: ['weu-2'] },
                    ],
                  },
                },
              ],
            },
          },
        },
      },
    },
  },
};

describe('cross-region: volume facts from backed-up objects', () => {
  const facts = volumeFacts([
    pv('pv-a', 'premium', ['weu-1', 'weu-2']),
    pvc('pv-a-claim', 'premium', 'pv-a'),
    pvc('scratch', null, ''),
    deployment,
  ]);

  it('reads classes, bound volumes and zones', () => {
    expect(facts.pvcs).to.deep.equal([
      { namespace: 'shop', name: 'pv-a-claim', storageClass: 'premium', volumeName: 'pv-a', selectedNode: null },
      { namespace: 'shop', name: 'scratch', storageClass: null, volumeName: null, selectedNode: null },
    ]);
    expect(facts.pvs).to.deep.equal([
      {
        name: 'pv-a',
        storageClass: 'premium',
        zones: ['weu-1', 'weu-2'],
        claim: { namespace: 'shop', name: 'pv-a-claim' },
      },
    ]);
  });

  it('points at every zone value with a JSON pointer, zone keys only', () => {
    expect(facts.zoneSites.map((s) => [s.groupResource, s.path, s.keyPath, s.zone])).to.deep.equal([
      [
        'persistentvolumes',
        '/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/1/values/0',
        '/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/1/key',
        'weu-1',
      ],
      [
        'persistentvolumes',
        '/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/1/values/1',
        '/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/1/key',
        'weu-2',
      ],
      ['deployments.apps', '/spec/template/spec/nodeSelector/topology.kubernetes.io~1zone', null, 'weu-1'],
      [
        'deployments.apps',
        '/spec/template/spec/affinity/nodeAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/preference/matchExpressions/0/values/0',
        '/spec/template/spec/affinity/nodeAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/preference/matchExpressions/0/key',
        'weu-2',
      ],
    ]);
  });

  it('reads only the unversioned item copies of the wanted resources from a backup tarball', async () => {
    const pack = tar.pack();
    const add = (name: string, o: unknown) => pack.entry({ name }, JSON.stringify(o));
    add('metadata/version', '1.1.0');
    add('resources/persistentvolumes/cluster/pv-a.json', pv('pv-a', 'premium', ['weu-1']).object);
    add('resources/persistentvolumes/v1-preferredversion/cluster/pv-a.json', pv('pv-a', 'premium', ['weu-1']).object);
    add('resources/persistentvolumeclaims/namespaces/shop/c.json', pvc('c', 'premium', 'pv-a').object);
    add('resources/persistentvolumeclaims/namespaces/other/d.json', pvc('d', 'premium', 'x').object);
    add('resources/configmaps/namespaces/shop/cm.json', { kind: 'ConfigMap' });
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    const items = await readBackupItems(
      Readable.from([gzipSync(Buffer.concat(chunks))]),
      new Set(['persistentvolumes', 'persistentvolumeclaims']),
      new Set(['shop']),
    );
    expect(items.map((i) => `${i.groupResource}/${i.namespace ?? ''}/${i.name}`)).to.deep.equal([
      'persistentvolumes//pv-a',
      'persistentvolumeclaims/shop/c',
    ]);
  });

  /** A tar archive of PersistentVolume items, as Velero writes them (with its end-of-archive marker). */
  async function pvArchive(...names: string[]): Promise<Buffer> {
    const pack = tar.pack();
    for (const n of names)
      pack.entry(
        { name: `resources/persistentvolumes/cluster/${n}.json` },
        JSON.stringify(pv(n, 'premium', ['weu-1']).object),
      );
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
  const PVS = new Set(['persistentvolumes']);

  it('reads what a Velero restore reads: a PV planted after the end-of-archive marker is not an item', async () => {
    const archive = Buffer.concat([await pvArchive('pv-a'), await pvArchive('pv-planted')]);
    const items = await readBackupItems(Readable.from([gzipSync(archive)]), PVS, null);
    expect(items.map((i) => i.name)).to.deep.equal(['pv-a']);
  });

  it('a damaged or cut tarball fails the read, saying where, rather than yielding part of the items', async () => {
    const archive = await pvArchive('pv-a', 'pv-b');
    const pvB = 512 + Math.ceil(JSON.stringify(pv('pv-a', 'premium', ['weu-1']).object).length / 512) * 512;
    const damaged = Buffer.from(archive);
    damaged[pvB + 1] = damaged[pvB + 1]! ^ 0xff; // pv-b's header: its checksum no longer matches
    const cut = archive.subarray(0, 512 + 100);
    for (const [bytes, message] of [
      [damaged, new RegExp(`bad header checksum at byte ${pvB}`)],
      [cut, /the tar data ends inside the body of resources\/persistentvolumes\/cluster\/pv-a.json/],
    ] as const) {
      let error: unknown = null;
      await readBackupItems(Readable.from([gzipSync(bytes)]), PVS, null).catch((e: unknown) => (error = e));
      expect(String(error)).to.match(message);
    }
  });
});

describe('cross-region: zone rules for Velero resource modifiers', () => {
  const facts = volumeFacts([pv('pv-a', 'premium', ['weu-1']), pv('pv-b', 'premium', ['weu-1']), deployment]);

  it('one rule per (resource, pointer, zone), guarded by matches on the key and the old value', () => {
    const rules = zoneRules(facts.zoneSites, { 'weu-1': 'sec-1', 'weu-2': 'sec-2' }, false, ['shop']);
    expect(rules).to.have.length(3); // pv-a and pv-b share one; the Deployment's nodeSelector and preference
    expect(rules[0]).to.deep.equal({
      conditions: {
        groupResource: 'persistentvolumes',
        matches: [
          { path: '/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/1/key', value: `"${ZONE}"` },
          { path: '/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/1/values/0', value: '"weu-1"' },
        ],
      },
      patches: [
        {
          operation: 'replace',
          path: '/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/1/values/0',
          value: '"sec-1"',
        },
      ],
    });
    expect(rules[1]!.conditions).to.deep.include({ groupResource: 'deployments.apps', namespaces: ['shop'] });
    expect(rules[1]!.patches).to.deep.equal([
      { operation: 'replace', path: '/spec/template/spec/nodeSelector/topology.kubernetes.io~1zone', value: '"sec-1"' },
    ]);
  });

  it('quotes zone values so numeric zones ("1") stay strings for Velero', () => {
    const f = volumeFacts([pv('pv-n', 'x', ['1'])]);
    expect(zoneRules(f.zoneSites, { 1: '2' }, false, [])[0]!.patches![0]!.value).to.equal('"2"');
  });

  it('leaves unmapped zones alone', () => {
    expect(zoneRules(facts.zoneSites, { 'other-1': 'x' }, false, ['shop'])).to.deep.equal([]);
  });

  it('dropNodeAffinity: merge patches that remove node affinity and zone nodeSelectors (a no-op where absent), after the map rules', () => {
    const rules = zoneRules(facts.zoneSites, { 'weu-1': 'sec-1' }, true, ['shop']);
    const merge = rules.filter((r) => r.mergePatches);
    expect(rules.indexOf(merge[0]!)).to.be.greaterThan(0);
    expect(merge[0]).to.deep.equal({
      conditions: { groupResource: 'persistentvolumes' },
      mergePatches: [{ patchData: '{"spec":{"nodeAffinity":null}}' }],
    });
    const dep = merge.find((r) => r.conditions.groupResource === 'deployments.apps')!;
    expect(JSON.parse(dep.mergePatches![0]!.patchData)).to.deep.equal({
      spec: {
        template: {
          spec: {
            affinity: { nodeAffinity: null },
            nodeSelector: {
              [ZONE]: null,
              'failure-domain.beta.kubernetes.io/zone': null,
              'topology.disk.csi.azure.com/zone': null,
            },
          },
        },
      },
    });
    expect(
      JSON.parse(merge.find((r) => r.conditions.groupResource === 'cronjobs.batch')!.mergePatches![0]!.patchData).spec
        .jobTemplate.spec.template.spec.affinity,
    ).to.deep.equal({ nodeAffinity: null });
  });

  it('the resource-modifier ConfigMap has one key holding version v1 and the rules; the Restore references it', () => {
    const cm = resourceModifierConfigMap(
      'dr-drill-x-resource-modifiers',
      'velero',
      [{ conditions: { groupResource: 'pods' }, patches: [{ operation: 'remove', path: '/spec/x' }] }],
      { a: 'b' },
    );
    const data = cm.data as Record<string, string>;
    expect(Object.keys(data)).to.have.length(1);
    expect(JSON.parse(Object.values(data)[0]!)).to.deep.equal({
      version: 'v1',
      resourceModifierRules: [
        { conditions: { groupResource: 'pods' }, patches: [{ operation: 'remove', path: '/spec/x' }] },
      ],
    });
    const r = restoreManifest({
      name: 'r',
      veleroNamespace: 'velero',
      backupName: 'b',
      includedNamespaces: ['shop'],
      excludedNamespaces: [],
      includedResources: [],
      excludedResources: [],
      namespaceMapping: {},
      labelSelector: null,
      restorePVs: true,
      existingResourcePolicy: 'none',
      labels: {},
      resourceModifier: 'dr-drill-x-resource-modifiers',
    });
    expect((r.spec as Record<string, unknown>).resourceModifier).to.deep.equal({
      kind: 'ConfigMap',
      name: 'dr-drill-x-resource-modifiers',
    });
  });
});

describe('cross-region: the change-storage-class ConfigMap', () => {
  const cm = (name: string, data: Record<string, string>, drillId?: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'velero', labels: drillId ? { 'dr-drill.io/drill-id': drillId } : {} },
    data,
  });
  const cases: Array<{
    name: string;
    existing: KubeObject[];
    wanted: Record<string, string>;
    expect: string;
    match?: RegExp;
  }> = [
    { name: 'none there, none wanted: nothing', existing: [], wanted: {}, expect: 'none' },
    { name: 'none there: the drill creates its own', existing: [], wanted: { a: 'b' }, expect: 'create' },
    {
      name: 'an existing one that maps what is wanted is used as is',
      existing: [cm('team', { a: 'b', c: 'd' })],
      wanted: { a: 'b' },
      expect: 'use-existing',
    },
    {
      name: 'an existing one applies even when nothing is wanted',
      existing: [cm('team', { x: 'y' })],
      wanted: {},
      expect: 'use-existing',
    },
    {
      name: 'an existing one mapping differently: refused, never modified',
      existing: [cm('team', { a: 'z' })],
      wanted: { a: 'b' },
      expect: 'refuse',
      match: /does not map a → b \(it has a → z\).*never modifies/,
    },
    {
      name: 'an existing one without the mapping: refused',
      existing: [cm('team', {})],
      wanted: { a: 'b' },
      expect: 'refuse',
      match: /a → b \(it has no mapping\)/,
    },
    {
      name: "another drill's: refused with its cleanup hint",
      existing: [cm('old', {}, 'old12345')],
      wanted: { a: 'b' },
      expect: 'refuse',
      match: /left by drill old12345/,
    },
    {
      name: 'two of them: refused (Velero fails every PV/PVC item)',
      existing: [cm('x', {}), cm('y', {})],
      wanted: {},
      expect: 'refuse',
      match: /2 change-storage-class ConfigMaps \(x, y\)/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideStorageClassConfig(c.existing, c.wanted, 'dr/velero');
      expect(d.action).to.equal(c.expect);
      if (c.match && d.action === 'refuse') expect(d.message).to.match(c.match);
      if (c.name.startsWith('another') && d.action === 'refuse')
        expect(d.hint).to.contain('dr-drill cleanup --drill-id old12345');
    });
  }
});

describe('cross-region: readiness warnings', () => {
  const facts = volumeFacts([pv('pv-a', 'premium', ['weu-1']), pvc('pv-a-claim', 'premium', 'pv-a'), deployment]);
  const target = { where: 'dr', storageClasses: ['managed-csi', 'premium-dr'], zones: ['sec-1', 'sec-2'] };
  const plan = (c: Partial<CrossRegionPlan>): CrossRegionPlan => ({
    storageClassMapping: {},
    zoneMap: {},
    dropNodeAffinity: false,
    modifierRules: [],
    ...c,
  });

  it('names the objects, the missing class or zone, and the mapping to add', () => {
    expect(readinessWarnings(facts, undefined, target)).to.deep.equal([
      'storage class premium (PVC shop/pv-a-claim, PV pv-a) does not exist in dr; add spec.restore.storageClassMapping: {premium: <one of managed-csi, premium-dr>}',
      "zone weu-1 (node affinity or nodeSelector of PV pv-a, Deployment shop/web) is not a zone of dr's nodes (sec-1, sec-2): pods bound to it stay Pending; add spec.restore.zones.map: {weu-1: <one of sec-1, sec-2>} or zones.dropNodeAffinity: true",
      "zone weu-2 (node affinity or nodeSelector of Deployment shop/web) is not a zone of dr's nodes (sec-1, sec-2): pods bound to it stay Pending; add spec.restore.zones.map: {weu-2: <one of sec-1, sec-2>} or zones.dropNodeAffinity: true",
    ]);
  });

  it('is quiet once everything is mapped to what the target has', () => {
    expect(
      readinessWarnings(
        facts,
        plan({ storageClassMapping: { premium: 'premium-dr' }, zoneMap: { 'weu-1': 'sec-1', 'weu-2': 'sec-2' } }),
        target,
      ),
    ).to.deep.equal([]);
  });

  it('warns about a mapping to a class or zone the target does not have', () => {
    const w = readinessWarnings(
      facts,
      plan({ storageClassMapping: { premium: 'gold' }, zoneMap: { 'weu-1': 'sec-9' }, dropNodeAffinity: false }),
      target,
    );
    expect(w[0]).to.match(
      /^storage class gold \(spec.restore.storageClassMapping premium → gold, used by PVC shop\/pv-a-claim, PV pv-a\) does not exist in dr/,
    );
    expect(w[1]).to.match(/^zone sec-9 \(spec.restore.zones.map weu-1 → sec-9/);
  });

  it('dropNodeAffinity silences zone warnings', () => {
    expect(
      readinessWarnings(
        facts,
        plan({ storageClassMapping: { premium: 'premium-dr' }, dropNodeAffinity: true }),
        target,
      ),
    ).to.deep.equal([]);
  });

  it('an AKS target that does not exist yet: node pool zones as <location>-<n> and the built-in classes', () => {
    const inv = aksInventory({
      location: 'swedencentral',
      clusterName: 'c',
      nodePools: [
        { name: 'a', mode: 'System', vmSize: 'x', count: 1, zones: ['1', '2'] },
        { name: 'b', mode: 'User', vmSize: 'x', count: 1, zones: ['2', '3'] },
      ],
    } as never);
    expect(inv.zones).to.deep.equal(['swedencentral-1', 'swedencentral-2', 'swedencentral-3']);
    expect(inv.storageClasses).to.include.members(['managed-csi', 'managed-csi-premium', 'azurefile-csi']);
    expect(readinessWarnings(facts, undefined, inv)[0]).to.contain('AKS cluster c in swedencentral (not created yet)');
  });
});

describe('cross-region: scenario and plan', () => {
  const base = `apiVersion: dr-drill/v1
kind: Scenario
metadata: { name: s }
spec:
  objectives: { rto: 10m, rpo: 1h }
  backup: { name: b }
  target: { cluster: { kubeContext: dr } }
  probes: [{ name: p, kind: pvc, ref: { namespace: shop } }]
  restore:
`;
  const problems = (restore: string) => checkScenarioText(base + restore, 's.yaml').problems.map(formatProblem);

  it('accepts mappings, zones and raw resource modifiers', () => {
    expect(
      problems(`    storageClassMapping: { premium: managed-csi-premium }
    zones: { map: { westeurope-1: swedencentral-1 }, dropNodeAffinity: false }
    resourceModifiers:
      version: v1
      resourceModifierRules:
        - conditions: { groupResource: deployments.apps, namespaces: [shop], matches: [{ path: /spec/replicas, value: "3" }] }
          patches: [{ operation: replace, path: /spec/replicas, value: "1" }]
`),
    ).to.deep.equal([]);
  });

  const bad: Array<[string, string, RegExp]> = [
    [
      'a bad target class',
      '    storageClassMapping: { premium: "Bad Class" }\n',
      /spec\.restore\.storageClassMapping\.premium: expected text matching .*, got "Bad Class"/,
    ],
    [
      'a bad source class',
      '    storageClassMapping: { "Bad Class": x }\n',
      /spec\.restore\.storageClassMapping\["Bad Class"\]: expected a storage class name/,
    ],
    ['a zone with a quote', '    zones: { map: { a: "b\\"c" } }\n', /spec\.restore\.zones\.map\.a: /],
    ['empty zones', '    zones: {}\n', /spec\.restore\.zones: expected map, dropNodeAffinity or both/],
    [
      'another version',
      '    resourceModifiers: { version: v2, resourceModifierRules: [] }\n',
      /spec\.restore\.resourceModifiers\.version/,
    ],
    [
      'two kinds of patch',
      '    resourceModifiers: { version: v1, resourceModifierRules: [{ conditions: { groupResource: pods }, patches: [{ operation: remove, path: /a }], mergePatches: [{ patchData: "{}" }] }] }\n',
      /spec\.restore\.resourceModifiers\.resourceModifierRules\[0\]: expected exactly one of patches, mergePatches, strategicPatches, got patches and mergePatches/,
    ],
    [
      'no groupResource',
      '    resourceModifiers: { version: v1, resourceModifierRules: [{ conditions: {}, patches: [{ operation: remove, path: /a }] }] }\n',
      /conditions.*groupResource/,
    ],
    [
      'a bad operation',
      '    resourceModifiers: { version: v1, resourceModifierRules: [{ conditions: { groupResource: pods }, patches: [{ operation: delete, path: /a }] }] }\n',
      /patches\[0\]\.operation/,
    ],
    [
      'replace without value',
      '    resourceModifiers: { version: v1, resourceModifierRules: [{ conditions: { groupResource: pods }, patches: [{ operation: replace, path: /a }] }] }\n',
      /patches\[0\]: expected value with operation replace/,
    ],
  ];
  for (const [name, restore, re] of bad) {
    it(`rejects ${name}, naming file, field and expectation`, () => {
      const p = problems(restore);
      expect(p.join('\n')).to.match(/^s\.yaml:\d+:\d+ /);
      expect(p.join('\n')).to.match(re);
    });
  }

  it('compiles into plan.restore.crossRegion, absent when unset', () => {
    const s = (restore: Record<string, unknown>) =>
      ({
        apiVersion: 'dr-drill/v1',
        kind: 'Scenario',
        metadata: { name: 's' },
        spec: {
          objectives: { rto: '10m', rpo: '1h' },
          backup: { name: 'b' },
          target: { cluster: { kubeContext: 'dr' } },
          probes: [{ name: 'p', kind: 'pvc', ref: { namespace: 'shop' } }],
          restore,
        },
      }) as Scenario;
    const opts = { drillId: 'abcd1234', file: null, sha256: null, env: {} };
    expect(compilePlan(s({}), opts).restore).to.not.have.property('crossRegion');
    expect(
      compilePlan(s({ storageClassMapping: { a: 'b' }, zones: { dropNodeAffinity: true } }), opts).restore.crossRegion,
    ).to.deep.equal({ storageClassMapping: { a: 'b' }, zoneMap: {}, dropNodeAffinity: true, modifierRules: [] });
  });
});
