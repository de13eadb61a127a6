/**
 * Running drills the way a user does: the built CLI (`node bin/dr-drill.js`) as a child process against the
 * local environment's kubeconfig, with a scenario written to a temp file.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import type { Report } from '../../../src/report/schema.js';
import type { E2eEnv } from './env.js';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const BIN = join(ROOT, 'bin', 'dr-drill.js');

export interface DrillRun {
  exitCode: number;
  report: Report | null;
  folder: string | null;
  stdout: string;
  stderr: string;
  drillId: string | null;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dr-drill-e2e-${prefix}-`));
}

export function writeScenario(dir: string, scenario: object): string {
  const file = join(dir, `${(scenario as { metadata: { name: string } }).metadata.name}.yaml`);
  writeFileSync(file, stringify(scenario));
  return file;
}

/** Starts `dr-drill run` as a child process; resolve it with `finishDrill`. */
export function startDrill(
  env: E2eEnv,
  scenarioFile: string,
  reportDir: string,
  extra: string[] = [],
  kubeconfig = env.kubeconfig,
  extraEnv: Record<string, string> = {},
): ResultPromise {
  return execa(
    process.execPath,
    [BIN, '--kubeconfig', kubeconfig, 'run', scenarioFile, '--report-dir', reportDir, '--output', 'json', ...extra],
    {
      reject: false,
      all: false,
      env: { NO_COLOR: '1', ...extraEnv },
      stdin: 'ignore',
      // A drill stopped by a signal tears down before it exits: execa's default SIGKILL after 5 s would cut that short.
      forceKillAfterDelay: false,
    },
  );
}

export async function finishDrill(p: ResultPromise, reportDir: string, scenarioName: string): Promise<DrillRun> {
  const r = await p;
  const stdout = String(r.stdout ?? '');
  const stderr = String(r.stderr ?? '');
  const drillId = /drill ([a-z0-9]{8}):/.exec(stderr)?.[1] ?? null;
  const dir = join(reportDir, scenarioName);
  const folder =
    drillId && existsSync(dir)
      ? (readdirSync(dir)
          .map((f) => join(dir, f))
          .find((f) => f.endsWith(`-${drillId}`)) ?? null)
      : null;
  const report =
    folder && existsSync(join(folder, 'report.json'))
      ? (JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')) as Report)
      : null;
  return { exitCode: r.exitCode ?? -1, report, folder, stdout, stderr, drillId };
}

export async function runDrillCli(
  env: E2eEnv,
  scenario: object,
  reportDir: string,
  extra: string[] = [],
  kubeconfig?: string,
  extraEnv: Record<string, string> = {},
): Promise<DrillRun> {
  const file = writeScenario(reportDir, scenario);
  const name = (scenario as { metadata: { name: string } }).metadata.name;
  return finishDrill(startDrill(env, file, reportDir, extra, kubeconfig, extraEnv), reportDir, name);
}

export async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    env: { NO_COLOR: '1', ...env },
    stdin: 'ignore',
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A checksum manifest as `dr-drill manifest take` writes it. */
export interface FileManifest {
  kind: string;
  root: string;
  files: Array<{ path: string; size: number; sha256: string }>;
}

/**
 * `dr-drill manifest take` of a directory in the pods a selector picks (through exec, as the checksum probe reads
 * it); the manifest is written to `out` and returned, or the CLI's exit code and stderr when it failed.
 */
export async function manifestTake(
  env: E2eEnv,
  at: { context: string; namespace: string; selector: string; path: string; out: string },
): Promise<{ exitCode: number; stderr: string; manifest: FileManifest | null }> {
  const r = await cli([
    '--kubeconfig',
    env.kubeconfig,
    'manifest',
    'take',
    '--context',
    at.context,
    '-n',
    at.namespace,
    '-l',
    at.selector,
    '--path',
    at.path,
    '--out',
    at.out,
  ]);
  const manifest = r.exitCode === 0 ? (JSON.parse(readFileSync(at.out, 'utf8')) as FileManifest) : null;
  return { exitCode: r.exitCode, stderr: r.stderr, manifest };
}

/** kubectl against the environment, JSON out. */
export async function kubectl(env: E2eEnv, context: string, args: string[], input?: string): Promise<string> {
  const r = await execa(env.bin.path('kubectl'), ['--kubeconfig', env.kubeconfig, '--context', context, ...args], {
    input,
    reject: false,
  });
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export async function kubectlJson<
  T = {
    items: Array<{
      metadata: { name: string; namespace?: string; resourceVersion: string; labels?: Record<string, string> };
    }>;
  },
>(env: E2eEnv, context: string, args: string[]): Promise<T> {
  return JSON.parse(await kubectl(env, context, [...args, '-o', 'json'])) as T;
}

/** A scenario object with sensible defaults for the local environment. */
export function scenario(name: string, spec: Record<string, unknown>): object {
  return {
    apiVersion: 'dr-drill/v1',
    kind: 'Scenario',
    metadata: { name },
    spec: { objectives: { rto: '10m', rpo: '24h' }, ...spec },
  };
}

let built: Promise<void> | null = null;

/** Builds dist/ (what bin/dr-drill.js runs) once per test process, so every file drills with the current source. */
export function ensureBuilt(): Promise<void> {
  built ??= execa('npm', ['run', 'build'], { cwd: ROOT, reject: false }).then((r) => {
    if (r.exitCode !== 0) throw new Error(`npm run build: ${String(r.stderr)}`);
  });
  return built;
}
