import { expect } from 'chai';
import type { Report } from '../../src/report/schema.js';
import { renderers } from '../../src/report/render/index.js';
import { renderHtml } from '../../src/report/render/html.js';
import { timelineRows } from '../../src/report/render/svg-gantt.js';
import { validateReport } from '../../src/report/validate-report.js';
import { aReport } from '../support/report-builder.js';

/** A report whose drill ran a traffic switch after the restore (in RTO) and a failing terraform destroy on teardown. */
function withHooks(): Report {
  const r = aReport().build();
  const verify = r.phases.findIndex((p) => p.name === 'verify');
  const hookPhase = (
    name: `hook:${string}`,
    start: number,
    end: number,
    outcome: 'succeeded' | 'failed',
    reason: string | null,
  ) => ({
    name,
    startedAt: r.t0,
    endedAt: r.t0,
    durationSeconds: end - start,
    startSeconds: start,
    outcome,
    reason,
    effect: null,
    events: [],
    subphases: [],
  });
  r.phases.splice(verify, 0, hookPhase('hook:switch-traffic', 188, 200, 'succeeded', null));
  r.phases.splice(
    r.phases.length - 1,
    0,
    hookPhase('hook:destroy', 450, 451, 'failed', 'hook destroy (on-teardown) failed: exit code 1'),
  );
  r.hooks = [
    {
      name: 'switch-traffic',
      at: 'after-restore',
      command: ['az', 'network', 'traffic-manager', 'endpoint', 'update'],
      exitCode: 0,
      outcome: 'succeeded',
      durationSeconds: 12,
      countedInRto: true,
      outputFile: 'hook-switch-traffic.log',
      reason: null,
    },
    {
      name: 'destroy',
      at: 'on-teardown',
      command: ['terraform', 'destroy', '-auto-approve'],
      exitCode: 1,
      outcome: 'failed',
      durationSeconds: 1,
      countedInRto: false,
      outputFile: 'hook-destroy.log',
      reason: 'hook destroy (on-teardown) failed: exit code 1',
    },
  ];
  return r;
}

describe('report renderers: runbook hooks', () => {
  it('a report with hooks is schema-valid; one without the key (older reports) still is', () => {
    expect(validateReport(withHooks())).to.deep.equal([]);
    const old = aReport().build() as Partial<Report>;
    delete old.hooks;
    expect(validateReport(old)).to.deep.equal([]);
    expect(
      validateReport({ ...withHooks(), phases: [{ ...withHooks().phases[0]!, name: 'hook:Bad Name' }] }),
    ).to.not.deep.equal([]);
  });

  it('report.md has a hooks table', () => {
    const md = renderers.markdown.render(withHooks());
    expect(md).to.include('## Runbook hooks');
    expect(md).to.match(
      /\| switch-traffic \| after-restore \| `az network traffic-manager endpoint update` \| succeeded \| 0 \| 12s \| yes \| `hook-switch-traffic.log` \| — \|/,
    );
    expect(md).to.match(/\| hook:destroy \| failed \|/);
  });

  it('junit.xml has a testcase per hook, failing ones as failures', () => {
    const xml = renderers.junit.render(withHooks());
    expect(xml).to.match(/<testcase classname="dr-drill\.payments-nightly\.hook" name="switch-traffic" time="12">/);
    expect(xml).to.match(
      /<testcase classname="dr-drill\.payments-nightly\.hook" name="destroy" time="1">\s*<failure message="hook destroy \(on-teardown\) failed: exit code 1"/,
    );
    expect(xml).to.include('exit code 0; log hook-switch-traffic.log');
  });

  it('report.html draws hooks on the timeline in their own colour and lists them', () => {
    const rows = timelineRows(withHooks());
    expect(rows.find((b) => b.label === 'hook:switch-traffic')?.segments[0]?.cls).to.equal('phase hook succeeded');
    const html = renderHtml(withHooks());
    expect(html).to.include('<h2>Runbook hooks</h2>');
    expect(html).to.include('<span class="k hook"></span>runbook hook');
  });
});
