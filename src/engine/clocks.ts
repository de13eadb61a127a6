import type { KubeGateway } from '../kube/gateway.js';
import { clockOffset, type ClockOffsetT } from '../measure/clock-offset.js';
import type { DrillRecorder } from './recorder.js';
import { describeError } from '../util/errors.js';

/**
 * Reads a cluster's clock against the runner's (one GET /version). A clock that cannot be read costs only the
 * comparison, never the drill: the report says it was not measured.
 */
export async function readClock(gw: KubeGateway, rec: DrillRecorder, which: string): Promise<ClockOffsetT | null> {
  if (!gw.serverTime) return null;
  try {
    const offset = clockOffset(await gw.serverTime());
    rec.event(
      'info',
      `${which} cluster clock (${gw.context}) is ${offset.offsetSeconds} s ± ${offset.uncertaintySeconds} s from the runner's`,
    );
    return offset;
  } catch (e) {
    rec.event('warn', `could not read the ${which} cluster's clock (${gw.context}): ${describeError(e)}`);
    return null;
  }
}
