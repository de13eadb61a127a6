/**
 * `watch [paths..]`: a long-running drill runner (docs/watch.md, deploy/watch/). Each time a backup of a
 * scenario's schedule completes, the scenario is drilled (debounced, one drill per scenario, a bounded queue),
 * and /metrics serves the verdicts in Prometheus' format. SIGTERM (a pod stopping) or SIGINT: no new drill
 * starts, running drills tear down and seal their reports, then the process exits 0.
 */
import { scenarioPaths } from '../flags.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { durationFlag } from '../flags.js';
import { inputError, describeError, isDrillError } from '../../util/errors.js';
import { formatProblems } from '../../scenario/index.js';
import { compileScenarioFile } from '../../plan/compile-file.js';
import { readCatalog } from '../../fleet/catalog.js';
import { parseSelector } from '../../fleet/selector.js';
import { runWatch, type WatchedScenario } from '../../fleet/watch/run-watch.js';
import { WatchMetrics } from '../../fleet/watch/metrics.js';
import { loadKubeConfig, gatewayFor } from '../../kube/kubeconfig.js';
import { runDrill } from '../../engine/index.js';
import { withScenarioLease } from '../../coordination/scenario-lease.js';
import { notify } from '../../report/notify.js';
import { systemClock } from '../../util/clock.js';
import { newDrillId } from '../../util/ids.js';
import { TOOL_VERSION } from '../../version.js';
import { leaseOptionsFor, scenarioLeaseGateway } from './run-lease.js';

interface WatchArgs {
  paths: string[];
  selector?: string;
  'report-dir': string;
  port: number;
  debounce: string;
  parallel: number;
  'max-queued': number;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function wholeNumber(flag: string, n: number, min: number, max: number): number {
  if (!Number.isInteger(n) || n < min || n > max)
    throw inputError('BAD_FLAG', `--${flag} ${n} is not a whole number from ${min} to ${max}`, `e.g. --${flag} ${min}`);
  return n;
}

/** The scenarios to watch: every listed one must be valid; those not drilling a schedule's backup are left out. */
async function watchedScenarios(args: WatchArgs, log: (l: string) => void): Promise<WatchedScenario[]> {
  const selector = args.selector !== undefined ? parseSelector(args.selector) : null;
  const catalog = await readCatalog(args.paths, selector);
  const invalid = catalog.filter((e) => !e.valid);
  if (invalid.length)
    throw inputError(
      'SCENARIO_INVALID',
      `${invalid.length} of ${catalog.length} scenarios invalid; not watching\n${formatProblems(invalid.flatMap((e) => e.problems))}`,
      'fix them; `dr-drill validate --resolve` lists the same problems',
    );
  const out: WatchedScenario[] = [];
  for (const e of catalog) {
    const plan = await compileScenarioFile(e.file, { drillId: newDrillId(), env: process.env });
    if (plan.backup.mode !== 'schedule') {
      log(
        `watch: ${plan.scenario.name} (${e.file}) is not watched: it does not drill a schedule's backup (backup.fromSchedule)`,
      );
      continue;
    }
    out.push({
      file: e.file,
      name: plan.scenario.name,
      context: plan.source.kubeContext,
      veleroNamespace: plan.source.veleroNamespace,
      schedule: plan.backup.schedule,
    });
  }
  if (!out.length)
    throw inputError(
      'NO_SCENARIOS',
      `no scenario in ${args.paths.join(' ')} drills a schedule's backup`,
      'watch drills scenarios with backup.fromSchedule; `dr-drill init` writes one per Velero Schedule',
    );
  return out;
}

export const watchCommand = defineCommand<WatchArgs>({
  command: 'watch [paths..]',
  describe: 'Drill each scenario when a backup of its Velero Schedule completes, and serve Prometheus metrics',
  builder: (y) =>
    y
      .positional('paths', scenarioPaths())
      .option('selector', { alias: 'l', type: 'string', describe: 'Only scenarios whose metadata.labels match' })
      .option('report-dir', { type: 'string', default: 'reports', describe: 'Where report folders are written' })
      .option('port', { type: 'number', default: 9090, describe: 'Port of /metrics and /healthz (0: any free port)' })
      .option('debounce', {
        type: 'string',
        default: '1m',
        describe: 'Quiet time after a completed backup before its drill starts (a burst of backups makes one drill)',
      })
      .option('parallel', { type: 'number', default: 1, describe: 'At most N drills at a time' })
      .option('max-queued', {
        type: 'number',
        default: 16,
        describe: 'At most N scenarios waiting for a drill slot; a trigger beyond is dropped and counted',
      }) as never,
  run: async (args) => {
    const debounceMs = durationFlag('debounce', args.debounce, '1m');
    const parallel = wholeNumber('parallel', args.parallel, 1, 32);
    const maxQueued = wholeNumber('max-queued', args['max-queued'], 1, 1000);
    const port = wholeNumber('port', args.port, 0, 65535);
    const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    const scenarios = await watchedScenarios(args, log);
    const kc = loadKubeConfig(args.kubeconfig);
    const leaseOpts = leaseOptionsFor(undefined);
    const metrics = new WatchMetrics(args['report-dir']);
    for (const s of scenarios) metrics.declare(s.name);

    const controller = new AbortController();
    let ready = false;
    const server = createServer((req, res) => {
      if (req.url === '/metrics') {
        metrics.registry
          .metrics()
          .then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text))
          .catch((e) => res.writeHead(500).end(describeError(e)));
      } else if (req.url === '/healthz') res.writeHead(200).end('ok\n');
      else if (req.url === '/readyz') res.writeHead(ready ? 200 : 503).end(ready ? 'ok\n' : 'listing backups\n');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) =>
        reject(inputError('PORT_IN_USE', `cannot listen on port ${port}: ${describeError(e)}`, 'pass another --port')),
      );
      server.listen(port, resolve);
    });
    log(`watch: metrics on http://localhost:${(server.address() as AddressInfo).port}/metrics`);

    const onSignal = (sig: NodeJS.Signals) => {
      if (controller.signal.aborted) return;
      log(`watch: ${sig} received: no new drills; running drills tear down and seal their reports`);
      controller.abort();
    };
    for (const sig of STOP_SIGNALS) process.on(sig, onSignal);

    const drill = async (s: WatchedScenario, backup: string): Promise<void> => {
      const drillId = newDrillId();
      try {
        // Compiled again for each drill: a fresh drill id, and the file as it is now (a ConfigMap may have changed).
        const plan = await compileScenarioFile(s.file, { drillId, env: process.env });
        log(`[${s.name} ${drillId}] drill of backup ${backup} starts`);
        const outcome = await withScenarioLease(
          scenarioLeaseGateway(plan, (ctx) => gatewayFor(kc, ctx)),
          plan,
          leaseOpts(drillId, log, controller.signal),
          () =>
            runDrill(plan, {
              clock: systemClock,
              gatewayFor: (ctx) => gatewayFor(kc, ctx),
              reportDir: args['report-dir'],
              toolVersion: TOOL_VERSION,
              disasterAt: null,
              keep: false,
              signer: null,
              signal: controller.signal,
              onEvent: (e) => log(`[${s.name} ${drillId}] ${e.phase ?? 'drill'}: ${e.message}`),
            }),
        );
        metrics.recordDrill(outcome.report);
        log(`[${s.name} ${drillId}] ${outcome.report.verdict}: ${outcome.folder}`);
        const n = plan.report.notify;
        if (n) {
          const sent = await notify(
            { url: n.webhook.reveal(), on: n.on, timeoutMs: n.timeoutMs, format: n.format },
            outcome.report,
            {
              folder: outcome.folder,
            },
          );
          if (sent.warning) log(`[${s.name} ${drillId}] warning: ${sent.warning}`);
        }
      } catch (e) {
        // A drill that could not start (scenario now invalid, another runner holds the Lease) is logged; watch goes on.
        log(`[${s.name} ${drillId}] not drilled: ${isDrillError(e) ? `${e.code}: ${e.message}` : describeError(e)}`);
      }
    };

    try {
      await runWatch({
        scenarios,
        gatewayFor: (ctx) => gatewayFor(kc, ctx),
        debounceMs,
        parallel,
        maxQueued,
        drill,
        signal: controller.signal,
        log,
        onCompleted: (s) => metrics.backups.inc({ scenario: s.name }),
        onDropped: (s) => metrics.dropped.inc({ scenario: s.name }),
        onQueueLength: (n) => metrics.queued.set(n),
        onReady: () => {
          ready = true;
          log('watch: ready: every Backup watch is open');
        },
      });
    } finally {
      for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    log('watch: stopped');
    return EXIT.pass;
  },
});
