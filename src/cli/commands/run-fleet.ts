/**
 * `run <dir|glob|file…> [--selector …] [--parallel N]`: the fleet form of `run`. One file without --selector or
 * --parallel stays the single drill of run.ts, output and exit code unchanged. Every scenario is checked and
 * compiled before the first drill starts (exit 2, nothing touched); then drills run at most N at a time, each
 * with its own report folder; the summary goes to `<report-dir>/fleet-<time>-<id>.{md,json,junit.xml}` and
 * the exit code is the worst drill's.
 */
import { drillOptionsFrom, notifyDrill } from './drill-options.js';
import { statSync } from 'node:fs';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { inputError } from '../../util/errors.js';
import { formatProblems } from '../../scenario/index.js';
import { compileScenarioFile } from '../../plan/compile-file.js';
import { readCatalog } from '../../fleet/catalog.js';
import { parseSelector } from '../../fleet/selector.js';
import { runFleet, type FleetMember } from '../../fleet/run-fleet.js';
import { loadKubeConfig, gatewayFor, requireContexts } from '../../kube/kubeconfig.js';
import { contextsNeeded } from '../context-flags.js';
import { loadSigningKey } from '../../evidence/index.js';
import { renderHtml } from '../../report/render/html.js';
import { readHistory } from '../../report/history.js';
import { newDrillId } from '../../util/ids.js';
import { formatSeconds } from '../../util/duration.js';
import type { Report } from '../../report/schema.js';
import type { GlobalOptions } from '../context.js';
import { leaseOptionsFor, scenarioLeaseGateway } from './run-lease.js';
import { withScenarioLease } from '../../coordination/scenario-lease.js';

/** The flags of `run` with several scenarios (a fleet run). */
export interface FleetRunArgs {
  scenario: string[];
  selector?: string;
  parallel?: number;
  'disaster-at'?: string;
  keep: boolean;
  'report-dir': string;
  'source-context'?: string;
  'target-context'?: string;
  'sign-key'?: string;
  'negative-control': boolean;
  step: boolean;
  'wait-lock'?: string;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Whether a `run` command line means a fleet; a single scenario file keeps the single-drill contract. */
export function isFleetRun(args: FleetRunArgs): boolean {
  const [only, ...rest] = args.scenario;
  return (
    rest.length > 0 ||
    args.selector !== undefined ||
    args.parallel !== undefined ||
    only === undefined ||
    /[*?]/.test(only) ||
    isDirectory(only)
  );
}

export async function runFleetCommand(
  args: FleetRunArgs & GlobalOptions,
  disasterAt: Date | null,
  leaseOpts: ReturnType<typeof leaseOptionsFor>,
): Promise<number> {
  for (const [flag, set] of [
    ['--step', args.step],
    ['--context', args.context !== undefined],
    ['--source-context', args['source-context'] !== undefined],
    ['--target-context', args['target-context'] !== undefined],
  ] as const) {
    if (set)
      throw inputError('FLEET_FLAG', `${flag} applies to one scenario, not a fleet`, 'run that scenario on its own');
  }
  const parallel = args.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 32) {
    throw inputError(
      'BAD_PARALLEL',
      `--parallel ${args.parallel} is not a whole number from 1 to 32`,
      'e.g. --parallel 3',
    );
  }
  const selector = args.selector !== undefined ? parseSelector(args.selector) : null;
  const catalog = await readCatalog(args.scenario, selector);
  const invalid = catalog.filter((e) => !e.valid);
  if (invalid.length) {
    throw inputError(
      'SCENARIO_INVALID',
      `${invalid.length} of ${catalog.length} scenarios invalid; no drill started\n${formatProblems(invalid.flatMap((e) => e.problems))}`,
      'fix them; `dr-drill validate --resolve` lists the same problems',
    );
  }
  if (catalog.length === 0) {
    throw inputError(
      'NO_SCENARIOS',
      `no scenario matches --selector ${args.selector}`,
      'dr-drill list shows the labels',
    );
  }
  // Compiled one by one, each with its own drill id; every unset variable is an input error before any drill.
  const members: FleetMember[] = [];
  const errors: string[] = [];
  for (const e of catalog) {
    try {
      members.push({
        file: e.file,
        plan: await compileScenarioFile(e.file, { drillId: newDrillId(), env: process.env }),
      });
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length)
    throw inputError('SCENARIO_INVALID', `no drill started\n${errors.join('\n')}`, 'fix the scenarios');
  const signer = args['sign-key'] ? loadSigningKey(args['sign-key']) : null;
  const kc = loadKubeConfig(args.kubeconfig);
  // A context that is not in the kubeconfig is a mistake in a scenario: exit 2 before any drill starts.
  for (const m of members) requireContexts(kc, contextsNeeded(m.plan));
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`dr-drill: ${sig} received: stopping every drill, tearing down, sealing the reports\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const fleetId = newDrillId();
  const log = (line: string) => process.stderr.write(line + '\n');
  log(`fleet ${fleetId}: ${members.length} drills, at most ${parallel} at a time`);
  if (args['negative-control'])
    log(`fleet ${fleetId}: NEGATIVE CONTROL: each drill carries one impossible expectation and must end in FAIL`);
  try {
    const { summary, files } = await runFleet(members, {
      parallel,
      fleetId,
      negativeControl: args['negative-control'],
      // Each drill holds its scenario's Lease, exactly as a single run does.
      around: (m, go) =>
        withScenarioLease(
          scenarioLeaseGateway(m.plan, (ctx) => gatewayFor(kc, ctx)),
          m.plan,
          leaseOpts(m.plan.drillId, log, controller.signal),
          go,
        ),
      drill: drillOptionsFrom(args, { kc, disasterAt, signer, signal: controller.signal }),
      perDrill: (m) => ({
        onEvent: (e) => log(`[${m.plan.scenario.name} ${m.plan.drillId}] ${e.phase ?? 'drill'}: ${e.message}`),
        ...(m.plan.report.html
          ? {
              html: (r: Report) =>
                renderHtml(r, { history: readHistory(args['report-dir'], { scenario: m.plan.scenario.name }).drills }),
            }
          : {}),
      }),
      afterDrill: async (m, outcome) => {
        log(`[${m.plan.scenario.name} ${m.plan.drillId}] ${outcome.report.verdict}: ${outcome.folder}`);
        const sent = await notifyDrill(m.plan, outcome);
        if (sent?.warning) log(`[${m.plan.scenario.name}] warning: ${sent.warning}`);
      },
    });
    if (args.output === 'json') printJson(summary);
    else {
      for (const d of summary.drills)
        printLine(
          `${(d.verdict ?? 'NOT RUN').padEnd(7)} ${d.scenario}  RTO ${d.rtoSeconds === null ? '-' : formatSeconds(d.rtoSeconds)}  RPO ${d.rpoSeconds === null ? '-' : formatSeconds(d.rpoSeconds)}  ${d.folder ?? d.reasons.join('; ')}` +
            (d.negativeControl
              ? `  negative control ${d.negativeControl.conclusive ? 'conclusive' : 'INCONCLUSIVE'}: ${d.negativeControl.reason}`
              : ''),
        );
      for (const n of summary.queueNotes) printLine(`note: ${n}`);
      printLine(`fleet ${fleetId}: exit ${summary.exitCode}; summary ${files.markdown}`);
    }
    return summary.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export { EXIT };
