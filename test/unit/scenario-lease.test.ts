import { expect } from 'chai';
import {
  acquireScenarioLease,
  leaseLocation,
  leaseName,
  withScenarioLease,
  LEASE_SECONDS,
} from '../../src/coordination/scenario-lease.js';
import type { DrillPlan } from '../../src/plan/types.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { aPlan } from '../support/plan-builder.js';

const REF = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'velero', name: 'dr-drill-payments' };

function world(): { gw: MemoryGateway; plan: DrillPlan } {
  const gw = new MemoryGateway('prod-weu', 'https://prod-weu.example:443');
  gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero' } });
  const plan = aPlan().build();
  plan.scenario.name = 'payments';
  return { gw, plan };
}

async function errorOf(p: Promise<unknown>): Promise<Error & { code?: string; category?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('scenario lease (one drill per scenario at a time)', () => {
  it('lives in the Velero namespace of the cluster restored into (the source when the target is a new AKS cluster)', () => {
    const plan = aPlan().build();
    plan.scenario.name = 'Payments_Nightly';
    expect(leaseName(plan.scenario.name)).to.equal('dr-drill-payments-nightly');
    plan.target.kubeContext = 'dr';
    expect(leaseLocation(plan).context).to.equal('dr');
    plan.target.kind = 'aks';
    expect(leaseLocation(plan).context).to.equal(plan.source.kubeContext);
  });

  it('lives in the source cluster when a provision hook hands the target back (the target does not exist yet)', () => {
    const plan = aPlan().build();
    plan.target.kubeContext = 'dr-from-terraform';
    plan.hooks = [{ name: 'terraform', produces: { kubeconfig: 'kc', context: 'dr-from-terraform' } } as never];
    expect(leaseLocation(plan).context).to.equal(plan.source.kubeContext);
    expect(leaseLocation(plan).context).to.not.equal('dr-from-terraform');
    // A provision hook that fails before writing the kubeconfig still means the target may not exist yet.
    plan.hooks = [{ name: 'terraform', at: 'provision', produces: null } as never];
    expect(leaseLocation(plan).context).to.equal(plan.source.kubeContext);
  });

  it('a second start while the first holds it ends SCENARIO_LOCKED (exit 3) naming the holder, writing nothing', async () => {
    const { gw, plan } = world();
    const first = await acquireScenarioLease(gw, plan, { identity: 'drill aaaa1111 on ci-1', waitMs: 0 });
    const rv = (await gw.get(REF))!.metadata.resourceVersion;
    const e = await errorOf(acquireScenarioLease(gw, plan, { identity: 'drill bbbb2222 on ci-2', waitMs: 0 }));
    expect(e.message).to.match(
      /^scenario payments is already being drilled by drill aaaa1111 on ci-1 \(Lease velero\/dr-drill-payments/,
    );
    expect(e).to.include({ code: 'SCENARIO_LOCKED', category: 'infrastructure' });
    expect((await gw.get(REF))!.metadata.resourceVersion, 'the lease is untouched').to.equal(rv);
    expect((await gw.get(REF))!.spec.holderIdentity).to.equal('drill aaaa1111 on ci-1');
    await first.release();
    expect((await gw.get(REF))!.spec.holderIdentity).to.equal(undefined);
  });

  it('two concurrent starts: exactly one holds it', async () => {
    for (const existing of [false, true]) {
      const { gw, plan } = world();
      // With a released lease in place both take the compare-and-swap path; without one, both race to create.
      if (existing) await (await acquireScenarioLease(gw, plan, { identity: 'old', waitMs: 0 })).release();
      const starts = await Promise.allSettled(
        ['a', 'b', 'c'].map((id) => acquireScenarioLease(gw, plan, { identity: `drill ${id}`, waitMs: 0 })),
      );
      const won = starts.filter((s) => s.status === 'fulfilled');
      expect(won, `existing lease: ${existing}`).to.have.length(1);
      const lost = starts.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      for (const l of lost) expect((l.reason as { code: string }).code).to.equal('SCENARIO_LOCKED');
      expect((await gw.get(REF))!.spec.holderIdentity).to.equal(
        (won[0] as PromiseFulfilledResult<{ identity: string }>).value.identity,
      );
    }
  });

  it("a crashed runner's lease expires: the next start takes it over", async () => {
    const { gw, plan } = world();
    let now = Date.parse('2026-11-29T02:00:00Z');
    await acquireScenarioLease(gw, plan, { identity: 'crashed', waitMs: 0, now: () => now });
    now += (LEASE_SECONDS + 1) * 1000;
    const next = await acquireScenarioLease(gw, plan, { identity: 'next', waitMs: 0, now: () => now });
    const lease = (await gw.get(REF))!;
    expect(lease.spec).to.include({ holderIdentity: 'next', leaseTransitions: 1 });
    await next.release();
  });

  it('--wait-lock: a second start waits for the release, then drills', async () => {
    const { gw, plan } = world();
    const order: string[] = [];
    const first = withScenarioLease(gw, plan, { identity: 'first', waitMs: 0 }, async () => {
      order.push('first starts');
      await new Promise((r) => setImmediate(r));
      order.push('first ends');
    });
    const second = withScenarioLease(gw, plan, { identity: 'second', waitMs: 60_000 }, async () => {
      order.push('second starts');
    });
    await Promise.all([first, second]);
    expect(order).to.deep.equal(['first starts', 'first ends', 'second starts']);
    expect((await gw.get(REF))!.spec.holderIdentity).to.equal(undefined);
  });

  it('a Lease API that fails (RBAC, no such kind) does not hide the drill: it runs, with a warning', async () => {
    const { gw, plan } = world();
    gw.kinds.delete('coordination.k8s.io/v1/Lease');
    const warnings: string[] = [];
    const ran = await withScenarioLease(
      gw,
      plan,
      { identity: 'x', waitMs: 0, onWarning: (w) => warnings.push(w) },
      () => Promise.resolve('drilled'),
    );
    expect(ran).to.equal('drilled');
    expect(warnings[0]).to.match(/^could not take the scenario's Lease .*without the one-drill-per-scenario guard/);
  });

  it('is released when the drill throws', async () => {
    const { gw, plan } = world();
    await errorOf(withScenarioLease(gw, plan, { identity: 'x', waitMs: 0 }, () => Promise.reject(new Error('boom'))));
    await (await acquireScenarioLease(gw, plan, { identity: 'y', waitMs: 0 })).release();
  });
});
