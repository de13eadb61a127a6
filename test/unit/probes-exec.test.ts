import { expect } from 'chai';
import { probes } from '../../src/probes/index.js';
import { reportable } from '../../src/probes/exec-client.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { ctxOf, planOf, pod } from '../support/probe-context.js';

const NS = 'shop-drill-x';
const spec = (expectation: Record<string, unknown>, podRef: Record<string, string> = { selector: 'app=db' }) =>
  planOf<'exec'>({
    name: 'rows',
    kind: 'exec',
    pod: { namespace: 'shop', ...podRef },
    command: ['psql', '-tAc', 'select 1'],
    expect: expectation,
  });

describe('probe kind exec', () => {
  let gw: MemoryGateway;
  beforeEach(() => {
    gw = new MemoryGateway();
    gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });

  const cases: Array<{
    name: string;
    expect: Record<string, unknown>;
    out: { exitCode: number; stdout: string; stderr?: string };
    outcome: string;
    observation: RegExp;
  }> = [
    {
      name: 'exit code 0 by default',
      expect: {},
      out: { exitCode: 0, stdout: '42\n' },
      outcome: 'passed',
      observation: /exit 0; stdout: 42/,
    },
    {
      name: 'stdout regular expression',
      expect: { stdout: '^[1-9]' },
      out: { exitCode: 0, stdout: '42' },
      outcome: 'passed',
      observation: /stdout: 42/,
    },
    {
      name: 'stdout that does not match',
      expect: { stdout: '^[1-9]' },
      out: { exitCode: 0, stdout: '0' },
      outcome: 'failed',
      observation: /timed out .*stdout does not match/,
    },
    {
      name: 'a JSON value',
      expect: { json: { path: 'status.rows', equals: 3 } },
      out: { exitCode: 0, stdout: '{"status":{"rows":3}}' },
      outcome: 'passed',
      observation: /exit 0/,
    },
    {
      name: 'a JSON value that differs',
      expect: { json: { path: 'status.rows', equals: 3 } },
      out: { exitCode: 0, stdout: '{"status":{"rows":2}}' },
      outcome: 'failed',
      observation: /status\.rows: expected 3, found 2/,
    },
    {
      name: 'a non-zero exit code',
      expect: { exitCode: 0 },
      out: { exitCode: 2, stdout: '', stderr: 'relation "orders" does not exist' },
      outcome: 'failed',
      observation: /exit code 2, want 0.*stderr: relation/,
    },
    {
      name: 'an expected non-zero exit code',
      expect: { exitCode: 1 },
      out: { exitCode: 1, stdout: '' },
      outcome: 'passed',
      observation: /exit 1/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      gw.put(pod('db-0', NS));
      gw.onExec = () => ({ stderr: '', ...c.out });
      const r = await probes.exec.run(spec(c.expect), ctxOf(gw), 600);
      expect(r.outcome).to.equal(c.outcome);
      expect(r.observation).to.match(c.observation);
    });
  }

  it('runs in the first Ready pod of the selector, first container by default, in the mapped namespace', async () => {
    gw.put(pod('db-1', NS));
    gw.put(pod('db-0', NS, false));
    gw.put(pod('other', NS, true, { app: 'web' }));
    gw.onExec = () => ({ exitCode: 0, stdout: 'ok', stderr: '' });
    const r = await probes.exec.run(spec({}), ctxOf(gw), 2000);
    expect(r.outcome).to.equal('passed');
    expect(gw.execCalls).to.deep.equal([
      { namespace: NS, pod: 'db-1', container: 'main', command: ['psql', '-tAc', 'select 1'] },
    ]);
  });

  it('retries every interval until the command gives the answer', async () => {
    gw.put(pod('db-0', NS));
    let n = 0;
    gw.onExec = () => ({ exitCode: ++n < 3 ? 1 : 0, stdout: String(n), stderr: '' });
    const r = await probes.exec.run(spec({}, { name: 'db-0', container: 'sidecar' }), ctxOf(gw), 2000);
    expect(r.outcome).to.equal('passed');
    expect(gw.execCalls).to.have.length(3);
    expect(gw.execCalls[0].container).to.equal('sidecar');
  });

  it('waits for a pod to appear, and says so when none does', async () => {
    const r = await probes.exec.run(spec({}), ctxOf(gw), 60);
    expect(r.outcome).to.equal('failed');
    expect(r.observation).to.match(/no Ready pod matches app=db in shop-drill-x/);
  });

  it('is an error, not a retry, when exec is forbidden', async () => {
    gw.put(pod('db-0', NS));
    gw.failOn('create', 'pods/exec', 403);
    const r = await probes.exec.run(spec({}), ctxOf(gw), 2000);
    expect(r.outcome).to.equal('error');
    expect(r.observation).to.match(/permission denied/);
  });

  it('keeps secrets and bulk out of the observation', async () => {
    gw.put(pod('db-0', NS));
    gw.onExec = () => ({ exitCode: 0, stdout: `password=hunter2 ${'x'.repeat(5000)}`, stderr: '' });
    const r = await probes.exec.run(spec({}), ctxOf(gw), 2000);
    expect(r.observation).not.to.contain('hunter2');
    expect(r.observation!.length).to.be.below(2200);
    expect(reportable('a'.repeat(10), 4)).to.equal('aaaa… (6 more characters)');
  });
});
