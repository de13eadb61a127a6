import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/kube/types.js';
import { probes } from '../../src/probes/index.js';
import { markerTime, markersOfConfigMap, markersOfFile, pickMarker } from '../../src/probes/canary.js';
import { negativeControlPlan } from '../../src/plan/negative-control.js';
import type { PlantedExpectation } from '../../src/plan/types.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { validateReport } from '../../src/report/validate-report.js';
import { systemClock } from '../../src/util/clock.js';
import type { ScenarioProbe } from '../../src/scenario/schema.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { VeleroSim } from '../support/velero-sim.js';
import { aPlan } from '../support/plan-builder.js';
import { ctxOf, planOf, pod } from '../support/probe-context.js';

const NS = 'shop-drill-x';
const canary = (extra: Record<string, unknown> = {}) =>
  planOf({
    name: 'canary',
    kind: 'canary',
    carrier: { configMap: { namespace: 'shop', name: 'dr-drill-canary' } },
    ...extra,
  } as Extract<ScenarioProbe, { kind: 'canary' }>);
const source = () => ({
  gateway: new MemoryGateway(),
  signal: new AbortController().signal,
  drillId: 'abcd1234',
  now: () => new Date('2026-03-01T10:00:00.900Z'),
});

describe('probe kind canary', () => {
  it('markers: whole seconds rounded down, parsed from ConfigMap keys and file lines, newest or by nonce', () => {
    expect(markerTime(new Date('2026-03-01T10:00:00.999Z'))).to.equal('2026-03-01T10:00:00Z');
    const ms = markersOfConfigMap({
      'marker.a': '2026-03-01T10:00:00Z',
      'marker.heartbeat': '2026-03-01T11:00:00Z',
      other: 'x',
      'marker.bad': 'never',
    });
    expect(ms.map((m) => m.nonce)).to.deep.equal(['a', 'heartbeat']);
    expect(pickMarker(ms, undefined)!.nonce).to.equal('heartbeat');
    expect(pickMarker(ms, 'a')!.time.toISOString()).to.equal('2026-03-01T10:00:00.000Z');
    expect(pickMarker(ms, 'zzz')).to.equal(null);
    expect(
      markersOfFile('2026-03-01T10:00:00Z n1\n\ngarbage\n2026-03-01T10:05:00Z n2\n').map((m) => m.nonce),
    ).to.deep.equal(['n1', 'n2']);
  });

  it('beforeBackup writes marker.<nonce> into the source carrier (creating it) and prunes old drill markers', async () => {
    const s = source();
    s.gateway.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    const w = (await probes.canary.beforeBackup!(canary(), s)) as { nonce: string; writtenAt: string };
    expect(w.nonce).to.match(/^abcd1234-[0-9a-f]{6}$/);
    expect(w.writtenAt).to.equal('2026-03-01T10:00:00Z');
    const cm = s.gateway.peek({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'dr-drill-canary' })!;
    expect(cm.data).to.deep.equal({ [`marker.${w.nonce}`]: '2026-03-01T10:00:00Z' });
    const old = Object.fromEntries(
      Array.from({ length: 25 }, (_, i) => [`marker.old${i}`, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()]),
    );
    s.gateway.put({ ...cm, data: { ...old, 'marker.heartbeat': '2026-01-01T00:00:00Z' } });
    await probes.canary.beforeBackup!(canary(), s);
    const keys = Object.keys(
      s.gateway.peek({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'dr-drill-canary' })!
        .data as object,
    );
    expect(keys).to.have.length(21); // 19 newest old ones + the new one + heartbeat (never pruned)
    expect(keys).to.include('marker.heartbeat').and.not.include('marker.old0');
  });

  it('writer heartbeat writes nothing before the backup', async () => {
    expect(await probes.canary.beforeBackup!(canary({ writer: 'heartbeat' }), source())).to.equal(undefined);
  });

  describe('run on the target', () => {
    let gw: MemoryGateway;
    beforeEach(() => {
      gw = new MemoryGateway();
      gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    });
    const carrier = (data: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dr-drill-canary', namespace: NS },
      data,
    });

    it("passes with the drill's own marker as the recovery point", async () => {
      gw.put(carrier({ 'marker.abcd1234-aaaaaa': '2026-03-01T10:00:00Z', 'marker.heartbeat': '2026-03-01T10:30:00Z' }));
      const r = await probes.canary.run(
        canary(),
        ctxOf(gw, { prepared: { nonce: 'abcd1234-aaaaaa', writtenAt: '2026-03-01T10:00:00Z' } }),
        500,
      );
      expect(r.outcome).to.equal('passed');
      expect(r.recoveryPoint!.toISOString()).to.equal('2026-03-01T10:00:00.000Z');
    });

    it('heartbeat: the newest marker that survived', async () => {
      gw.put(carrier({ 'marker.heartbeat': '2026-03-01T10:30:00Z', 'marker.x': '2026-03-01T09:00:00Z' }));
      const r = await probes.canary.run(canary({ writer: 'heartbeat' }), ctxOf(gw), 2000);
      expect(r.recoveryPoint!.toISOString()).to.equal('2026-03-01T10:30:00.000Z');
    });

    it('fails at once with "canary not found" when the restored carrier lacks the marker', async () => {
      gw.put(carrier({ 'marker.heartbeat': '2026-03-01T10:30:00Z' }));
      const r = await probes.canary.run(canary({ nonce: 'never' }), ctxOf(gw), 5000);
      expect(r.outcome).to.equal('failed');
      expect(r.observation).to.match(
        /^canary not found: no marker never in ConfigMap shop-drill-x\/dr-drill-canary \(1 marker\(s\), newest heartbeat/,
      );
      expect(r.recoveryPoint).to.equal(undefined);
    });

    it('waits for the carrier, then fails on the timeout naming it', async () => {
      const r = await probes.canary.run(canary({ writer: 'heartbeat' }), ctxOf(gw), 50);
      expect(r.outcome).to.equal('failed');
      expect(r.observation).to.match(/ConfigMap shop-drill-x\/dr-drill-canary does not exist/);
    });

    it('is an error when the drill should have written a marker and did not', async () => {
      const r = await probes.canary.run(canary(), ctxOf(gw), 50);
      expect(r.outcome).to.equal('error');
    });

    it('file carrier: reads lines by exec in the restored pod', async () => {
      gw.put(pod('db-0', NS));
      gw.onExec = ({ command }) => ({
        exitCode: 0,
        stdout: command[0] === 'cat' ? '2026-03-01T10:00:00Z n1\n2026-03-01T10:05:00Z n2\n' : '',
        stderr: '',
      });
      const spec = {
        name: 'c',
        kind: 'canary',
        writer: 'heartbeat',
        carrier: { file: { pod: { namespace: 'shop', name: 'db-0' }, path: '/data/canary' } },
      } as Extract<ScenarioProbe, { kind: 'canary' }>;
      const r = await probes.canary.run(planOf(spec), ctxOf(gw), 2000);
      expect(r.recoveryPoint!.toISOString()).to.equal('2026-03-01T10:05:00.000Z');
      expect(gw.execCalls[0].command).to.deep.equal(['cat', '/data/canary']);
    });
  });

  describe('in a drill (memory cluster, simulated Velero)', function () {
    this.timeout(10_000);
    let gw: MemoryGateway;
    let sim: VeleroSim;
    let dir: string;
    beforeEach(async () => {
      gw = new MemoryGateway();
      gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } });
      // The simulated backup holds whatever the carrier is when the drill wrote its marker, as Velero would.
      const content: KubeObject[] = [];
      gw.subscribe((_t, o) => {
        if (o.kind === 'ConfigMap' && o.metadata.name === 'dr-drill-canary' && o.metadata.namespace === 'payments') {
          content.splice(0, content.length, { ...o, metadata: { name: o.metadata.name, namespace: 'payments' } });
        }
      });
      sim = await new VeleroSim(gw, { content }).start();
      dir = mkdtempSync(join(tmpdir(), 'dr-drill-canary-'));
    });
    afterEach(async () => {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const plan = () =>
      aPlan()
        .createBackup()
        .noProbes()
        .probe({
          name: 'canary',
          kind: 'canary',
          carrier: { configMap: { namespace: 'payments', name: 'dr-drill-canary' } },
        })
        .build();
    const run = async (p: ReturnType<typeof plan>, negativeControl: PlantedExpectation | null = null) => {
      const out = await runDrill(p, {
        clock: systemClock,
        gatewayFor: () => gw,
        reportDir: dir,
        toolVersion: '0.0.0-test',
        negativeControl,
      });
      expect(validateReport(out.report)).to.deep.equal([]);
      return out.report;
    };

    it('measures RPO to the marker read back: rpo.basis canary', async () => {
      const r = await run(plan());
      expect(r.verdict, r.reasons.join('; ')).to.equal('PASS');
      expect(r.rpo.basis).to.equal('canary');
      expect(Date.parse(r.rpo.recoveryPoint!)).to.be.at.most(Date.parse(r.t0));
      expect(r.rpo.achievedSeconds).to.equal((Date.parse(r.t0) - Date.parse(r.rpo.recoveryPoint!)) / 1000);
    });

    it('probe detection latency is measured from its looks: a pass at the first look does not cost a whole interval', async () => {
      const p = plan();
      p.probes[0]!.intervalMs = 60_000;
      const r = await run(p);
      expect(r.verdict, r.reasons.join('; ')).to.equal('PASS');
      const latency = Number(/probe detection latency up to ([\d.]+) s/.exec(r.rto.reason ?? '')?.[1]);
      expect(latency, r.rto.reason ?? '')
        .to.be.at.least(0)
        .and.below(60);
      expect(r.rto.uncertaintySeconds).to.be.below(60);
    });

    it('a probe that passes on a later look states at least the time since its previous look', async () => {
      // The restored carrier appears only after the probe has looked and found nothing: its pass comes a look later.
      let held = false;
      gw.subscribe((t, o) => {
        if (t !== 'ADDED' || o.kind !== 'ConfigMap' || o.metadata.name !== 'dr-drill-canary') return;
        if (o.metadata.namespace === 'payments' || held) return;
        held = true;
        const restored = { ...o, metadata: { ...o.metadata } };
        gw.remove({ apiVersion: 'v1', kind: 'ConfigMap', namespace: o.metadata.namespace, name: o.metadata.name });
        setTimeout(() => gw.put(restored), 600);
      });
      const p = plan();
      p.probes[0]!.intervalMs = 250;
      const r = await run(p);
      expect(r.verdict, r.reasons.join('; ')).to.equal('PASS');
      const latency = Number(/probe detection latency up to ([\d.]+) s/.exec(r.rto.reason ?? '')?.[1]);
      expect(latency, r.rto.reason ?? '').to.be.at.least(0.25);
    });

    it('its negative control (an impossible nonce) FAILs, with no proven recovery point', async () => {
      const { plan: p, expectation, planted } = negativeControlPlan(plan());
      expect(expectation).to.match(/never written/);
      const r = await run(p, planted);
      expect(r.verdict).to.equal('FAIL');
      expect(r.negativeControl).to.equal(true);
      expect(r.rpo.basis).to.equal(null);
      expect(r.probes[0].lastObservation).to.match(/^canary not found/);
      expect(r.negativeControlResult, 'the carrier was restored with the real marker').to.include({
        conclusive: true,
        probe: 'canary',
      });
    });

    it('without a canary probe the negative control adds an impossible critical resource probe', () => {
      const { plan: p } = negativeControlPlan(aPlan().build());
      const added = p.probes.at(-1)!;
      expect(added).to.include({ name: 'negative-control', kind: 'resource', critical: true });
      expect(added).to.deep.include({
        ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'payments', name: 'dr-drill-negative-control-abcd1234' },
      });
    });
  });
});
