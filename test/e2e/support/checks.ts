/**
 * Checks and setup steps shared by e2e files: Velero backups made with the real CLI, waiting for a backup to sync
 * into dr, "nothing labelled left and planted objects untouched", "the folder is sealed and schema-valid".
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { validateReport } from '../../../src/report/validate-report.js';
import type { E2eEnv } from './env.js';
import type { Report } from '../../../src/report/schema.js';
import { kubectlJson, type DrillRun } from './drill.js';

export const PRIMARY = 'dr-drill-primary';
export const DR = 'dr-drill-dr';
export const DRILL_LABEL = 'dr-drill.io/drill-id';

/** `velero backup create <name> … --wait` in primary; throws with Velero's stderr when it fails. */
export async function veleroBackup(env: E2eEnv, name: string, args: string[]): Promise<void> {
  const r = await execa(
    env.bin.path('velero'),
    [
      '--kubeconfig',
      env.kubeconfig,
      '--kubecontext',
      PRIMARY,
      '-n',
      'velero',
      'backup',
      'create',
      name,
      ...args,
      '--wait',
    ],
    { reject: false },
  );
  if (r.exitCode !== 0) throw new Error(`velero backup create ${name}: ${r.stderr}`);
}

/** `velero backup delete <name> --confirm` in primary; best effort (a test's cleanup). */
export async function veleroDeleteBackup(env: E2eEnv, name: string): Promise<void> {
  await execa(
    env.bin.path('velero'),
    ['--kubeconfig', env.kubeconfig, '--kubecontext', PRIMARY, '-n', 'velero', 'backup', 'delete', name, '--confirm'],
    { reject: false },
  );
}

/** Waits until dr's Velero has synced the backup from storage (its sync runs on a one-minute tick). */
export async function waitSynced(env: E2eEnv, name: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await execa(
      env.bin.path('kubectl'),
      ['--kubeconfig', env.kubeconfig, '--context', DR, '-n', 'velero', 'get', 'backup', name],
      { reject: false },
    );
    if (r.exitCode === 0) return;
    await sleep(2000);
  }
  throw new Error(`backup ${name} did not sync into ${DR}`);
}

/**
 * Polls `probe` every second until it gives a value (null, or a throw, is "not yet"). For state no watch reports,
 * such as files a node stand-in lays out on the host.
 */
export async function pollUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(1000);
  }
}

/**
 * The drill's report, once it is known to have ended as expected: a missing report or another exit code fails with
 * the end of the drill's stderr and its reasons, which say why.
 */
export function expectEnded(run: DrillRun, exitCode: number, verdict: Report['verdict']): Report {
  const tail = run.stderr.slice(-3000);
  expect(run.report, `no report.json; the drill's stderr:\n${tail}`).to.not.equal(null);
  const r = run.report!;
  expect(run.exitCode, `${tail}\n${r.reasons.join('\n')}`).to.equal(exitCode);
  expect(r.verdict).to.equal(verdict);
  return r;
}

/** Nothing with the drill's label remains in either cluster (namespaces, Restores). */
export async function expectNoLeftovers(env: E2eEnv, run: DrillRun): Promise<void> {
  expect(run.drillId, run.stderr).to.be.a('string');
  for (const ctx of [PRIMARY, DR]) {
    const ns = await kubectlJson(env, ctx, ['get', 'namespaces', '-l', `${DRILL_LABEL}=${run.drillId}`]);
    expect(
      ns.items.map((n) => n.metadata.name),
      `namespaces left in ${ctx}`,
    ).to.deep.equal([]);
    const rs = await kubectlJson(env, ctx, ['-n', 'velero', 'get', 'restores', '-l', `${DRILL_LABEL}=${run.drillId}`]);
    expect(
      rs.items.map((n) => n.metadata.name),
      `restores left in ${ctx}`,
    ).to.deep.equal([]);
  }
}

/** The report folder is complete, report.json is schema-valid and every journal line parses. */
export function expectSealed(run: DrillRun): void {
  expect(run.folder, run.stderr).to.be.a('string');
  for (const f of ['report.json', 'report.md', 'junit.xml', 'journal.jsonl', 'SHA256SUMS'])
    expect(existsSync(join(run.folder!, f)), f).to.equal(true);
  expect(validateReport(run.report)).to.deep.equal([]);
  for (const line of readFileSync(join(run.folder!, 'journal.jsonl'), 'utf8').trim().split('\n')) JSON.parse(line);
}
