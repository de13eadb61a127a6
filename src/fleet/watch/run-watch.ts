/**
 * `watch`: drill a scenario each time a backup of its schedule completes. One list + watch of Backups per source
 * cluster and Velero namespace; each completed backup of a schedule triggers the scenarios whose
 * `backup.fromSchedule` names it, through the debounced, bounded DrillQueue. A library API like runFleet: the
 * drill itself (compile, Lease, runDrill) is passed in, and it resolves once the signal aborts and every running
 * drill has torn down.
 */
import type { KubeGateway } from '../../kube/gateway.js';
import { DrillQueue, type Timers } from './drill-queue.js';
import { watchCompletedBackups } from './backup-events.js';

/** A scenario the watcher drills, as its plan says. */
export interface WatchedScenario {
  file: string;
  name: string;
  /** Source kube context (null: the kubeconfig's current one, in a pod its own cluster). */
  context: string | null;
  veleroNamespace: string;
  schedule: string;
}

/** What `watch` runs: the watched scenarios, gateways, debounce and parallelism. */
export interface WatchOptions {
  scenarios: WatchedScenario[];
  gatewayFor: (context: string | null) => KubeGateway;
  debounceMs: number;
  parallel: number;
  maxQueued: number;
  /** One drill of the scenario, triggered by the named backup. */
  drill: (s: WatchedScenario, backup: string) => Promise<void>;
  signal: AbortSignal;
  log: (line: string) => void;
  onCompleted?: (s: WatchedScenario, backup: string) => void;
  onDropped?: (s: WatchedScenario, backup: string) => void;
  onQueueLength?: (n: number) => void;
  /** Every backup watch has listed once: what completes from now on starts drills. */
  onReady?: () => void;
  timers?: Timers;
}

export async function runWatch(opts: WatchOptions): Promise<void> {
  const byName = new Map(opts.scenarios.map((s) => [s.name, s]));
  const queue = new DrillQueue({
    debounceMs: opts.debounceMs,
    parallel: opts.parallel,
    maxQueued: opts.maxQueued,
    timers: opts.timers,
    drill: (t) => opts.drill(byName.get(t.scenario)!, t.backup),
    onDropped: (t, why) => {
      opts.log(`watch: backup ${t.backup} starts no drill of ${t.scenario}: ${why}`);
      opts.onDropped?.(byName.get(t.scenario)!, t.backup);
    },
    onQueueLength: opts.onQueueLength,
  });
  const groups = new Map<string, WatchedScenario[]>();
  for (const s of opts.scenarios) {
    const key = JSON.stringify([s.context, s.veleroNamespace]);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  let ready = 0;
  const watches = [...groups.values()].map((members) => {
    const { context, veleroNamespace } = members[0]!;
    const where = `${context ?? 'current context'} ${veleroNamespace}`;
    opts.log(`watch: Backups in ${where} for ${members.map((m) => `${m.name} (${m.schedule})`).join(', ')}`);
    return watchCompletedBackups(opts.gatewayFor(context), veleroNamespace, {
      signal: opts.signal,
      onReady: () => {
        if (++ready === groups.size) opts.onReady?.();
      },
      onError: (m) => opts.log(`watch: Backups in ${where}: ${m}; watching again shortly`),
      onCompleted: (b) => {
        for (const s of members.filter((m) => m.schedule === b.schedule)) {
          opts.log(
            `watch: backup ${b.name} of schedule ${b.schedule} completed: drill ${s.name} (debounce ${Math.round(opts.debounceMs / 1000)}s)`,
          );
          opts.onCompleted?.(s, b.name);
          queue.trigger({ scenario: s.name, backup: b.name });
        }
      },
    });
  });
  await Promise.all(watches);
  // The signal aborted: nothing new starts; running drills got the same signal and tear down.
  await queue.close();
}
