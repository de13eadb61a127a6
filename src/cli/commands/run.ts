/** `run <scenario>`: one drill, end to end; the exit code is the verdict's (130 after teardown when interrupted). */
import type { UploadPlan } from '../../plan/types.js';
import { removeTempCredentialsSync } from '../../util/temp-credentials.js';
import { defineCommand } from '../command.js';
import { createProgress, type LogFormat } from '../progress.js';
import { askOperator } from '../step-prompt.js';
import { EXIT, exitCodeForNegativeControl, exitCodeForVerdict } from '../exit-codes.js';
import { printJson, useColour } from '../output.js';
import { inputError } from '../../util/errors.js';
import { compileScenarioFile } from '../../plan/compile-file.js';
import { loadKubeConfig, gatewayFor, requireContexts } from '../../kube/kubeconfig.js';
import { applyContextFlags, contextsNeeded, twoClusterOptions } from '../context-flags.js';
import { drillPhases, runDrill } from '../../engine/index.js';
import { loadSigningKey } from '../../evidence/index.js';
import { renderers } from '../../report/render/index.js';
import { renderHtml } from '../../report/render/html.js';
import { readHistory } from '../../report/history.js';
import { newDrillId } from '../../util/ids.js';
import type { Report } from '../../report/schema.js';
import { negativeControlPlan } from '../../plan/negative-control.js';
import { isFleetRun, runFleetCommand, type FleetRunArgs } from './run-fleet.js';
import { drillOptionsFrom, notifyDrill } from './drill-options.js';
import { leaseOptionsFor, scenarioLeaseGateway } from './run-lease.js';
import { withScenarioLease } from '../../coordination/scenario-lease.js';

interface RunArgs extends FleetRunArgs {
  'log-format': LogFormat;
}

/** Signals that stop a drill: tear down, seal, exit 130; a second one exits at once. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function parseDisasterAt(text: string | undefined): Date | null {
  if (text === undefined) return null;
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(d.getTime())) {
    throw inputError(
      'BAD_DISASTER_AT',
      `--disaster-at "${text}" is not an ISO-8601 time`,
      'write it like 2026-11-26T03:00:00Z',
    );
  }
  return d;
}

export const runCommand = defineCommand<RunArgs>({
  command: 'run <scenario..>',
  describe:
    'Run a drill: select a backup, restore it into the target, prove it with probes, measure RTO/RPO, tear down, report',
  builder: (y) =>
    y
      .positional('scenario', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Scenario file (YAML or JSON); or directories, globs, several files: a fleet run (docs/fleet.md)',
      })
      .option('selector', {
        alias: 'l',
        type: 'string',
        describe: 'Fleet: only scenarios whose metadata.labels match, e.g. team=payments',
      })
      .option('parallel', { type: 'number', describe: 'Fleet: at most N drills at a time (default 1)' })
      .option('wait-lock', {
        type: 'string',
        describe:
          'When the scenario is already being drilled (its Lease is held), wait this long (e.g. 30m) instead of ending ERROR at once',
      })
      .option('disaster-at', {
        type: 'string',
        describe: 'Disaster time T0 (ISO-8601, UTC); the backup must have started before it',
      })
      .option('keep', {
        type: 'boolean',
        default: false,
        describe: 'Keep the restored copy for inspection (remove it later with dr-drill cleanup)',
      })
      .option('report-dir', { type: 'string', default: 'reports', describe: 'Where report folders are written' })
      .options(twoClusterOptions)
      .option('negative-control', {
        type: 'boolean',
        default: false,
        describe:
          'Run with one impossible expectation (a canary nonce never written, or an object that cannot exist) to prove the drill can fail: exit 0 when it FAILs as it must, 1 when it passes (the drill cannot fail) or fails for another reason, 3 on ERROR; in a fleet, every drill is its own control',
      })
      .option('step', {
        type: 'boolean',
        default: false,
        describe:
          'Rehearsal: pause before each phase to continue or abort (abort still tears down); the report keeps operator time apart from machine time',
      })
      .option('log-format', {
        choices: ['text', 'json'] as const,
        default: 'text' as const,
        describe:
          'Progress on stderr: text (live on a terminal, a line per event otherwise) or json (one object per event)',
      })
      .option('sign-key', {
        type: 'string',
        describe: 'Ed25519 private key (PEM): sign SHA256SUMS into SHA256SUMS.sig, public key recorded in the report',
      }) as never,
  run: async (args) => {
    const disasterAt = parseDisasterAt(args['disaster-at']);
    const leaseOpts = leaseOptionsFor(args['wait-lock']);
    if (isFleetRun(args)) return runFleetCommand(args, disasterAt, leaseOpts);
    const drillId = newDrillId();
    const compiled = await compileScenarioFile(args.scenario[0]!, { drillId, env: process.env });
    const negative = args['negative-control'] ? negativeControlPlan(compiled) : null;
    const plan = negative?.plan ?? compiled;
    applyContextFlags(plan, args);
    // A bad key is an input error before anything touches a cluster.
    const signer = args['sign-key'] ? loadSigningKey(args['sign-key']) : null;
    const kc = loadKubeConfig(args.kubeconfig);
    // An unknown context is a mistake in the command line or the scenario: exit 2, before any report folder.
    requireContexts(kc, contextsNeeded(plan));
    const json = args.output === 'json';
    if (args.step && !process.stdin.isTTY) {
      throw inputError(
        'STEP_NEEDS_TERMINAL',
        '--step pauses for an operator, but standard input is not a terminal',
        'run it interactively, or drop --step in CI',
      );
    }
    const progress = createProgress({
      format: args['log-format'],
      rtoObjectiveSeconds: plan.objectives.rtoMs / 1000,
      colour: useColour(process.stderr),
      live: !args.step,
      phases: drillPhases(plan),
    });
    const log = (line: string) => progress.log(line);

    const controller = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log(
          `dr-drill: second ${sig}: exiting now; the journal holds the evidence so far; run dr-drill cleanup --drill-id ${drillId}`,
        );
        // process.exit skips every pending `finally`: temporary credentials go first, synchronously.
        removeTempCredentialsSync();
        process.exit(EXIT.interrupted);
      }
      log(`dr-drill: ${sig} received: stopping, tearing down, sealing the report (press again to exit at once)`);
      controller.abort();
    };
    // SIGHUP is a closed terminal or a lost SSH session: the same as SIGTERM (a pod evicted), not an instant death.
    for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
    log(`drill ${drillId}: scenario ${plan.scenario.name}`);
    if (negative) log(`drill ${drillId}: NEGATIVE CONTROL: ${negative.expectation}; this run must end in FAIL`);
    try {
      // The trend chart needs earlier drills: read them here, so rendering stays pure.
      const history = plan.report.html ? readHistory(args['report-dir'], { scenario: plan.scenario.name }).drills : [];
      const trend = history
        .map((d) => ({
          drillId: d.drillId,
          startedAt: d.startedAt,
          verdict: d.verdict,
          rtoAchievedSeconds: d.rtoAchievedSeconds,
          rtoObjectiveSeconds: d.rtoObjectiveSeconds,
        }))
        .sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1))
        .slice(-10);
      // One drill per scenario at a time: the Lease is taken before the drill's first write.
      const lease = scenarioLeaseGateway(plan, (ctx) => gatewayFor(kc, ctx));
      const outcome = await withScenarioLease(lease, plan, leaseOpts(drillId, log, controller.signal), () =>
        runDrill(plan, {
          ...(plan.report.html ? { html: (r: Report) => renderHtml(r), trend } : {}),
          ...drillOptionsFrom(args, { kc, disasterAt, signer, signal: controller.signal }),
          negativeControl: negative?.planted ?? null,
          onEvent: progress.onEvent,
          beforePhase: args.step ? (phase) => askOperator(phase, controller.signal) : undefined,
        }),
      );
      progress.stop();
      const sent = await notifyDrill(plan, outcome);
      if (sent?.warning) log(`dr-drill: warning: ${sent.warning}`);
      else if (sent?.sent) log(`dr-drill: notification sent (${outcome.report.verdict})`);
      if (json) printJson(outcome.report);
      else
        process.stdout.write(renderers.console.render(outcome.report, { folder: outcome.folder, colour: useColour() }));
      if (signer) log(`signed: ${outcome.folder}/SHA256SUMS.sig (key sha256:${signer.record.publicKeySha256})`);
      if (outcome.upload?.result)
        log(
          `uploaded: ${outcome.upload.result.location} (${outcome.upload.result.files.length} files); ${outcome.upload.result.immutability.statement}`,
        );
      else if (outcome.upload)
        log(
          `warning: evidence upload FAILED: ${outcome.upload.error}; the local folder ${outcome.folder} is sealed and complete; ` +
            `finish the upload with: ${finishUploadCommand(outcome.folder, plan.report.upload ?? null)}`,
        );
      // A stop signal that arrived during teardown or sealing interrupted nothing the report records, but whoever
      // sent it (a pod eviction, a CI cancel) asked the run to stop: 130 says it did, after finishing cleanly.
      if (outcome.interrupted || signals > 0) return EXIT.interrupted;
      if (outcome.inputProblem) return EXIT.input;
      if (negative) {
        // Inverted on purpose: a negative control that FAILs only because of the planted impossibility proves the
        // drill can fail (success); a PASS, or a FAIL for any other reason, proves nothing (1). ERROR stays ERROR.
        const judged = outcome.report.negativeControlResult;
        log(`negative control: ${judged?.reason ?? outcome.report.verdict}`);
        return exitCodeForNegativeControl(outcome.report.verdict, judged?.conclusive);
      }
      return exitCodeForVerdict(outcome.report.verdict);
    } finally {
      progress.stop();
      for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
    }
  },
});

/** The command line that finishes a failed evidence upload (no secret: a connection string stays in the env). */
export function finishUploadCommand(folder: string, up: UploadPlan | null): string {
  if (!up) return `dr-drill report upload ${folder} --container <container>`;
  const where = [`--container ${up.container}`, up.prefix ? `--prefix ${up.prefix}` : null].filter(Boolean).join(' ');
  return up.auth.kind === 'default-credential'
    ? `dr-drill report upload ${folder} ${where} --account-url ${up.auth.accountUrl}`
    : `AZURE_STORAGE_CONNECTION_STRING=<the evidence account's> dr-drill report upload ${folder} ${where}`;
}
