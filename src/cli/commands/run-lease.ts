/** `run --wait-lock <duration>` and the per-scenario Lease, shared by single and fleet runs. */
import { inputError } from '../../util/errors.js';
import type { KubeGateway } from '../../kube/gateway.js';
import type { DrillPlan } from '../../plan/types.js';
import { defaultIdentity, leaseLocation, type LeaseOptions } from '../../coordination/scenario-lease.js';
import { parseDuration } from '../../util/duration.js';

/** Builds each drill's lease options from --wait-lock (an input error, exit 2, when it is not a duration). */
export function leaseOptionsFor(
  waitLock: string | undefined,
): (drillId: string, log: (line: string) => void, signal?: AbortSignal) => LeaseOptions {
  let waitMs = 0;
  if (waitLock !== undefined) {
    try {
      waitMs = parseDuration(waitLock);
    } catch {
      throw inputError('BAD_WAIT_LOCK', `--wait-lock "${waitLock}" is not a duration`, 'write it like 90s, 15m or 1h');
    }
  }
  return (drillId, log, signal) => ({
    identity: defaultIdentity(drillId),
    waitMs,
    signal,
    onWarning: (m) => log(`dr-drill: warning: ${m}`),
  });
}

/** The gateway of the cluster that holds the scenario's Lease. */
export function scenarioLeaseGateway(plan: DrillPlan, gatewayFor: (ctx: string | null) => KubeGateway): KubeGateway {
  return gatewayFor(leaseLocation(plan).context);
}
