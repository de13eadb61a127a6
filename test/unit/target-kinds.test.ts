/**
 * The target kinds (src/targets/, one file each, found through the registry): each turns the compiled target plan
 * and the gateways into the Target the engine restores into. A new kind adds a row here.
 */
import { expect } from 'chai';
import { targets, type TargetKind } from '../../src/targets/index.js';
import type { TargetPlan } from '../../src/plan/types.js';
import { MemoryGateway } from '../support/memory-gateway.js';

const source = new MemoryGateway('prod-weu', 'https://prod.example:6443');
const elsewhere = new MemoryGateway('dr-neu', 'https://dr.example:6443');

const cases: { kind: TargetKind; suffix: string; target: MemoryGateway; sameCluster: boolean; maps: string }[] = [
  { kind: 'namespace', suffix: '-drill-abcd1234', target: source, sameCluster: true, maps: 'payments-drill-abcd1234' },
  { kind: 'cluster', suffix: '', target: elsewhere, sameCluster: false, maps: 'payments' },
  { kind: 'cluster', suffix: '-dr', target: elsewhere, sameCluster: false, maps: 'payments-dr' },
  {
    kind: 'aks',
    suffix: '',
    target: new MemoryGateway('aks-drill', 'https://aks.example:443'),
    sameCluster: false,
    maps: 'payments',
  },
];

describe('target kinds', () => {
  it('the registry has one entry per kind of the plan', () => {
    expect(Object.keys(targets).sort()).to.deep.equal(['aks', 'cluster', 'namespace']);
  });

  for (const c of cases)
    it(`${c.kind}${c.suffix ? ` with suffix ${c.suffix}` : ''}: maps payments → ${c.maps}, same cluster as the source: ${c.sameCluster}`, () => {
      const plan: TargetPlan = {
        kind: c.kind,
        kubeContext: c.target.context,
        veleroNamespace: 'velero',
        namespaceSuffix: c.suffix,
        isolation: c.kind === 'namespace' ? 'strict' : 'none',
      };
      const t = targets[c.kind](plan, c.target, source);
      expect(t.kind).to.equal(c.kind);
      expect(t.gateway).to.equal(c.target);
      expect(t.veleroNamespace).to.equal('velero');
      expect(t.mapNamespace('payments')).to.equal(c.maps);
      expect(t.sameClusterAsSource).to.equal(c.sameCluster);
    });

  it('a target reached under another context name but the same API server is the same cluster', () => {
    const alias = new MemoryGateway('prod-weu-admin', 'https://prod.example:6443/');
    const plan: TargetPlan = {
      kind: 'cluster',
      kubeContext: alias.context,
      veleroNamespace: 'velero',
      namespaceSuffix: '',
      isolation: 'none',
    };
    expect(targets.cluster(plan, alias, source).sameClusterAsSource).to.equal(true);
  });
});
