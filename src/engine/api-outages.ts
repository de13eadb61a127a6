/**
 * The drill's view of API-server outages: every gateway the engine uses rides out a control-plane restart
 * (kube/resilient-gateway.ts), and each outage becomes a line in the report — a drill that recovered from one
 * says so, with how long it lasted, because that time is inside the RTO it measured.
 */
import type { KubeGateway } from '../kube/gateway.js';
import { DEFAULT_OUTAGE_BUDGET_MS, resilientGateway } from '../kube/resilient-gateway.js';
import type { DrillRecorder } from './recorder.js';

export function drillGateway(rec: DrillRecorder, gw: KubeGateway): KubeGateway {
  return resilientGateway(gw, {
    onOutageStart: (context, error) =>
      rec.event(
        'info',
        `the API server of ${context} stopped answering (${firstLine(error)}); waiting up to ${DEFAULT_OUTAGE_BUDGET_MS / 1000} s for it to come back`,
      ),
    onOutage: (o) =>
      rec.event(
        'warn',
        `the API server of ${o.context} did not answer for ${o.durationSeconds.toFixed(1)} s (from ${o.startedAt.toISOString()}): ` +
          `${o.retriedRequests} request(s) repeated and open watches re-listed once it answered again`,
        { outage: { context: o.context, startedAt: o.startedAt.toISOString(), durationSeconds: o.durationSeconds } },
      ),
  });
}

/** One gateway per context for the whole drill, so an outage is seen (and reported) once, not per caller. */
export function drillGateways(
  rec: DrillRecorder,
  gatewayFor: (context: string | null) => KubeGateway,
): (context: string | null) => KubeGateway {
  const made = new Map<string | null, KubeGateway>();
  return (context) => {
    let gw = made.get(context);
    if (!gw) {
      gw = drillGateway(rec, gatewayFor(context));
      made.set(context, gw);
    }
    return gw;
  };
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? s;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
