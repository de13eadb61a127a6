/**
 * When `watch` drills: debounced bursts, one drill per scenario at a time (and one more for a backup that
 * completed meanwhile), at most `parallel` at once, a bounded queue, and a close that starts nothing new. Timers
 * are a manual clock: nothing here waits.
 */
import { expect } from 'chai';
import { DrillQueue, type Timers, type Trigger } from '../../src/fleet/watch/drill-queue.js';

class ManualTimers implements Timers {
  private next = 0;
  private readonly pending = new Map<number, () => void>();
  setTimeout(fn: () => void): unknown {
    const id = ++this.next;
    this.pending.set(id, fn);
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Every debounce period ends now. */
  elapse(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const fn of due) fn();
  }
  get count(): number {
    return this.pending.size;
  }
}

/** Drills that end when the test says so, and a record of what ran when. */
function harness(opts: { parallel?: number; maxQueued?: number } = {}) {
  const timers = new ManualTimers();
  const started: Trigger[] = [];
  const finishers: Array<() => void> = [];
  const dropped: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const running_: Set<string> = new Set();
  let overlap = false;
  const queue = new DrillQueue({
    debounceMs: 60_000,
    parallel: opts.parallel ?? 1,
    maxQueued: opts.maxQueued ?? 10,
    timers,
    onDropped: (t) => dropped.push(`${t.scenario}@${t.backup}`),
    drill: (t) =>
      new Promise<void>((resolve) => {
        if (running_.has(t.scenario)) overlap = true;
        running_.add(t.scenario);
        started.push(t);
        maxRunning = Math.max(maxRunning, ++running);
        finishers.push(() => {
          running--;
          running_.delete(t.scenario);
          resolve();
        });
      }),
  });
  const settle = () => new Promise((r) => setImmediate(r));
  /** Ends the oldest running drill and lets the queue react. */
  const finishOne = async () => {
    finishers.shift()!();
    await settle();
    await settle();
  };
  return {
    queue,
    timers,
    started,
    dropped,
    finishOne,
    get maxRunning() {
      return maxRunning;
    },
    get overlap() {
      return overlap;
    },
  };
}

describe('watch: the drill queue', () => {
  it('a burst of completed backups within the debounce period makes one drill, of the newest backup', () => {
    const h = harness();
    for (const b of ['b1', 'b2', 'b3']) expect(h.queue.trigger({ scenario: 'shop', backup: b })).to.equal('debouncing');
    expect(h.started).to.deep.equal([]);
    h.timers.elapse();
    expect(h.started).to.deep.equal([{ scenario: 'shop', backup: 'b3' }]);
  });

  it('a backup completing while its scenario is drilled waits, and is drilled once after (never two at once)', async () => {
    const h = harness({ parallel: 4 });
    h.queue.trigger({ scenario: 'shop', backup: 'b1' });
    h.timers.elapse();
    for (const b of ['b2', 'b3']) {
      h.queue.trigger({ scenario: 'shop', backup: b });
      h.timers.elapse();
    }
    expect(h.started.map((t) => t.backup)).to.deep.equal(['b1']);
    await h.finishOne();
    expect(h.started.map((t) => t.backup)).to.deep.equal(['b1', 'b3']);
    await h.finishOne();
    expect(h.started).to.have.length(2);
    expect(h.overlap).to.equal(false);
  });

  it('at most `parallel` drills at once; the others wait their turn in order', async () => {
    const h = harness({ parallel: 2 });
    for (const s of ['a', 'b', 'c', 'd']) h.queue.trigger({ scenario: s, backup: `${s}1` });
    h.timers.elapse();
    expect(h.started.map((t) => t.scenario)).to.deep.equal(['a', 'b']);
    expect(h.queue.waiting.map((t) => t.scenario)).to.deep.equal(['c', 'd']);
    await h.finishOne();
    await h.finishOne();
    await h.finishOne();
    await h.finishOne();
    expect(h.started.map((t) => t.scenario)).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(h.maxRunning).to.equal(2);
  });

  it('the queue is bounded: a trigger beyond maxQueued is dropped and reported, a queued scenario is not queued twice', async () => {
    const h = harness({ parallel: 1, maxQueued: 2 });
    for (const s of ['a', 'b', 'c', 'd']) h.queue.trigger({ scenario: s, backup: `${s}1` });
    h.timers.elapse();
    // a runs, b and c wait, d does not fit.
    expect(h.dropped).to.deep.equal(['d@d1']);
    h.queue.trigger({ scenario: 'b', backup: 'b2' });
    h.timers.elapse();
    expect(h.queue.waiting).to.deep.equal([
      { scenario: 'b', backup: 'b2' },
      { scenario: 'c', backup: 'c1' },
    ]);
    expect(h.dropped).to.have.length(1);
  });

  it('close: debounced and queued triggers never start, running drills are awaited, later triggers are refused', async () => {
    const h = harness({ parallel: 1 });
    h.queue.trigger({ scenario: 'a', backup: 'a1' });
    h.queue.trigger({ scenario: 'b', backup: 'b1' });
    h.timers.elapse();
    h.queue.trigger({ scenario: 'c', backup: 'c1' });
    let closed = false;
    const closing = h.queue.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    expect(closed, 'waits for the running drill').to.equal(false);
    expect(h.timers.count).to.equal(0);
    await h.finishOne();
    await closing;
    expect(h.started.map((t) => t.scenario)).to.deep.equal(['a']);
    expect(h.queue.trigger({ scenario: 'a', backup: 'a2' })).to.equal('closed');
  });

  it('a drill that throws does not stop the queue', async () => {
    const timers = new ManualTimers();
    const ran: string[] = [];
    const queue = new DrillQueue({
      debounceMs: 1,
      parallel: 1,
      maxQueued: 5,
      timers,
      drill: async (t) => {
        ran.push(t.scenario);
        if (t.scenario === 'a') throw new Error('boom');
      },
    });
    queue.trigger({ scenario: 'a', backup: 'x' });
    queue.trigger({ scenario: 'b', backup: 'y' });
    timers.elapse();
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    await queue.close();
    expect(ran).to.deep.equal(['a', 'b']);
  });
});
