import type { KubeGateway } from '../kube/gateway.js';
import { pingVeleroServer } from '../velero/server-status.js';
import { drillLabels, type DrillContext } from './context.js';
import { describeError } from '../util/errors.js';

/** A wait that saw no change for this long asks the Velero server whether it still runs. */
export const STALL_MS = 60_000;
export const PING_TIMEOUT_MS = 30_000;

/**
 * Runs a wait on Velero with a watchdog: when nothing changes for STALL_MS, the Velero server is pinged; a server
 * that does not answer ends the wait with VELERO_NOT_RESPONDING (an ERROR: recovery could not be exercised),
 * instead of letting the drill sit until the restore timeout and call it a FAIL. The wait gets a signal that
 * aborts on the drill's own signal too, and an onObservation that feeds the watchdog.
 */
export async function watchVelero<T>(
  ctx: DrillContext,
  gw: KubeGateway,
  veleroNamespace: string,
  run: (signal: AbortSignal, observed: () => void) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort();
  ctx.signal.addEventListener('abort', onParentAbort, { once: true });
  let failure: unknown = null;
  let timer: NodeJS.Timeout | null = null;
  let pinging = false;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, STALL_MS);
  };
  const check = async () => {
    if (pinging || controller.signal.aborted) return;
    pinging = true;
    try {
      const info = await pingVeleroServer(gw, veleroNamespace, {
        timeoutMs: PING_TIMEOUT_MS,
        labels: drillLabels(ctx.plan),
        signal: controller.signal,
      });
      ctx.rec.event(
        'info',
        `no change for ${STALL_MS / 1000}s; the Velero server (${info.serverVersion}) still answers`,
      );
      arm();
    } catch (e) {
      if (!controller.signal.aborted) {
        failure = e;
        ctx.rec.event('error', describeError(e));
        controller.abort();
      }
    } finally {
      pinging = false;
    }
  };
  arm();
  try {
    return await run(controller.signal, arm);
  } catch (e) {
    if (failure) throw failure;
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onParentAbort);
  }
}
