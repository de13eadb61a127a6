/**
 * The GitHub workflows are code users depend on: every one must parse, have a sane structure, and only run
 * dr-drill commands that exist, on scenario files that exist (or come from a matrix or an input).
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { staticCommands as commands } from '../support/cli-loaders.js';
import { runCli } from '../support/run-cli.js';
import { validateFiles } from '../../src/cli/commands/validate.js';
import { formatProblem } from '../../src/scenario/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(ROOT, '.github', 'workflows');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  'continue-on-error'?: unknown;
}
interface Job {
  'runs-on': string;
  steps: Step[];
  needs?: string | string[];
  env?: Record<string, string>;
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> | string };
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/** A matrix row: at least the scenario file. */
type MatrixRow = Record<string, unknown> & { scenario?: string };

/**
 * The rows a job's matrix expands to. A literal matrix is read as written; `${{ fromJSON(needs.J.outputs.O) }}`
 * is followed to the step of job J that writes O, and the `dr-drill list …` it runs is run here, as CI would.
 */
async function matrixRows(w: Workflow, job: Job): Promise<MatrixRow[]> {
  const m = job.strategy?.matrix;
  if (m === undefined) return [];
  if (typeof m === 'object') {
    const values = Object.entries(m).filter(([k]) => k !== 'include' && k !== 'exclude');
    if (values.length === 1) return (values[0]![1] as string[]).map((v) => ({ [values[0]![0]]: v }));
    return (m.include as MatrixRow[]) ?? [];
  }
  const ref = /^\$\{\{\s*fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\)\s*\}\}$/.exec(m);
  expect(ref, `matrix ${m} is fromJSON(needs.<job>.outputs.<name>)`).to.not.equal(null);
  const producer = w.jobs[ref![1]!]!;
  const stepId = /steps\.([\w-]+)\.outputs/.exec(producer.outputs?.[ref![2]!] ?? '')?.[1];
  const step = producer.steps.find((s) => (s as { id?: string }).id === stepId);
  const list = /dr-drill (list[^>|\n]*)/.exec(step?.run ?? '');
  expect(list, `step ${stepId} of job ${ref![1]} runs dr-drill list`).to.not.equal(null);
  const args = list![1]!.trim().split(/\s+/);
  const r = await runCli(args);
  expect(r.code, `dr-drill ${args.join(' ')}: ${r.stderr}`).to.equal(0);
  const rows = (JSON.parse(r.stdout) as { scenario: string; name: string }[]).map((e) => ({
    scenario: e.scenario,
    name: e.name,
  }));
  expect(rows, `dr-drill ${args.join(' ')} lists scenarios`).to.not.be.empty;
  return rows;
}

/**
 * The environment a step runs with, as GitHub builds it (workflow, job, step env). Values are `${{ … }}`
 * expressions here: each declared name gets a stand-in value, so a scenario resolves exactly when every
 * variable it reads is declared.
 */
function declaredEnv(w: Workflow, job: Job, step: Step): Record<string, string> {
  const names = Object.keys({ ...w.env, ...job.env, ...step.env });
  return Object.fromEntries(names.map((n) => [n, standIn(n)]));
}

/** A value for a declared variable whose real value is a secret or a repository variable: URLs look like URLs. */
function standIn(name: string): string {
  const slug = name.toLowerCase().replace(/_/g, '-');
  return /URL$/.test(name) ? `https://declared.example/${slug}` : `declared-${slug}`;
}

const files = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const load = (f: string): Workflow => parse(readFileSync(join(DIR, f), 'utf8'), { uniqueKeys: true }) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

/** Flags that take no value (the next word is a positional). */
const BOOLEAN_FLAGS = new Set(['--keep', '--all', '--help', '--resolve']);

/** `dr-drill <cmd> [<sub>] [<arg>]` in a run script, with `npx` or not (not `dr-drill-runner`, not `dr-drill.js`). */
interface Invocation {
  words: string[];
  arg: string | null;
  step: Step;
  job: Job;
}
function invocations(w: Workflow): Invocation[] {
  const out: Invocation[] = [];
  for (const job of Object.values(w.jobs)) {
    for (const step of job.steps) {
      for (const m of (step.run ?? '').matchAll(/(?<![\w./-])dr-drill\s+([a-z][\w-]*)([^\n`|;&]*)/g)) {
        // Tokens: ${{ expressions }} and "quoted" words stay whole; a flag's value is not a positional.
        const tokens = m[2]!.match(/\$\{\{[^}]*\}\}|"[^"]*"|[^\s'"]+/g) ?? [];
        const positional = tokens.filter(
          (t, i) =>
            !t.startsWith('-') &&
            !(
              i > 0 &&
              tokens[i - 1]!.startsWith('--') &&
              !tokens[i - 1]!.includes('=') &&
              !BOOLEAN_FLAGS.has(tokens[i - 1]!)
            ),
        );
        out.push({ words: [m[1]!, ...positional.slice(0, 1)], arg: positional[0] ?? null, step, job });
      }
    }
  }
  return out;
}

const topLevel = new Map(
  commands.map((c) => [String(Array.isArray(c.command) ? c.command[0] : c.command).split(' ')[0]!, c]),
);

async function helpOf(words: string[]): Promise<string> {
  return (await runCli([...words, '--help'])).stdout;
}

/** The scenario files an argument stands for: literal path, ${{ matrix.x }}, ${{ inputs.x }} or "$VAR" from env. */
async function scenarioFiles(arg: string, inv: Invocation, w: Workflow): Promise<string[]> {
  const unquoted = arg.replace(/^"(.*)"$/, '$1');
  const env = /^\$\{?([A-Z_][A-Z0-9_]*)\}?$/.exec(unquoted);
  const expr = env ? String(inv.step.env?.[env[1]!] ?? '') : unquoted;
  if (env && !expr) throw new Error(`$${env[1]} is not set in the step's env`);
  const m = /^\$\{\{\s*(matrix|inputs)\.([\w-]+)\s*\}\}$/.exec(expr);
  if (!m) return [expr];
  if (m[1] === 'matrix') {
    const rows = await matrixRows(w, inv.job);
    const values = rows.map((r) => r[m[2]!]);
    expect(values, `matrix.${m[2]} is defined`).to.be.an('array').that.is.not.empty;
    return values as string[];
  }
  const inputs = (w.on.workflow_dispatch as { inputs?: Record<string, { default?: string }> } | null)?.inputs ?? {};
  expect(inputs, `inputs.${m[2]} is defined`).to.have.property(m[2]!);
  return inputs[m[2]!]!.default ? [inputs[m[2]!]!.default!] : [];
}

const SCENARIO_COMMANDS = new Set(['run', 'plan', 'validate']);

describe('GitHub workflows', () => {
  it('has ci, nightly-drill and rehearsal', () => {
    expect(files).to.include.members(['ci.yml', 'nightly-drill.yml', 'rehearsal.yml']);
  });

  for (const f of files) {
    describe(f, () => {
      it('is a valid workflow: name, triggers, jobs with runs-on and steps that each use or run', () => {
        const w = load(f);
        expect(w.name).to.be.a('string');
        expect(w.on).to.be.an('object');
        expect(Object.keys(w.jobs)).to.not.be.empty;
        for (const [id, job] of Object.entries(w.jobs)) {
          expect(job['runs-on'], id).to.be.a('string');
          expect(job.steps, id).to.be.an('array').that.is.not.empty;
          for (const s of job.steps)
            expect(Boolean(s.uses) !== Boolean(s.run), `${id}: ${JSON.stringify(s).slice(0, 80)}`).to.equal(true);
        }
      });

      it('runs only dr-drill commands that exist, on scenarios that exist', async () => {
        const w = load(f);
        for (const inv of invocations(w)) {
          const [cmd, sub] = inv.words;
          expect(topLevel.has(cmd!), `dr-drill ${cmd} is a command (${[...topLevel.keys()].join(', ')})`).to.equal(
            true,
          );
          const isGroup = /^Commands:/m.test(await helpOf([cmd!]));
          if (isGroup && sub) {
            expect(await helpOf([cmd!, sub]), `dr-drill ${cmd} ${sub} is a subcommand`).to.contain(
              `dr-drill ${cmd} ${sub}`,
            );
          }
          if (SCENARIO_COMMANDS.has(cmd!)) {
            expect(inv.arg, `dr-drill ${cmd} names a scenario`).to.be.a('string');
            const scenarios = await scenarioFiles(inv.arg!, inv, w);
            for (const s of scenarios) expect(existsSync(join(ROOT, s)), `${s} exists`).to.equal(true);
            if (scenarios.length)
              expect(
                (await runCli(['validate', ...scenarios.map((s) => join(ROOT, s))])).code,
                `${scenarios.join(' ')} are valid`,
              ).to.equal(0);
          }
        }
      });
    });
  }

  describe('nightly-drill.yml', () => {
    const w = load('nightly-drill.yml');
    const all = steps(w);
    const drill = all.find((s) => /dr-drill run \$\{\{ matrix\.scenario \}\}/.test(s.run ?? ''));
    const drillJob = Object.values(w.jobs).find((j) => j.steps.includes(drill!))!;
    const cases: { name: string; check: () => void }[] = [
      {
        name: 'runs on a schedule and by hand',
        check: () => {
          expect((w.on.schedule as { cron: string }[])[0]!.cron).to.match(/^\S+ \S+ \S+ \S+ \S+$/);
          expect(w.on).to.have.property('workflow_dispatch');
        },
      },
      {
        name: 'logs in to Azure with OIDC',
        check: () => {
          expect(w.permissions?.['id-token']).to.equal('write');
          const login = all.find((s) => s.uses?.startsWith('azure/login@'));
          expect(login?.uses).to.equal('azure/login@v2');
          expect(login?.with).to.include.keys('client-id', 'tenant-id', 'subscription-id');
          expect(JSON.stringify(login?.with)).not.to.match(/client-secret|creds/);
        },
      },
      {
        name: 'runs a matrix of scenarios, each drill in its own step',
        check: () => {
          expect(drill, 'a step runs dr-drill run ${{ matrix.scenario }}').to.not.equal(undefined);
          expect(invocations(w).map((i) => i.words[0])).to.include.members(['list', 'validate', 'run']);
        },
      },
      {
        name: 'builds the matrix from the scenarios folder with dr-drill list, not a hand-kept list',
        check: () => {
          expect(drillJob.strategy?.matrix).to.match(/fromJSON\(needs\.[\w-]+\.outputs\.[\w-]+\)/);
          const lists = invocations(w).filter((i) => i.words[0] === 'list');
          expect(lists.map((i) => i.arg)).to.deep.equal(['scenarios']);
        },
      },
      {
        name: 'merges every cluster into one kubeconfig (cross-cluster drills) instead of aks-set-context',
        check: () => {
          expect(all.filter((s) => s.uses?.startsWith('azure/aks-set-context'))).to.deep.equal([]);
          const creds = all.find((s) => /aks-kubeconfig\.sh/.test(s.run ?? ''))!;
          expect(creds.env?.AKS_CLUSTERS).to.match(/vars\.AKS_CLUSTERS/);
          const script = readFileSync(join(ROOT, '.github', 'scripts', 'aks-kubeconfig.sh'), 'utf8');
          expect(script).to.match(/az aks get-credentials[^\n]*--file "\$kubeconfig"/);
          expect(script).to.match(/KUBECONFIG=\$kubeconfig" >> "\$\{GITHUB_ENV/);
          expect(all.indexOf(creds)).to.be.lessThan(all.indexOf(drill!));
        },
      },
      {
        name: 'publishes junit.xml through a test reporter, whatever the verdict',
        check: () => {
          const reporter = all.find((s) => s.uses?.startsWith('dorny/test-reporter@'))!;
          expect(reporter.if).to.equal('always()');
          expect(reporter.with).to.include({ reporter: 'java-junit', path: 'reports/*/*/junit.xml' });
          expect(w.permissions?.checks).to.equal('write');
        },
      },
      {
        name: 'keeps run artifacts 90 days and says where the audit record lives (evidence upload)',
        check: () => {
          const upload = all.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
          expect(upload.with?.['retention-days']).to.equal(90);
          expect(readFileSync(join(DIR, 'nightly-drill.yml'), 'utf8')).to.match(/Retention:.*evidence/s);
        },
      },
      {
        name: 'fails the job on FAIL or ERROR: the drill step exits non-zero and does not continue on error',
        check: () => {
          expect(drill!['continue-on-error']).to.equal(undefined);
          expect(drill!.run).not.to.match(/\|\|\s*true|; *exit 0/);
        },
      },
      {
        name: 'uploads reports and writes the job summary whatever the verdict',
        check: () => {
          const upload = all.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
          expect(upload?.if).to.equal('always()');
          expect(upload?.with?.path).to.match(/^reports\/?$/);
          const summary = all.find((s) => /GITHUB_STEP_SUMMARY/.test(s.run ?? '') && /report\.md/.test(s.run ?? ''));
          expect(summary?.if).to.equal('always()');
          expect(all.indexOf(summary!)).to.be.greaterThan(all.indexOf(drill!));
        },
      },
    ];
    for (const c of cases) it(c.name, c.check);

    it('every matrix scenario uploads its evidence (the chain survives fresh runners)', async () => {
      for (const row of await matrixRows(w, drillJob)) {
        const text = readFileSync(join(ROOT, row.scenario!), 'utf8');
        expect(parse(text).spec.report?.upload?.container, `${row.scenario} spec.report.upload`).to.be.a('string');
      }
    });

    it('every matrix scenario resolves with exactly the env the drill job declares (validate --resolve)', async () => {
      const rows = await matrixRows(w, drillJob);
      expect(rows.length).to.be.greaterThan(1);
      const env = declaredEnv(w, drillJob, drill!);
      const results = await validateFiles(
        rows.map((r) => join(ROOT, r.scenario!)),
        { env },
      );
      const problems = results.flatMap((r) => r.problems.map(formatProblem));
      expect(problems, problems.join('\n')).to.deep.equal([]);
    });

    it('the resolve check bites: a scenario reading an undeclared variable is a problem', async () => {
      const rows = await matrixRows(w, drillJob);
      const { PAYMENTS_KUBE_CONTEXT: _dropped, ...env } = declaredEnv(w, drillJob, drill!);
      void _dropped;
      const results = await validateFiles([join(ROOT, rows.find((r) => r.name === 'payments-nightly')!.scenario!)], {
        env,
      });
      expect(results[0]!.problems.map((p) => p.message)).to.deep.equal([
        'environment variable PAYMENTS_KUBE_CONTEXT is not set (used as ${PAYMENTS_KUBE_CONTEXT})',
      ]);
    });
  });

  describe('rehearsal.yml', () => {
    const w = load('rehearsal.yml');
    it('is dispatched by hand with scenario and keep inputs', () => {
      const inputs = (w.on.workflow_dispatch as { inputs: Record<string, { type: string }> }).inputs;
      expect(inputs.scenario?.type).to.equal('string');
      expect(inputs.keep?.type).to.equal('boolean');
      expect(Object.keys(w.on)).to.deep.equal(['workflow_dispatch']);
    });
    it('passes --keep only when asked, and never interpolates inputs into scripts', () => {
      const rehearse = steps(w).find((s) => /dr-drill run/.test(s.run ?? ''))!;
      expect(rehearse.run).to.contain('--keep');
      expect(rehearse.env?.KEEP).to.equal('${{ inputs.keep }}');
      for (const s of steps(w)) expect(s.run ?? '', s.name).not.to.match(/\$\{\{\s*inputs\./);
    });
  });
});

describe('deploy/cronjob', () => {
  const docs = (file: string) =>
    parseAllDocuments(readFileSync(join(ROOT, file), 'utf8')).map((d) => d.toJS() as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
  const cron = docs('deploy/cronjob/cronjob.yaml');
  const role = docs('deploy/rbac/drill-runner.yaml').find((d) => d.kind === 'ClusterRole')!;
  it('binds the ClusterRole of deploy/rbac instead of repeating its rules', () => {
    const binding = cron.find((d) => d.kind === 'ClusterRoleBinding')!;
    expect(binding.roleRef).to.deep.equal({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: role.metadata.name,
    });
    expect(cron.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role' || 'rules' in d)).to.deep.equal([]);
    const sa = cron.find((d) => d.kind === 'ServiceAccount')!;
    expect(binding.subjects).to.deep.include({
      kind: 'ServiceAccount',
      name: sa.metadata.name,
      namespace: sa.metadata.namespace,
    });
  });
  it('runs dr-drill run on the ConfigMap scenario, writing reports to the PVC, as non-root', async () => {
    const job = cron.find((d) => d.kind === 'CronJob')!;
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).to.equal(cron.find((d) => d.kind === 'ServiceAccount')!.metadata.name);
    expect(pod.securityContext.runAsNonRoot).to.equal(true);
    const c = pod.containers[0];
    expect(c.args.slice(0, 2)).to.deep.equal(['run', '/scenario/scenario.yaml']);
    expect(c.args).to.include('--report-dir');
    const mounts = Object.fromEntries(
      c.volumeMounts.map((m: { name: string; mountPath: string }) => [m.mountPath, m.name]),
    );
    const volumes = Object.fromEntries(pod.volumes.map((v: { name: string }) => [v.name, v]));
    expect(volumes[mounts['/scenario']].configMap.name).to.equal(
      cron.find((d) => d.kind === 'ConfigMap')!.metadata.name,
    );
    expect(volumes[mounts[c.args[c.args.indexOf('--report-dir') + 1]]].persistentVolumeClaim.claimName).to.equal(
      cron.find((d) => d.kind === 'PersistentVolumeClaim')!.metadata.name,
    );
    expect(job.spec.jobTemplate.spec.backoffLimit).to.equal(0);
  });
  it('ships an example scenario that validates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-cron-'));
    const file = join(dir, 'scenario.yaml');
    writeFileSync(file, cron.find((d) => d.kind === 'ConfigMap')!.data['scenario.yaml']);
    expect((await runCli(['validate', file])).code).to.equal(0);
  });
  it('its scenario resolves with exactly the env the container declares (optional Secret keys may be unset)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-cron-'));
    const file = join(dir, 'scenario.yaml');
    writeFileSync(file, cron.find((d) => d.kind === 'ConfigMap')!.data['scenario.yaml']);
    const c = cron.find((d) => d.kind === 'CronJob')!.spec.jobTemplate.spec.template.spec.containers[0];
    const declared = (c.env ?? []).filter(
      (e: { value?: string; valueFrom?: Record<string, { optional?: boolean }> }) =>
        e.value !== undefined || !Object.values(e.valueFrom ?? {}).some((ref) => ref.optional === true),
    );
    const env = Object.fromEntries(declared.map((e: { name: string }) => [e.name, standIn(e.name)]));
    const [result] = await validateFiles([file], { env });
    expect(result!.problems.map(formatProblem)).to.deep.equal([]);
  });
  it('is a kustomize base; each overlay (one CronJob per scenario) replaces the scenario, which resolves too', async () => {
    const base = parse(readFileSync(join(ROOT, 'deploy/cronjob/kustomization.yaml'), 'utf8'));
    expect(base.resources).to.deep.equal(['cronjob.yaml']);
    const overlays = readdirSync(join(ROOT, 'deploy/overlays'));
    expect(overlays).to.not.be.empty;
    const c = cron.find((d) => d.kind === 'CronJob')!.spec.jobTemplate.spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: { name: string }) => [e.name, standIn(e.name)]));
    for (const o of overlays) {
      const k = parse(readFileSync(join(ROOT, 'deploy/overlays', o, 'kustomization.yaml'), 'utf8'));
      expect(k.resources, o).to.deep.equal(['../../cronjob']);
      expect(k.nameSuffix, o).to.equal(`-${o}`);
      const gen = k.configMapGenerator.find((g: { name: string }) => g.name === 'dr-drill-scenario');
      expect(gen.behavior, o).to.equal('replace');
      const [result] = await validateFiles([join(ROOT, 'deploy/overlays', o, 'scenario.yaml')], { env });
      expect(result!.problems.map(formatProblem), o).to.deep.equal([]);
    }
  });
});
