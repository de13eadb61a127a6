import { expect } from 'chai';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { notify, notificationMessage, retryAfterMs, shouldNotify } from '../../src/report/notify.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { aReport } from '../support/report-builder.js';
import { runCli } from '../support/run-cli.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

/** A webhook on 127.0.0.1 that answers request n with replies[n] (the last one repeats), recording bodies. */
async function webhook(replies: Reply[]): Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      replies[Math.min(bodies.length - 1, replies.length - 1)]!(req, res);
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhookb2/SECRET-TOKEN-PATH`,
    bodies,
    close: () =>
      new Promise<void>((res) => {
        server.closeAllConnections();
        server.close(() => res());
      }),
  };
}

const ok: Reply = (_q, s) => s.writeHead(200).end('1');
const status =
  (code: number, headers: Record<string, string> = {}): Reply =>
  (_q, s) =>
    s.writeHead(code, headers).end();
const hang: Reply = () => {}; // never answers: the per-attempt timeout must end it
const drop: Reply = (q) => q.socket.destroy();

const scenario = (notify: unknown): Scenario =>
  ({
    apiVersion: 'dr-drill/v1',
    kind: 'Scenario',
    metadata: { name: 'n', controls: ['DORA:Art.12'] },
    spec: {
      objectives: { rto: '30m', rpo: '26h' },
      backup: { name: 'b' },
      target: { namespace: {} },
      probes: [],
      report: { notify } as never,
    },
  }) as Scenario;
const planInput = { drillId: 'abcd1234', file: null, sha256: null } as never;

describe('notify', () => {
  const fail = aReport().verdict('FAIL', 'RTO missed; token=abc123secret').rto(2400).build();
  const cases: {
    name: string;
    replies: Reply[];
    sent: boolean;
    attempts: number;
    sleeps: number[];
    warning?: RegExp;
  }[] = [
    { name: 'posts once when the webhook answers', replies: [ok], sent: true, attempts: 1, sleeps: [] },
    { name: 'retries a dropped connection with backoff', replies: [drop, ok], sent: true, attempts: 2, sleeps: [10] },
    {
      name: 'retries 5xx with exponential backoff',
      replies: [status(502), status(503), ok],
      sent: true,
      attempts: 3,
      sleeps: [10, 20],
    },
    {
      name: 'honours Retry-After on 429',
      replies: [status(429, { 'retry-after': '3' }), ok],
      sent: true,
      attempts: 2,
      sleeps: [3000],
    },
    {
      name: 'caps a long Retry-After',
      replies: [status(429, { 'retry-after': '86400' }), ok],
      sent: true,
      attempts: 2,
      sleeps: [5000],
    },
    {
      name: 'times out an attempt that never answers, then retries',
      replies: [hang, ok],
      sent: true,
      attempts: 2,
      sleeps: [10],
    },
    {
      name: 'gives up after three attempts with a warning',
      replies: [status(500)],
      sent: false,
      attempts: 3,
      sleeps: [10, 20],
      warning: /after 3 attempt\(s\): HTTP 500/,
    },
    {
      name: 'does not retry a 4xx (bad or revoked webhook)',
      replies: [status(404)],
      sent: false,
      attempts: 1,
      sleeps: [],
      warning: /HTTP 404/,
    },
    {
      name: 'says which timeout expired',
      replies: [hang],
      sent: false,
      attempts: 3,
      sleeps: [10, 20],
      warning: /no answer within/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const hook = await webhook(c.replies);
      const sleeps: number[] = [];
      try {
        // A short per-attempt timeout only where the webhook hangs: elsewhere a slow machine must not turn a reply
        // into a timeout.
        const timeoutMs = c.replies.includes(hang) ? 300 : 10_000;
        const r = await notify({ url: hook.url, on: ['fail', 'error'], timeoutMs, format: 'teams' }, fail, {
          backoffMs: 10,
          maxRetryAfterMs: 5000,
          sleep: async (ms) => void sleeps.push(ms),
        });
        expect(r.sent).to.equal(c.sent);
        expect(r.attempts).to.equal(c.attempts);
        expect(sleeps).to.deep.equal(c.sleeps);
        if (c.warning) expect(r.warning).to.match(c.warning);
        else expect(r.warning).to.equal(null);
        // The webhook URL is a secret: it is never in a warning; secrets in the report are redacted.
        expect(String(r.warning)).not.to.contain('SECRET-TOKEN-PATH');
        expect(JSON.stringify(hook.bodies)).not.to.contain('abc123secret');
        // Every attempt posts the same Teams Workflows message.
        for (const b of hook.bodies) expect(b).to.deep.equal(notificationMessage(fail, 'teams'));
      } finally {
        await hook.close();
      }
    });
  }

  it('never names the URL when the connection is refused', async () => {
    const hook = await webhook([ok]);
    await hook.close();
    const r = await notify({ url: hook.url, on: ['fail'], timeoutMs: 300, format: 'slack' }, fail, { attempts: 1 });
    expect(r.sent).to.equal(false);
    expect(r.warning).not.to.contain('SECRET-TOKEN-PATH');
  });

  it('sends nothing for a verdict that does not notify', async () => {
    const r = await notify(
      { url: 'http://127.0.0.1:9/', on: ['fail', 'error'], timeoutMs: 100, format: 'json' },
      aReport().build(),
    );
    expect(r).to.deep.include({ sent: false, attempts: 0, skipped: true, warning: null });
  });

  const on = [
    { on: ['fail', 'error'] as const, verdict: 'PASS' as const, send: false },
    { on: ['fail', 'error'] as const, verdict: 'ERROR' as const, send: true },
    { on: ['pass', 'fail', 'error'] as const, verdict: 'PASS' as const, send: true },
  ];
  for (const c of on)
    it(`on ${c.on.join(',')} ${c.send ? 'sends' : 'skips'} ${c.verdict}`, () =>
      expect(shouldNotify(c.on, c.verdict)).to.equal(c.send));

  it('builds a Teams Workflows message: one Adaptive Card attachment with title, lines and facts', () => {
    const m = notificationMessage(fail, 'teams', 'reports/payments-nightly/x') as {
      type: string;
      attachments: { contentType: string; contentUrl: null; content: Record<string, unknown> }[];
    };
    expect(m.type).to.equal('message');
    expect(m.attachments).to.have.length(1);
    const [a] = m.attachments;
    expect(a!.contentType).to.equal('application/vnd.microsoft.card.adaptive');
    expect(a!.contentUrl).to.equal(null);
    const card = a!.content as { type: string; version: string; body: Record<string, unknown>[] };
    expect(card).to.include({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]).to.include({
      type: 'TextBlock',
      text: '❌ dr-drill FAIL: payments-nightly (drill abcd1234)',
      color: 'Attention',
      wrap: true,
    });
    const texts = card.body.filter((b) => b.type === 'TextBlock').map((b) => b.text);
    expect(texts).to.include('RTO 40m00s ± 1s / objective 30m00s: MISSED (margin -10m00s)');
    expect(texts).to.include('report: reports/payments-nightly/x');
    const facts = card.body.find((b) => b.type === 'FactSet') as { facts: { title: string; value: string }[] };
    expect(facts.facts.map((f) => f.title)).to.deep.equal(['Verdict', 'Started', 'RTO', 'RPO', 'Backup', 'Restore']);
    expect(facts.facts[0]).to.deep.equal({ title: 'Verdict', value: 'FAIL' });
    // Nothing of the retired connector format is left.
    expect(JSON.stringify(m)).not.to.match(/MessageCard|themeColor/);
    expect(JSON.stringify(m)).not.to.contain('abc123secret');
  });

  it('builds a Slack message: text plus header, details and facts blocks', () => {
    const m = notificationMessage(fail, 'slack', 'reports/payments-nightly/x') as {
      text: string;
      blocks: { type: string }[];
    };
    expect(m.text).to.match(/^❌ dr-drill FAIL: payments-nightly \(drill abcd1234\)/);
    expect(m.text).to.contain('RTO 40m00s ± 1s / objective 30m00s: MISSED');
    expect(m.text).to.contain('report: reports/payments-nightly/x');
    expect(m.blocks.map((b) => b.type)).to.deep.equal(['header', 'section', 'section']);
    expect(Object.keys(m).sort()).to.deep.equal(['blocks', 'text']);
    expect(JSON.stringify(m)).not.to.contain('abc123secret');
  });

  it('builds a plain JSON message for any other webhook', () => {
    const m = notificationMessage(fail, 'json', 'reports/payments-nightly/x');
    expect(m).to.deep.include({
      source: 'dr-drill',
      verdict: 'FAIL',
      scenario: 'payments-nightly',
      drillId: 'abcd1234',
      folder: 'reports/payments-nightly/x',
    });
    expect(m.facts).to.include({ verdict: 'FAIL', rto: '40m00s / 30m00s' });
    expect(m.text).to.equal([m.title, ...(m.lines as string[])].join('\n'));
    expect(JSON.stringify(m)).not.to.contain('abc123secret');
  });

  const hosts = [
    {
      url: 'https://prod-27.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=S',
      format: 'teams',
    },
    {
      url: 'https://default0a1b.ab.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/x/triggers/manual/paths/invoke?sig=S',
      format: 'teams',
    },
    { url: 'https://contoso.webhook.office.com/webhookb2/x/IncomingWebhook/y/z', format: 'teams' },
    { url: 'https://hooks.slack.com/services/T000/B000/XXXX', format: 'slack' },
    { url: 'https://alerts.example.com/dr-drill', format: 'json' },
    // A host that only ends in a known name is not it.
    { url: 'https://hooks.slack.com.example.net/x', format: 'json' },
    { url: 'https://evil-logic.azure.com.example/x', format: 'json' },
  ];
  for (const h of hosts)
    it(`format auto is ${h.format} for ${new URL(h.url).hostname}`, () => {
      const plan = compilePlan(scenario({ webhook: h.url }), planInput);
      expect(plan.report.notify!.format).to.equal(h.format);
    });

  it('plan names the format and the verdicts, never the webhook', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-notify-'));
    const file = join(dir, 's.yaml');
    const example = readFileSync(join(import.meta.dirname, '..', '..', 'scenarios', 'namespace-mapping.yaml'), 'utf8');
    writeFileSync(
      file,
      example.replace(
        /^spec:$/m,
        'spec:\n  report: { notify: { webhook: "https://prod-1.westeurope.logic.azure.com/workflows/x?sig=SECRETSIG" } }',
      ),
    );
    const r = await runCli(['plan', '--offline', file]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('notify        teams message on fail, error (webhook not shown)');
    expect(r.stdout + r.stderr).not.to.contain('SECRETSIG');
  });

  it('an explicit format wins over the host', () => {
    const plan = compilePlan(scenario({ webhook: 'https://hooks.slack.com/services/x', format: 'json' }), planInput);
    expect(plan.report.notify!.format).to.equal('json');
  });

  const ra = [
    { header: null, ms: null },
    { header: '5', ms: 5000 },
    { header: 'Wed, 01 Jan 2026 00:00:10 GMT', ms: 10_000 },
    { header: 'soon', ms: null },
  ];
  for (const c of ra)
    it(`reads Retry-After ${c.header}`, () =>
      expect(retryAfterMs(c.header, new Date('2026-01-01T00:00:00Z'))).to.equal(c.ms));
});

describe('spec.report.notify in the plan', () => {
  it('fills defaults, carries controls and never serialises the webhook', () => {
    const plan = compilePlan(scenario({ webhook: 'https://hooks.example/T/SECRETPATH' }), {
      drillId: 'abcd1234',
      file: null,
      sha256: null,
    } as never);
    expect(plan.report.notify!.on).to.deep.equal(['fail', 'error']);
    expect(plan.report.notify!.timeoutMs).to.equal(10_000);
    expect(plan.report.notify!.webhook.reveal()).to.equal('https://hooks.example/T/SECRETPATH');
    expect(JSON.stringify(plan)).not.to.contain('SECRETPATH');
    expect(plan.scenario.controls).to.deep.equal(['DORA:Art.12']);
  });
  it('expands on: always', () => {
    const plan = compilePlan(scenario({ webhook: 'https://hooks.example/x', on: 'always', timeout: '5s' }), {
      drillId: 'abcd1234',
      file: null,
      sha256: null,
    } as never);
    expect(plan.report.notify).to.deep.include({ on: ['pass', 'fail', 'error'], timeoutMs: 5000 });
  });
  it('refuses a webhook that is not a URL', () => {
    expect(() =>
      compilePlan(scenario({ webhook: 'not a url' }), { drillId: 'abcd1234', file: null, sha256: null } as never),
    ).to.throw(/webhook is not a URL: expected https/);
  });
});
