/** `plan <scenario>`: the compiled plan and a read-only preflight; never writes. */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { compileScenarioFile } from '../../plan/compile-file.js';
import { loadKubeConfig, gatewayFor, requireContexts } from '../../kube/kubeconfig.js';
import { applyContextFlags, contextsNeeded, twoClusterOptions } from '../context-flags.js';
import { hookPreflight, preflight } from '../../engine/index.js';
import { maskCommand } from '../../hooks/index.js';
import { newDrillId } from '../../util/ids.js';
import { formatSeconds } from '../../util/duration.js';
import type { DrillPlan } from '../../plan/types.js';

function describePlan(p: DrillPlan): string[] {
  const b = p.backup;
  const backup =
    b.mode === 'name'
      ? `backup ${b.name}`
      : b.mode === 'schedule'
        ? `newest Completed backup of schedule ${b.schedule}`
        : `a new backup ${b.name} of ${b.includedNamespaces.join(', ')}`;
  return [
    `scenario      ${p.scenario.name}${p.scenario.file ? ` (${p.scenario.file})` : ''}`,
    `objectives    RTO ${formatSeconds(p.objectives.rtoMs / 1000)}, RPO ${formatSeconds(p.objectives.rpoMs / 1000)}`,
    `source        ${p.source.kubeContext ?? '(current context)'}, Velero in ${p.source.veleroNamespace}`,
    `backup        ${backup}${b.maxAgeMs !== null ? `, at most ${formatSeconds(b.maxAgeMs / 1000)} old` : ''}`,
    `target        ${p.target.kind} in ${p.target.kubeContext ?? p.source.kubeContext ?? '(current context)'}, suffix "${p.target.namespaceSuffix}"`,
    `restore       ${p.restore.name}, timeout ${formatSeconds(p.restore.timeoutMs / 1000)}, restorePVs ${p.restore.restorePVs}`,
    ...crossRegionLines(p),
    `probes        ${p.probes.map((x) => `${x.name} (${x.kind}${x.critical ? '' : ', not critical'})`).join(', ') || 'none'}`,
    `teardown      ${p.teardown.when}, timeout ${formatSeconds(p.teardown.timeoutMs / 1000)}`,
    ...(p.report.notify
      ? [`notify        ${p.report.notify.format} message on ${p.report.notify.on.join(', ')} (webhook not shown)`]
      : []),
    ...(p.hooks ?? []).map(
      (h, i) =>
        `${i ? '              ' : 'hooks         '}${h.name} at ${h.at}: ${maskCommand(
          h.command,
          Object.values(h.env).map((v) => v.reveal()),
        ).join(' ')}${Object.keys(h.env).length ? ` (env ${Object.keys(h.env).join(', ')})` : ''}`,
    ),
  ];
}

function crossRegionLines(p: DrillPlan): string[] {
  const c = p.restore.crossRegion;
  if (!c) return [];
  const pairs = (m: Record<string, string>) =>
    Object.entries(m)
      .map(([a, b]) => `${a} → ${b}`)
      .join(', ') || 'none';
  return [
    `cross-region  storage classes ${pairs(c.storageClassMapping)}; zones ${pairs(c.zoneMap)}${c.dropNodeAffinity ? '; node affinity dropped' : ''}; ${c.modifierRules.length} scenario resource-modifier rule(s)`,
  ];
}

interface PlanArgs {
  scenario: string;
  'source-context'?: string;
  'target-context'?: string;
  offline: boolean;
}

export const planCommand = defineCommand<PlanArgs>({
  command: 'plan <scenario>',
  describe:
    'Show the compiled plan and run a read-only preflight (contexts, Velero, BSL, backup age, target namespaces, storage classes and zones)',
  builder: (y) =>
    y
      .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario file' })
      .options(twoClusterOptions)
      .option('offline', {
        type: 'boolean',
        default: false,
        describe: 'Compile only (${ENV} resolved, an unset one is exit 2); no cluster is contacted, no preflight',
      }) as never,
  run: async (args) => {
    const plan = await compileScenarioFile(args.scenario, { drillId: newDrillId(), env: process.env });
    applyContextFlags(plan, args);
    if (args.offline) {
      if (args.output === 'json') printJson({ plan, preflight: null, ok: true });
      else for (const l of describePlan(plan)) printLine(l);
      return EXIT.pass;
    }
    const kc = loadKubeConfig(args.kubeconfig);
    requireContexts(kc, contextsNeeded(plan));
    const checks = [...(await preflight(plan, (c) => gatewayFor(kc, c), new Date())), ...hookPreflight(plan)];
    // A refusal is bad input, as run would end on it: the scenario must change.
    const code = checks.some((c) => c.status === 'refused')
      ? EXIT.input
      : checks.some((c) => c.status === 'error')
        ? EXIT.error
        : checks.some((c) => c.status === 'fail')
          ? EXIT.fail
          : EXIT.pass;
    if (args.output === 'json') printJson({ plan, preflight: checks, ok: code === EXIT.pass });
    else {
      for (const l of describePlan(plan)) printLine(l);
      printLine('');
      printLine('preflight (read-only):');
      for (const c of checks)
        printLine(`  ${c.status === 'ok' ? 'ok  ' : c.status.toUpperCase().padEnd(4)} ${c.name}: ${c.detail}`);
    }
    return code;
  },
});
