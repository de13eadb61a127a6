/** Transport and access (docs/reliability.md): cleartext webhooks refused, report files owner-only by default. */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webhookUrlProblem } from '../../src/util/webhook-url.js';
import { checkScenarioText, formatProblem } from '../../src/scenario/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { notify } from '../../src/report/notify.js';
import { reportFolder } from '../../src/report/folder.js';
import { Journal } from '../../src/report/journal.js';
import { writeReportFolder } from '../../src/report/seal.js';
import { REPORT_ACCESS_ENV } from '../../src/report/file-mode.js';
import { runHook } from '../../src/hooks/run-hook.js';
import { systemClock } from '../../src/util/clock.js';
import { aReport } from '../support/report-builder.js';
import { runCli } from '../support/run-cli.js';

const CLEARTEXT =
  'uses http://, which would send the credential in its path in cleartext: expected https:// (http:// only to localhost)';

const scenario = (webhook: string) => `apiVersion: dr-drill/v1
kind: Scenario
metadata:
  name: shop
spec:
  objectives: { rto: 10m, rpo: 1h }
  backup: { fromSchedule: shop-hourly }
  target: { namespace: {} }
  probes:
    - { name: web, kind: workload, ref: { kind: Deployment, namespace: shop, name: web } }
  report:
    notify: { webhook: "${webhook}" }
`;

describe('webhook transport', () => {
  const cases: Array<{ url: string; problem: string | null }> = [
    { url: 'https://outlook.office.com/webhookb2/T/SECRET', problem: null },
    { url: 'http://127.0.0.1:8080/hook', problem: null },
    { url: 'http://localhost/hook', problem: null },
    { url: 'http://[::1]:9/hook', problem: null },
    { url: 'http://hooks.slack.com/services/T/B/SECRET', problem: CLEARTEXT },
    { url: 'http://127.0.0.1.attacker.example/hook', problem: CLEARTEXT },
    { url: 'HTTP://10.0.0.5/hook', problem: CLEARTEXT },
    { url: 'ftp://files.example/hook', problem: 'uses ftp://: expected https://' },
    { url: 'not a url', problem: 'is not a URL: expected https://…' },
  ];
  for (const c of cases) {
    it(`${c.url} → ${c.problem === null ? 'accepted' : 'refused'}`, () => {
      expect(webhookUrlProblem(c.url)).to.equal(c.problem);
    });
  }

  it('validate names the line of a cleartext webhook written in the file, without quoting it', () => {
    const problems = checkScenarioText(scenario('http://hooks.example/T/SECRETPATH'), 's.yaml').problems;
    expect(problems.map(formatProblem)).to.deep.equal([`s.yaml:12:24 spec.report.notify.webhook: ${CLEARTEXT}`]);
    expect(problems.map(formatProblem).join()).to.not.include('SECRETPATH');
  });

  it('a webhook from ${ENV} is checked when plan or run resolves it: exit 2, nothing sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-webhook-'));
    const file = join(dir, 's.yaml');
    writeFileSync(file, scenario('${HOOK_URL}'));
    expect(checkScenarioText(scenario('${HOOK_URL}'), 's.yaml').problems).to.deep.equal([]);
    const loaded = checkScenarioText(scenario('${HOOK_URL}'), file);
    expect(() =>
      compilePlan(loaded.scenario!, {
        drillId: 'abcd1234',
        file,
        sha256: null,
        env: { HOOK_URL: 'http://hooks.example/T/SECRETPATH' },
      }),
    ).to.throw(`spec.report.notify.webhook ${CLEARTEXT}`);
    process.env.HOOK_URL = 'http://hooks.example/T/SECRETPATH';
    try {
      const r = await runCli(['plan', file]);
      expect(r.code).to.equal(2);
      expect(r.stdout + r.stderr).to.include(CLEARTEXT);
      expect(r.stdout + r.stderr).to.not.include('SECRETPATH');
    } finally {
      delete process.env.HOOK_URL;
    }
  });

  it('notify refuses a cleartext URL at send time, before any connection', async () => {
    // .invalid never resolves: had a request been tried, the warning would be a DNS failure after 3 attempts.
    const r = await notify(
      {
        url: 'http://hooks.example.invalid/T/SECRETPATH',
        on: ['fail', 'error', 'pass'],
        timeoutMs: 1000,
        format: 'json',
      },
      aReport().build(),
      { sleep: async () => {} },
    );
    expect(r).to.deep.equal({
      sent: false,
      attempts: 0,
      warning: `notification not sent: the webhook ${CLEARTEXT}`,
      skipped: false,
    });
  });
});

describe('report file modes', () => {
  const modeOf = (p: string) => statSync(p).mode & 0o777;

  /** A sealed drill folder with a journal and a hook log, written under the given access setting. */
  async function writeDrill(access: string | undefined): Promise<{ root: string; folder: string }> {
    const saved = process.env[REPORT_ACCESS_ENV];
    if (access === undefined) delete process.env[REPORT_ACCESS_ENV];
    else process.env[REPORT_ACCESS_ENV] = access;
    try {
      const root = mkdtempSync(join(tmpdir(), 'dr-drill-modes-'));
      const folder = reportFolder(root, 'shop', new Date('2026-01-01T00:00:00Z'), 'abcd1234');
      const journal = new Journal(folder, systemClock, { fsync: false });
      journal.append('event', { message: 'hello' });
      journal.close();
      await runHook(
        { name: 'say', command: ['node', '-e', 'console.log("hi")'], env: {}, workingDir: null, timeoutMs: 10_000 },
        { secrets: [], logFile: join(folder, 'hook-say.log') },
      );
      writeReportFolder(folder, aReport().scenario('shop').drillId('abcd1234').build());
      return { root, folder };
    } finally {
      if (saved === undefined) delete process.env[REPORT_ACCESS_ENV];
      else process.env[REPORT_ACCESS_ENV] = saved;
    }
  }

  it('owner-only by default: folders 0700, every file 0600', async () => {
    const { root, folder } = await writeDrill(undefined);
    expect(modeOf(join(root, 'shop')).toString(8)).to.equal('700');
    expect(modeOf(folder).toString(8)).to.equal('700');
    const files = readdirSync(folder);
    expect(files).to.include.members(['journal.jsonl', 'hook-say.log', 'report.json', 'SHA256SUMS']);
    for (const f of files) expect(`${f} ${modeOf(join(folder, f)).toString(8)}`).to.equal(`${f} 600`);
  });

  it(`${REPORT_ACCESS_ENV}=group: folders 0750, files 0640`, async function () {
    // A umask that masks group read wins, as documented: run under the common 022 so the test always runs.
    const saved = process.umask(0o022);
    try {
      const { folder } = await writeDrill('group');
      expect(modeOf(folder).toString(8)).to.equal('750');
      for (const f of readdirSync(folder)) expect(`${f} ${modeOf(join(folder, f)).toString(8)}`).to.equal(`${f} 640`);
    } finally {
      process.umask(saved);
    }
  });

  it(`an unknown ${REPORT_ACCESS_ENV} is an input error before anything is written`, async () => {
    let err: unknown;
    await writeDrill('world').catch((e: unknown) => (err = e));
    expect(err).to.include({ code: 'REPORT_ACCESS', category: 'input' });
  });
});
