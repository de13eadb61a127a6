/**
 * Clocks: T0 and Velero's timestamps come from the cluster's clock, canary markers written by the drill from the
 * runner's. Before they are compared, the cluster clock is read against the runner's: an API server's Date header
 * (whole seconds, rounded down) taken between two runner readings bounds the offset.
 */
import type { Report } from '../report/schema.js';

/** How far a cluster's clock was from the runner's, as the report records it (clocks.source / clocks.target). */
export type ClockOffsetT = NonNullable<Report['clocks']['source']>;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The server's clock minus the runner's. The server stamped its Date somewhere between sentAt and receivedAt, and
 * its true time then lay in [Date, Date + 1 s): the offset lies in [Date − receivedAt, Date + 1 s − sentAt].
 */
export function clockOffset(sample: { sentAt: Date; receivedAt: Date; serverDate: Date }): ClockOffsetT {
  const low = sample.serverDate.getTime() - sample.receivedAt.getTime();
  const high = sample.serverDate.getTime() + 1000 - sample.sentAt.getTime();
  return {
    offsetSeconds: round3((low + high) / 2000),
    uncertaintySeconds: round3((high - low) / 2000),
    method: 'date-header',
  };
}

/** Where a timestamp comes from, its resolution, and so how it converts to the runner's clock. */
export interface Stamp {
  at: Date;
  clock: 'runner' | 'source';
  /** Whole-second timestamps (Velero's, canary markers) may be up to this much earlier than the event. */
  resolutionSeconds: number;
}

/**
 * a − b in seconds on the runner's clock, with how far it may be off: each stamp's resolution, and the offset's
 * uncertainty when exactly one of them is on the cluster's clock (on the same clock the offset cancels). Without a
 * measured offset, stamps on different clocks are compared as they are, and `unmeasuredOffset` says so.
 */
export function difference(
  a: Stamp,
  b: Stamp,
  source: ClockOffsetT | null,
): { seconds: number; uncertaintySeconds: number; unmeasuredOffset: boolean } {
  const toRunner = (s: Stamp) => s.at.getTime() / 1000 - (s.clock === 'source' && source ? source.offsetSeconds : 0);
  const mixed = a.clock !== b.clock;
  return {
    seconds: round3(toRunner(a) - toRunner(b)),
    uncertaintySeconds: round3(
      a.resolutionSeconds + b.resolutionSeconds + (mixed && source ? source.uncertaintySeconds : 0),
    ),
    unmeasuredOffset: mixed && !source,
  };
}
