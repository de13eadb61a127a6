/**
 * Runbook hooks in the drill: where their phases sit, what environment they get, how their endings map to the
 * verdict, and the provision hook that hands the target kubeconfig back (terraform apply). The commands
 * themselves run in ../hooks; this file is the engine's side of it.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { registerTempCredentials } from '../util/temp-credentials.js';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { infraError } from '../util/errors.js';
import { drillGateway } from './api-outages.js';
import { gatewayFor, kubeconfigFromText } from '../kube/kubeconfig.js';
import type { KubeGateway } from '../kube/gateway.js';
import type { DrillPlan, HookPlan } from '../plan/types.js';
import { mapNamespace } from '../plan/compile.js';
import type { PhaseNameT, Report } from '../report/schema.js';
import { BUILTIN_PHASES } from '../report/phases.js';
import {
  describeEnd,
  kubeconfigSecrets,
  maskCommand,
  runHook,
  secretEnvValues,
  type HookRunResult,
} from '../hooks/index.js';
import { routeTargetContext, type DrillContext } from './context.js';
import { fail } from './outcome.js';
import { notRunPhase } from './recorder.js';
import type { DrillPhase, PhaseEnd } from './phase.js';
import { runSecrets } from '../util/secrets.js';

type Point = HookPlan['at'];

/** The built-in phase each point's hooks run just before; on-teardown hooks follow teardown. */
const BEFORE: Record<Exclude<Point, 'on-teardown'>, PhaseNameT> = {
  provision: 'provision-target',
  'before-restore': 'restore',
  'after-restore': 'verify',
  'after-verify': 'teardown',
};

export const hookPhase = (h: Pick<HookPlan, 'name'>): PhaseNameT => `hook:${h.name}`;

/** Every phase of the plan in running order, hooks at their points. */
export function phaseOrder(plan: Pick<DrillPlan, 'hooks'>, base: readonly PhaseNameT[]): PhaseNameT[] {
  const hooks = plan.hooks ?? [];
  const out: PhaseNameT[] = [];
  const after = base.includes('blast-radius') ? 'blast-radius' : 'teardown';
  for (const name of base) {
    for (const h of hooks) if (h.at !== 'on-teardown' && BEFORE[h.at] === name) out.push(hookPhase(h));
    out.push(name);
    // on-teardown hooks run after the blast-radius check, so a runbook's own changes are not counted against Velero.
    if (name === after) for (const h of hooks) if (h.at === 'on-teardown') out.push(hookPhase(h));
  }
  return out;
}

/** The phases a drill of this plan runs, in order: the built-in ones with its hooks at their points. */
export function drillPhases(plan: Pick<DrillPlan, 'hooks'>): PhaseNameT[] {
  return phaseOrder(plan, BUILTIN_PHASES);
}

/** Puts the hook phases into the report skeleton at their points, and one report.hooks entry per hook. */
export function placeHooks(report: Report, plan: DrillPlan): void {
  const hooks = plan.hooks ?? [];
  if (!hooks.length) return;
  const byName = new Map(report.phases.map((p) => [p.name, p]));
  report.phases = phaseOrder(
    plan,
    report.phases.map((p) => p.name),
  ).map((name) => byName.get(name) ?? notRunPhase(name));
  report.hooks = hooks.map((h) => ({
    name: h.name,
    at: h.at,
    command: maskCommand(
      h.command,
      Object.values(h.env).map((v) => v.reveal()),
    ),
    exitCode: null,
    outcome: 'skipped',
    durationSeconds: null,
    countedInRto: false,
    outputFile: null,
    reason: null,
  }));
}

/** The phases with each point's hooks before the phase they precede (after-verify ones last: teardown follows). */
export function withHookPhases(plan: Pick<DrillPlan, 'hooks'>, phases: DrillPhase[]): DrillPhase[] {
  const hooks = (plan.hooks ?? []).filter((h) => h.at !== 'on-teardown');
  if (!hooks.length) return phases;
  const out: DrillPhase[] = [];
  for (const phase of phases) {
    for (const h of hooks) if (BEFORE[h.at as Exclude<Point, 'on-teardown'>] === phase.name) out.push(hookStep(h));
    out.push(phase);
  }
  for (const h of hooks) if (h.at === 'after-verify') out.push(hookStep(h));
  return out;
}

/**
 * A hook's own timeout kills its process group; the runner's limit leaves it time to be reaped, and a hook that
 * outlives even that is the drill's own machinery failing (ERROR).
 */
const hookStep = (h: HookPlan): DrillPhase => ({
  name: hookPhase(h),
  defaultTimeoutMs: h.timeoutMs + 2 * 60_000,
  onTimeout: 'ERROR',
  run: (ctx, signal) => runHookStep(ctx, h, signal),
});

/**
 * One hook as a main-loop phase. A failure with onFailure fail ends the drill as FAIL (a runbook step of the
 * recovery fell short); a command that cannot start is ERROR; warn records the failure and goes on.
 */
export async function runHookStep(ctx: DrillContext, h: HookPlan, signal: AbortSignal): Promise<PhaseEnd | void> {
  const { rec } = ctx;
  const result = await execute(ctx, h, signal, null);
  const end = result.end;
  if (end.kind === 'exited' && end.exitCode === 0) {
    if (h.produces) routeProducedKubeconfig(ctx, h);
    return;
  }
  if (end.kind === 'interrupted') throw new Error(`hook ${h.name} stopped (its process group was sent SIGTERM)`);
  const reason = failureReason(h, result);
  if (h.onFailure === 'warn') {
    rec.event('warn', `${reason} (onFailure: warn, the drill goes on)`);
    return { outcome: 'failed', reason, effect: null };
  }
  if (end.kind === 'not-started') {
    throw infraError(
      'HOOK_COMMAND_FAILED_TO_START',
      `hook ${h.name}: ${end.message}`,
      `install ${h.command[0]} where the drill runs, or fix spec.hooks (${h.name}).command / workingDir`,
    );
  }
  throw fail(reason);
}

/** on-teardown hooks, after teardown and the verdict: each runs whatever happened before, and only ever warns. */
export async function runTeardownHooks(ctx: DrillContext, keep: boolean, passing: boolean): Promise<void> {
  const { rec, plan } = ctx;
  const hooks = (plan.hooks ?? []).filter((h) => h.at === 'on-teardown');
  const keepReason = keep
    ? 'kept on request (--keep)'
    : plan.teardown.when === 'never'
      ? 'teardown.when is never'
      : plan.teardown.when === 'on-pass' && !passing
        ? 'teardown.when is on-pass and the drill did not pass'
        : null;
  for (const h of hooks) {
    if (keepReason) {
      rec.skipPhase(hookPhase(h), keepReason);
      continue;
    }
    rec.startPhase(hookPhase(h));
    // Not the drill's signal: after an interrupt teardown still runs, and so do its hooks (terraform destroy).
    const result = await execute(ctx, h, undefined, rec.report.verdict);
    const ok = result.end.kind === 'exited' && result.end.exitCode === 0;
    if (!ok) rec.event('warn', `${failureReason(h, result)}: what it should have removed may still exist`);
    rec.endPhase(ok ? 'succeeded' : 'failed', ok ? null : failureReason(h, result));
  }
}

/** Fills report.hooks from the phases, and whether each hook's time lies inside the achieved RTO. */
export function finishHookReport(report: Report): void {
  for (const entry of report.hooks ?? []) {
    const p = report.phases.find((x) => x.name === `hook:${entry.name}`);
    if (!p) continue;
    entry.outcome = p.outcome;
    entry.reason = p.reason;
    entry.durationSeconds = p.durationSeconds;
    const end = p.startSeconds === null ? null : p.startSeconds + (p.durationSeconds ?? 0);
    entry.countedInRto =
      end !== null && report.rto.achievedSeconds !== null && end <= report.rto.achievedSeconds + 0.001;
  }
}

/**
 * The end (seconds since T0) of the after-restore hooks that succeeded: without critical probes, RTO stands in
 * at the restore's end, and a traffic switch after the restore is still part of getting back.
 */
export function afterRestoreHooksEnd(report: Report): number | null {
  const names = new Set((report.hooks ?? []).filter((h) => h.at === 'after-restore').map((h) => `hook:${h.name}`));
  const ends = report.phases
    .filter((p) => names.has(p.name) && p.outcome === 'succeeded' && p.startSeconds !== null)
    .map((p) => p.startSeconds! + (p.durationSeconds ?? 0));
  return ends.length ? Math.max(...ends) : null;
}

function failureReason(h: HookPlan, r: HookRunResult): string {
  const last = r.lastLine ? `; last output: ${r.lastLine.slice(0, 300)}` : '';
  return `hook ${h.name} (${h.at}) failed: ${describeEnd(r.end, h.timeoutMs)}${last} (log ${basename(r.logFile)})`;
}

async function execute(
  ctx: DrillContext,
  h: HookPlan,
  signal: AbortSignal | undefined,
  verdict: string | null,
): Promise<HookRunResult> {
  const { rec, plan } = ctx;
  const folder = ctx.reportFolder ?? process.cwd();
  const logFile = join(folder, `hook-${h.name}.log`);
  const kube = targetKubeconfig(ctx);
  const own = Object.values(h.env).map((v) => v.reveal());
  if (kube) for (const s of kubeconfigSecrets(kube.text)) runSecrets.register(s);
  const env: Record<string, string> = {
    ...baseHookEnv(process.env, h.inheritEnv),
    ...Object.fromEntries(Object.entries(h.env).map(([k, v]) => [k, v.reveal()])),
    DR_DRILL_ID: plan.drillId,
    DR_DRILL_SCENARIO: plan.scenario.name,
    DR_DRILL_HOOK_NAME: h.name,
    DR_DRILL_HOOK_POINT: h.at,
    DR_DRILL_TARGET_CONTEXT: plan.target.kubeContext ?? plan.source.kubeContext ?? '',
    DR_DRILL_KUBECONFIG: kube?.path ?? '',
    DR_DRILL_NAMESPACE_MAPPING: JSON.stringify(namespaceMapping(ctx)),
    DR_DRILL_REPORT_FOLDER: folder,
    ...(verdict ? { DR_DRILL_VERDICT: verdict } : {}),
  };
  const entry = rec.report.hooks?.find((x) => x.name === h.name);
  rec.event(
    'info',
    `running ${entry?.command.join(' ') ?? h.name} (timeout ${Math.round(h.timeoutMs / 1000)}s${kube ? `, DR_DRILL_KUBECONFIG for ${kube.context}` : ''})`,
  );
  try {
    const result = await runHook(
      { name: h.name, command: h.command, env, workingDir: h.workingDir, timeoutMs: h.timeoutMs },
      {
        logFile,
        signal,
        secrets: () => [
          ...own,
          ...secretEnvValues(process.env),
          ...(kube ? kubeconfigSecrets(kube.text) : []),
          ...producedSecrets(h),
        ],
        onProgress: (line, ms) =>
          rec.event(
            'info',
            `hook ${h.name} still running (${Math.round(ms / 1000)}s)${line ? `: ${line.slice(0, 200)}` : ''}`,
          ),
      },
    );
    if (entry) {
      entry.exitCode = result.end.kind === 'exited' ? result.end.exitCode : null;
      entry.outputFile = basename(result.logFile);
    }
    rec.journalEntry('hook', {
      name: h.name,
      at: h.at,
      end: result.end,
      lastLine: result.lastLine,
      durationMs: Math.round(result.durationMs),
    });
    return result;
  } finally {
    kube?.remove();
  }
}

/**
 * What a hook inherits from the runner: PATH and HOME, and the names its inheritEnv lists (`ARM_*` for a prefix).
 * DR_DRILL_ARM_TOKEN never: it is the drill's own credential, and a hook that needs ARM signs in for itself.
 */
export function baseHookEnv(
  env: Readonly<Record<string, string | undefined>>,
  inheritEnv: readonly string[],
): Record<string, string> {
  const wanted = (name: string) =>
    name === 'PATH' ||
    name === 'HOME' ||
    inheritEnv.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== 'DR_DRILL_ARM_TOKEN' && wanted(k)) out[k] = v;
  return out;
}

/** The target's kubeconfig in a 0600 temp file, when the target gateway can be reached and exported (null otherwise). */
function targetKubeconfig(
  ctx: DrillContext,
): { path: string; remove: () => void; text: string; context: string } | null {
  let gw: KubeGateway;
  try {
    gw = ctx.target?.gateway ?? ctx.gatewayFor(ctx.plan.target.kubeContext ?? ctx.plan.source.kubeContext);
  } catch {
    return null; // not there yet: e.g. the cluster a provision hook is about to create
  }
  if (!gw.exportKubeconfig) return null;
  const text = gw.exportKubeconfig();
  const dir = mkdtempSync(join(tmpdir(), 'dr-drill-hook-'));
  // Registered before the credential is written: a forced exit in between still removes it.
  const remove = registerTempCredentials(dir);
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, text, { mode: 0o600 });
  return { path, remove, text, context: gw.context };
}

function namespaceMapping(ctx: DrillContext): Record<string, string> {
  if (Object.keys(ctx.namespaceMapping).length) return ctx.namespaceMapping;
  // Before prepare-target the mapping is what the plan says (known when the scenario names the namespaces).
  const included = ctx.plan.restore.includedNamespaces ?? [];
  return Object.fromEntries(included.map((ns) => [ns, mapNamespace(ctx.plan, ns)]));
}

function producedPath(h: HookPlan): string | null {
  if (!h.produces) return null;
  const p = h.produces.kubeconfig;
  return isAbsolute(p) ? p : resolve(h.workingDir ?? '.', p);
}

function producedSecrets(h: HookPlan): string[] {
  const p = producedPath(h);
  return p && existsSync(p) ? kubeconfigSecrets(readFileSync(p, 'utf8')) : [];
}

/** Routes the target context to the kubeconfig the provision hook wrote, as aks-lifecycle does for a new AKS cluster. */
function routeProducedKubeconfig(ctx: DrillContext, h: HookPlan): void {
  const { plan, rec } = ctx;
  const path = producedPath(h)!;
  const hint = `make the hook write the kubeconfig to ${h.produces!.kubeconfig} (relative to its workingDir), e.g. terraform output -raw kube_config > ${h.produces!.kubeconfig}`;
  if (!existsSync(path))
    throw infraError('HOOK_KUBECONFIG_MISSING', `hook ${h.name} exited 0 but wrote no kubeconfig at ${path}`, hint);
  let kc: KubeConfig;
  try {
    kc = kubeconfigFromText(readFileSync(path, 'utf8'));
  } catch (e) {
    throw infraError(
      'HOOK_KUBECONFIG_INVALID',
      `hook ${h.name} wrote ${path}, which is not a kubeconfig: ${(e as Error).message}`,
      hint,
    );
  }
  const name = h.produces!.context ?? kc.getCurrentContext();
  if (!name || !kc.getContextObject(name)) {
    throw infraError(
      'HOOK_KUBECONFIG_INVALID',
      `the kubeconfig hook ${h.name} wrote has no context ${name ? `"${name}"` : '(no current-context)'}`,
      `set spec.hooks (${h.name}).produces.context to one of: ${
        kc
          .getContexts()
          .map((c) => c.name)
          .join(', ') || '(none)'
      }`,
    );
  }
  const gw = drillGateway(rec, gatewayFor(kc, name));
  rec.event(
    'info',
    `target context ${plan.target.kubeContext} routed to context ${name} of the kubeconfig hook ${h.name} wrote (API server ${gw.server})`,
  );
  routeTargetContext(ctx, gw);
}
