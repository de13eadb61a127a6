/**
 * FAIL vs ERROR by cause (issue #12 item 7): a critical probe that cannot read what the restore should have
 * produced (its kind, namespace or object answering 404) is a failed probe, so the drill is FAIL with that reason;
 * only the drill's own trouble (permission, API errors) is an error probe, so ERROR.
 */
import { expect } from 'chai';
import { probes } from '../../src/probes/index.js';
import type { ProbeResult } from '../../src/probes/probe.js';
import type { ScenarioProbe } from '../../src/scenario/schema.js';
import { probeFindings } from '../../src/measure/verdict.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { ctxOf, planOf } from '../support/probe-context.js';

const NS = 'shop-drill-x';
type Case = {
  name: string;
  spec: ScenarioProbe;
  /** Sets up the target the probe looks at. */
  given: (gw: MemoryGateway) => void;
  outcome: ProbeResult['outcome'];
  observation: RegExp;
  effect: 'FAIL' | 'ERROR';
};

const widgets: ScenarioProbe = {
  name: 'widgets',
  kind: 'resource',
  ref: { apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'shop', name: 'w1' },
};
const job: ScenarioProbe = {
  name: 'check',
  kind: 'job',
  namespace: 'shop',
  image: 'busybox',
  command: ['true'],
};
const deploy: ScenarioProbe = {
  name: 'api',
  kind: 'workload',
  ref: { kind: 'Deployment', namespace: 'shop', name: 'api' },
};

const cases: Case[] = [
  {
    name: 'a kind the restore did not bring back (CRD missing) is FAIL, naming the kind',
    spec: widgets,
    given: () => undefined,
    outcome: 'failed',
    observation: /not in the restored copy: .*Widget/,
    effect: 'FAIL',
  },
  {
    name: 'a namespace the restore did not bring back is FAIL for a probe that writes into it (job)',
    spec: job,
    given: (gw) => gw.remove({ apiVersion: 'v1', kind: 'Namespace', name: NS }),
    outcome: 'failed',
    observation: /not in the restored copy: .*namespaces "shop-drill-x" not found/,
    effect: 'FAIL',
  },
  {
    name: 'a kind the drill may not read (403) stays ERROR',
    spec: deploy,
    given: (gw) => gw.failOn('list', 'Deployment', 403),
    outcome: 'error',
    observation: /permission denied/,
    effect: 'ERROR',
  },
  {
    name: 'an API server error (500) stays ERROR',
    spec: deploy,
    given: (gw) => gw.failOn('list', 'Deployment', 500),
    outcome: 'error',
    observation: /failed with 500/,
    effect: 'ERROR',
  },
  {
    name: 'a Job the drill may not create (403) stays ERROR',
    spec: job,
    given: (gw) => gw.failOn('create', 'Job', 403),
    outcome: 'error',
    observation: /permission denied/,
    effect: 'ERROR',
  },
];

describe('probe outcome by cause: FAIL when the restore lacks it, ERROR when the drill cannot look', () => {
  for (const c of cases)
    it(c.name, async () => {
      const gw = new MemoryGateway();
      gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
      c.given(gw);
      const kind = probes[c.spec.kind] as (typeof probes)['resource'];
      let r: ProbeResult;
      try {
        r = await kind.run(planOf(c.spec) as never, ctxOf(gw, { drillId: 'abcd1234' }), 2000);
      } catch (e) {
        // The engine turns a probe that throws into an ERROR phase: only acceptable where ERROR is expected.
        expect(c.effect, `threw ${String(e)}`).to.equal('ERROR');
        return;
      }
      expect(r.outcome).to.equal(c.outcome);
      expect(r.observation).to.match(c.observation);
      const findings = probeFindings({
        probes: [
          {
            name: c.spec.name,
            kind: c.spec.kind,
            critical: true,
            outcome: r.outcome,
            passedAtSeconds: null,
            durationSeconds: 1,
            subject: r.subject,
            lastObservation: r.observation,
          },
        ],
      });
      expect(findings.map((f) => f.effect)).to.deep.equal([c.effect]);
      expect(findings[0].reason).to.include(r.observation!);
    });
});
