/**
 * Time is injected: the engine measures with a monotonic clock and records wall-clock in UTC.
 * Tests pass a ManualClock so that RTO/RPO arithmetic is exact.
 */
export interface Clock {
  /** Monotonic milliseconds; only differences mean anything. */
  monotonicMs(): number;
  /** Wall-clock now. */
  now(): Date;
}

export const systemClock: Clock = {
  monotonicMs: () => performance.now(),
  now: () => new Date(),
};

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  private mono = 0;
  private wall: number;
  constructor(start: Date = new Date('2026-01-01T00:00:00Z')) {
    this.wall = start.getTime();
  }
  monotonicMs(): number {
    return this.mono;
  }
  now(): Date {
    return new Date(this.wall);
  }
  advance(ms: number): void {
    this.mono += ms;
    this.wall += ms;
  }
}

/** UTC ISO-8601 with millisecond precision. */
export function utc(d: Date): string {
  return d.toISOString();
}

/** `YYYYMMDDTHHMMSSZ`, the report folder's time stamp. */
export function compactUtc(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}
