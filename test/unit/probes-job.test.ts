import { expect } from 'chai';
import { probes } from '../../src/probes/index.js';
import { jobName } from '../../src/probes/job.js';
import type { ScenarioProbe } from '../../src/scenario/schema.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { ctxOf, planOf } from '../support/probe-context.js';

const NS = 'shop-drill-x';
const spec: Extract<ScenarioProbe, { kind: 'job' }> = {
  name: 'schema-dump',
  kind: 'job',
  namespace: 'shop',
  image: 'postgres:16',
  command: ['pg_dump', '--schema-only'],
  env: { PGPASSWORD: 'hunter2' },
  volumes: [{ claim: 'data-db-0', mountPath: '/data' }],
};
const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name: jobName('schema-dump', 'abcd1234') };

describe('probe kind job', () => {
  let gw: MemoryGateway;
  const ctx = () => ctxOf(gw, { drillId: 'abcd1234', labels: { 'dr-drill.io/drill-id': 'abcd1234' } });
  beforeEach(() => {
    gw = new MemoryGateway();
    gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  const finish = (type: 'Complete' | 'Failed', logs?: string) =>
    setTimeout(() => {
      const job = gw.peek(ref)!;
      gw.put({
        ...job,
        status: {
          conditions: [{ type, status: 'True', reason: type === 'Failed' ? 'BackoffLimitExceeded' : undefined }],
          succeeded: type === 'Complete' ? 1 : 0,
        },
      });
      gw.put({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${ref.name}-x`, namespace: NS, labels: { 'job-name': ref.name } },
      });
      if (logs !== undefined) gw.podLogs.set(`${NS}/${ref.name}-x`, logs);
    }, 20);

  it('creates a labelled Job mounting the restored claim read-only, passes on Complete with its logs, then deletes it', async () => {
    let created: Record<string, any> | null = null; // eslint-disable-line @typescript-eslint/no-explicit-any
    gw.subscribe((t, o) => {
      if (t === 'ADDED' && o.kind === 'Job') created = o;
    });
    finish('Complete', 'CREATE TABLE orders (...)\n');
    const r = await probes.job.run(planOf(spec), ctx(), 2000);
    expect(r.outcome).to.equal('passed');
    expect(r.observation).to.match(/Complete .*logs: CREATE TABLE orders/);
    const job = created!;
    expect(job.metadata.labels).to.include({ 'dr-drill.io/drill-id': 'abcd1234', 'dr-drill.io/probe': 'schema-dump' });
    expect(job.spec.backoffLimit).to.equal(0);
    expect(job.spec.template.spec.volumes).to.deep.equal([
      { name: 'claim-0', persistentVolumeClaim: { claimName: 'data-db-0', readOnly: true } },
    ]);
    expect(job.spec.template.spec.containers[0].volumeMounts[0]).to.include({ mountPath: '/data', readOnly: true });
    expect(gw.peek(ref)).to.equal(null);
  });

  it('fails on Failed, and says when there are no logs (as on kwok)', async () => {
    finish('Failed');
    const r = await probes.job.run(planOf(spec), ctx(), 2000);
    expect(r.outcome).to.equal('failed');
    expect(r.observation).to.match(/Failed: BackoffLimitExceeded.*logs: not available/);
    expect(gw.peek(ref)).to.equal(null);
  });
});
