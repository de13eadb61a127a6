/**
 * When `watch` drills: a completed backup triggers its scenario after a quiet period (debounce: a burst of
 * backups, e.g. a schedule and a manual `--from-schedule`, makes one drill), never while a drill of the same
 * scenario runs (one more drill is kept for after it: the backup that completed meanwhile deserves one), at most
 * `parallel` drills at once, and at most `maxQueued` scenarios waiting; a trigger beyond that is dropped and
 * counted, never an unbounded backlog. Timers are injected so the rules are tested without waiting.
 */

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Why a scenario is drilled: the backup that completed. */
export interface Trigger {
  scenario: string;
  backup: string;
}

/** How `watch` queues drills: debounce, parallelism, queue bound. */
export interface DrillQueueOptions {
  debounceMs: number;
  parallel: number;
  maxQueued: number;
  /** Runs one drill; its rejection is the caller's to report (the queue goes on). */
  drill: (t: Trigger) => Promise<void>;
  /** A trigger the bounded queue could not take. */
  onDropped?: (t: Trigger, why: string) => void;
  /** The queue length changed (a gauge). */
  onQueueLength?: (n: number) => void;
  timers?: Timers;
}

/** What became of a trigger: waiting out its debounce, dropped (queue full), or refused (queue closed). */
export type TriggerOutcome = 'debouncing' | 'dropped' | 'closed';

/** Debounces backup events per scenario and runs at most `parallel` drills at once, a bounded queue behind them. */
export class DrillQueue {
  private readonly timers: Timers;
  private readonly debouncing = new Map<string, { handle: unknown; trigger: Trigger }>();
  private readonly queue: Trigger[] = [];
  private readonly running = new Map<string, Promise<void>>();
  /** Scenarios triggered again while their drill runs: drilled once more after it. */
  private readonly again = new Map<string, Trigger>();
  private closed = false;

  constructor(private readonly opts: DrillQueueOptions) {
    this.timers = opts.timers ?? realTimers;
  }

  /** A backup of the scenario's schedule completed. */
  trigger(t: Trigger): TriggerOutcome {
    if (this.closed) return 'closed';
    const pending = this.debouncing.get(t.scenario);
    if (pending) this.timers.clearTimeout(pending.handle);
    const handle = this.timers.setTimeout(() => {
      this.debouncing.delete(t.scenario);
      this.enqueue(t);
    }, this.opts.debounceMs);
    this.debouncing.set(t.scenario, { handle, trigger: t });
    return 'debouncing';
  }

  /** Scenarios waiting for a free slot, oldest first. */
  get waiting(): readonly Trigger[] {
    return this.queue;
  }

  /** Scenarios being drilled now. */
  get active(): string[] {
    return [...this.running.keys()];
  }

  private enqueue(t: Trigger): void {
    if (this.closed) return;
    if (this.running.has(t.scenario)) {
      // One drill per scenario at a time: the newest trigger waits for the running drill to end.
      this.again.set(t.scenario, t);
      return;
    }
    const queued = this.queue.findIndex((q) => q.scenario === t.scenario);
    if (queued >= 0) {
      this.queue[queued] = t;
      return;
    }
    if (this.queue.length >= this.opts.maxQueued) {
      this.opts.onDropped?.(t, `${this.queue.length} scenarios already wait for a drill slot (--max-queued)`);
      return;
    }
    this.queue.push(t);
    this.opts.onQueueLength?.(this.queue.length);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.opts.parallel) {
      const i = this.queue.findIndex((q) => !this.running.has(q.scenario));
      if (i < 0) return;
      const [t] = this.queue.splice(i, 1) as [Trigger];
      this.opts.onQueueLength?.(this.queue.length);
      const run = this.opts
        .drill(t)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(t.scenario);
          const next = this.again.get(t.scenario);
          this.again.delete(t.scenario);
          if (next) this.enqueue(next);
          this.pump();
        });
      this.running.set(t.scenario, run);
    }
  }

  /** Stops taking triggers, forgets what waits, and resolves when the running drills have ended. */
  async close(): Promise<void> {
    this.closed = true;
    for (const { handle } of this.debouncing.values()) this.timers.clearTimeout(handle);
    this.debouncing.clear();
    this.queue.length = 0;
    this.again.clear();
    this.opts.onQueueLength?.(0);
    await Promise.all([...this.running.values()]);
  }
}
