/** What `run` gives every drill, one scenario or a fleet, so the two paths cannot drift apart. */
import type { KubeConfig } from '@kubernetes/client-node';
import type { DrillOptions, DrillOutcome } from '../../engine/index.js';
import type { Signer } from '../../evidence/index.js';
import { gatewayFor } from '../../kube/kubeconfig.js';
import type { DrillPlan } from '../../plan/types.js';
import { notify, type NotifyResult } from '../../report/notify.js';
import { systemClock } from '../../util/clock.js';
import { TOOL_VERSION } from '../../version.js';

/** The run flags every drill shares. */
export interface DrillFlags {
  'report-dir': string;
  keep: boolean;
}

/** The options every drill of one `run` shares: clock, gateways, report folder, disaster time, keep, signer, stop. */
export type SharedDrillOptions = Pick<
  DrillOptions,
  'clock' | 'gatewayFor' | 'reportDir' | 'toolVersion' | 'disasterAt' | 'keep' | 'signer' | 'signal'
>;

/** The shared options from the flags and what the command has read (kubeconfig, signing key) or made (signal). */
export function drillOptionsFrom(
  args: DrillFlags,
  {
    kc,
    disasterAt,
    signer,
    signal,
  }: { kc: KubeConfig; disasterAt: Date | null; signer: Signer | null; signal: AbortSignal },
): SharedDrillOptions {
  return {
    clock: systemClock,
    gatewayFor: (ctx) => gatewayFor(kc, ctx),
    reportDir: args['report-dir'],
    toolVersion: TOOL_VERSION,
    disasterAt,
    keep: args.keep,
    signer,
    signal,
  };
}

/**
 * Posts the drill's chat notification when its scenario has one. Best effort: a webhook that is down is a warning,
 * never a different verdict or exit code.
 */
export async function notifyDrill(
  plan: Pick<DrillPlan, 'report'>,
  outcome: Pick<DrillOutcome, 'report' | 'folder'>,
): Promise<NotifyResult | null> {
  const n = plan.report.notify;
  if (!n) return null;
  const target = { url: n.webhook.reveal(), on: n.on, timeoutMs: n.timeoutMs, format: n.format };
  return notify(target, outcome.report, { folder: outcome.folder });
}
