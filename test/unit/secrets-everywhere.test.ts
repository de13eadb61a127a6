/**
 * The run's secret registry, attacked the way issue #13 found the leaks: a Secret whose probe fails, a planted
 * env secret in a hook's arguments, a hook that prints its environment. Each planted value is searched raw,
 * base64-encoded and JSON-escaped in every file of the report folder, every console line and the webhook body.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/kube/types.js';
import { SecretText, type HookPlan } from '../../src/plan/types.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { baseHookEnv } from '../../src/engine/hook-steps.js';
import { createProgress } from '../../src/cli/progress.js';
import { notificationMessage } from '../../src/report/notify.js';
import { partialMatch, showSecretValue } from '../../src/probes/match.js';
import { kubeconfigSecrets, maskCommand } from '../../src/hooks/index.js';
import { redact } from '../../src/util/redact.js';
import { compilePlan } from '../../src/plan/compile.js';
import { runSecrets, SecretRegistry } from '../../src/util/secrets.js';
import { systemClock } from '../../src/util/clock.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { VeleroSim } from '../support/velero-sim.js';
import { aPlan, HOUR } from '../support/plan-builder.js';

/** The forms a secret travels in: as written, base64 (a Secret's data), and inside a JSON string. */
function forms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), JSON.stringify(JSON.stringify(secret)).slice(3, -3)];
}

function expectNowhere(texts: Record<string, string>, secrets: string[]): void {
  for (const [where, text] of Object.entries(texts))
    for (const s of secrets) for (const f of forms(s)) expect(text, `${where} contains ${f}`).not.to.include(f);
}

describe('the secret registry', () => {
  it('masks a registered value raw, base64-encoded, JSON-escaped and URL-encoded', () => {
    const r = new SecretRegistry();
    const v = 'p@ss"w0rd/with\\slash';
    r.register(v);
    for (const f of [...forms(v), encodeURIComponent(v)])
      expect(r.mask(`before ${f} after`)).to.equal('before *** after');
  });

  it('masks a base64 value once decoded (a Secret read back through exec)', () => {
    const r = new SecretRegistry();
    r.register(Buffer.from('decoded-secret-value').toString('base64'));
    expect(r.mask('cat /etc/secret: decoded-secret-value')).to.equal('cat /etc/secret: ***');
  });

  it('ignores values too short to mean anything', () => {
    const r = new SecretRegistry();
    r.register('yes');
    expect(r.mask('yes')).to.equal('yes');
  });

  it('a SecretText (webhook URL, connection string, hook env) is registered when made', () => {
    const v = 'https://example.invalid/hooks/Registered-On-Construction-42';
    new SecretText(v);
    expect(redact(`POST ${v} failed`)).to.equal('POST *** failed');
  });

  it('compiling a scenario registers env values it references in secret positions, not plain ones', () => {
    const scenario = {
      apiVersion: 'dr-drill/v1',
      kind: 'Scenario',
      metadata: { name: 'regs' },
      spec: {
        objectives: { rto: '30m', rpo: '26h' },
        source: { kubeContext: '${CTX}' },
        backup: { name: 'b1' },
        target: { namespace: { suffix: '-drill' } },
        probes: [{ name: 'p', kind: 'workload', ref: { kind: 'Deployment', namespace: 'payments', name: 'api' } }],
        hooks: [
          {
            name: 'h',
            at: 'after-restore',
            command: ['db', '--password', '${DB_PW_PLANTED}', '${ARM_CLIENT_SECRET}'],
          },
        ],
      },
    } as unknown as Scenario;
    compilePlan(scenario, {
      drillId: 'abcd1234',
      file: 'regs.yaml',
      sha256: '0'.repeat(64),
      env: { CTX: 'ctx-plain-name', DB_PW_PLANTED: 'flag-position-value', ARM_CLIENT_SECRET: 'named-secret-value' },
    });
    expect(redact('flag-position-value named-secret-value ctx-plain-name')).to.equal('*** *** ctx-plain-name');
  });

  it('finds exec-plugin, auth-provider and client-key credentials in a kubeconfig', () => {
    const text = [
      'users:',
      '- name: aks',
      '  user:',
      '    client-key-data: Q0xJRU5ULUtFWS1EQVRB',
      '    auth-provider: { name: oidc, config: { client-id: k8s, client-secret: oidc-secret-value } }',
      '    exec:',
      '      command: kubelogin',
      '      args: [get-token, --client-secret, exec-arg-secret]',
      '      env: [{ name: AZURE_CLIENT_SECRET, value: exec-env-secret }, { name: AZURE_TENANT, value: tenant-id }]',
    ].join('\n');
    const found = kubeconfigSecrets(text);
    for (const s of ['Q0xJRU5ULUtFWS1EQVRB', 'oidc-secret-value', 'exec-arg-secret', 'exec-env-secret'])
      expect(found, s).to.include(s);
    expect(found).not.to.include('tenant-id');
    expect(found).not.to.include('k8s');
  });
});

describe('what a hook sees and shows', () => {
  it('inherits PATH, HOME and its inheritEnv names only; never DR_DRILL_ARM_TOKEN', () => {
    const env = {
      PATH: '/usr/bin',
      HOME: '/home/ci',
      AZURE_STORAGE_CONNECTION_STRING: 'AccountKey=zzz',
      DR_DRILL_ARM_TOKEN: 'arm-token',
      TEAMS_WEBHOOK_URL: 'https://x',
      ARM_CLIENT_ID: 'id',
      ARM_CLIENT_SECRET: 'sp-secret',
      SOMETHING_ELSE: 'x',
    };
    expect(baseHookEnv(env, ['ARM_*', 'DR_DRILL_ARM_TOKEN'])).to.deep.equal({
      PATH: '/usr/bin',
      HOME: '/home/ci',
      ARM_CLIENT_ID: 'id',
      ARM_CLIENT_SECRET: 'sp-secret',
    });
    expect(baseHookEnv(env, [])).to.deep.equal({ PATH: '/usr/bin', HOME: '/home/ci' });
  });

  it('masks the argument after a credential flag whatever it is', () => {
    expect(maskCommand(['mysql', '-u', 'root', '-p', 'plainword', '--password', 'x1y2', 'db'])).to.deep.equal([
      'mysql',
      '-u',
      'root',
      '-p',
      '***',
      '--password',
      '***',
      'db',
    ]);
  });

  it('leaves a port after -p (psql, ssh, redis-cli) but masks a registered secret even there', () => {
    expect(maskCommand(['psql', '-h', 'db', '-p', '5432', '-U', 'app'])).to.deep.equal([
      'psql',
      '-h',
      'db',
      '-p',
      '5432',
      '-U',
      'app',
    ]);
    expect(maskCommand(['mysql', '-p', '98765'], ['98765'])).to.deep.equal(['mysql', '-p', '***']);
  });
});

describe('a probe on a Secret', () => {
  it('reports keys, lengths and SHA-256 prefixes, never the value', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { TOKEN: 'UmVhbFZhbHVl' } };
    const d = partialMatch(secret, { data: { TOKEN: 'V3JvbmdWYWx1ZQ==' } }, '', showSecretValue)!;
    expect(d).to.match(/^data\.TOKEN: expected <redacted: 10 bytes, sha256 [0-9a-f]{12}>, found <redacted: 9 bytes/);
    expect(d).not.to.include('UmVhbFZhbHVl');
    const whole = partialMatch(secret, { data: ['x'] }, '', showSecretValue)!;
    expect(whole).to.equal('data: expected a list, found {keys: TOKEN}');
  });
});

describe('a drill with a failing probe on a Secret and a planted env secret', function () {
  this.timeout(30_000);
  const SECRET_VALUE = 'Planted-Secret-Obj-7731';
  const ENV_SECRET = 'Planted-Env-Secret-5512';
  let gw: MemoryGateway;
  let sim: VeleroSim;
  let dir: string;
  const source: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'payments' },
      data: { TOKEN: Buffer.from(SECRET_VALUE).toString('base64') },
    } as KubeObject,
  ];
  beforeEach(async () => {
    gw = new MemoryGateway('prod-weu', 'https://prod-weu.example:443');
    for (const o of source) gw.put(o);
    sim = await new VeleroSim(gw, { content: source.filter((o) => o.kind !== 'Namespace') }).start();
    sim.seedBackup('payments-daily-1', { ageMs: 2 * HOUR, schedule: 'payments-daily' });
    dir = mkdtempSync(join(tmpdir(), 'dr-drill-secrets-'));
  });
  afterEach(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no file of the report folder, console line, JSON log line or webhook message holds either value', async () => {
    // As `run` does: the scenario referenced ${DB_PASSWORD}, so compile registered its value.
    runSecrets.register(ENV_SECRET);
    const plan = aPlan()
      .probe(
        {
          name: 'db-token',
          kind: 'resource',
          ref: { apiVersion: 'v1', kind: 'Secret', namespace: 'payments', name: 'db' },
          match: { data: { TOKEN: Buffer.from('expected-other').toString('base64') } },
        },
        1500,
      )
      .build();
    const hook: HookPlan = {
      name: 'leaky',
      at: 'after-restore',
      command: ['sh', '-c', 'env; echo "$1"; exit 0', 'sh', '--password', ENV_SECRET],
      env: {},
      inheritEnv: [],
      workingDir: null,
      timeoutMs: 10_000,
      onFailure: 'warn',
      produces: null,
    };
    plan.hooks = [hook];
    const textLines: string[] = [];
    const jsonLines: string[] = [];
    const sink = (lines: string[]) => ({ write: (s: string) => lines.push(s), isTTY: false }) as never;
    const text = createProgress({ format: 'text', stream: sink(textLines), rtoObjectiveSeconds: 60, colour: false });
    const json = createProgress({ format: 'json', stream: sink(jsonLines), rtoObjectiveSeconds: 60, colour: false });
    process.env.AZURE_STORAGE_CONNECTION_STRING_TEST_ONLY = `AccountKey=${ENV_SECRET}`;
    let out;
    try {
      out = await runDrill(plan, {
        clock: systemClock,
        gatewayFor: () => gw,
        reportDir: dir,
        toolVersion: '0.0.0-test',
        onEvent: (e) => {
          text.onEvent(e);
          json.onEvent(e);
        },
      });
    } finally {
      delete process.env.AZURE_STORAGE_CONNECTION_STRING_TEST_ONLY;
    }
    const report = JSON.parse(readFileSync(join(out.folder, 'report.json'), 'utf8'));
    expect(report.verdict).to.equal('FAIL');
    const probe = report.probes.find((p: { name: string }) => p.name === 'db-token');
    expect(probe.lastObservation, `OBS ${probe.lastObservation}`).to.match(
      /data\.TOKEN: expected <redacted: \d+ bytes, sha256 [0-9a-f]{12}>, found <redacted: 23 bytes/,
    );
    const hookEntry = report.hooks.find((h: { name: string }) => h.name === 'leaky');
    const log = readFileSync(join(out.folder, 'hook-leaky.log'), 'utf8');
    expect(hookEntry.command.join(' ')).to.equal('sh -c env; echo "$1"; exit 0 sh --password ***');
    expect(log).to.include(`# command: sh -c 'env; echo "$1"; exit 0' sh --password ***`);
    expect(log, 'the hook did not inherit the storage connection string').not.to.include(
      'AZURE_STORAGE_CONNECTION_STRING_TEST_ONLY',
    );
    const files = Object.fromEntries(
      readdirSync(out.folder).map((f) => [f, readFileSync(join(out.folder, f), 'utf8')] as const),
    );
    expectNowhere(
      {
        ...files,
        console: textLines.join(''),
        'json log': jsonLines.join(''),
        'webhook (teams)': JSON.stringify(notificationMessage(out.report, 'teams')),
        'webhook (slack)': JSON.stringify(notificationMessage(out.report, 'slack')),
        'webhook (json)': JSON.stringify(notificationMessage(out.report, 'json')),
      },
      [SECRET_VALUE, ENV_SECRET],
    );
  });
});
