/**
 * journal.jsonl: one JSON object per line, appended while the drill runs. Each line is written with a single
 * write(2) on an append-mode descriptor and fsync'd, so a crash, a kill -9 or a lost node still leaves every
 * line written so far — the evidence of how far the drill got.
 */
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../util/clock.js';
import { redactDeep } from '../util/redact.js';
import { reportModes } from './file-mode.js';

/** The journal's file name inside the report folder. */
export const JOURNAL_FILE = 'journal.jsonl';

/** Kinds of journal entries; open-ended so that new engine events need no change here. */
export type JournalEntryType =
  | 'drill-started'
  | 'phase-started'
  | 'phase-ended'
  | 'event'
  | 'probe'
  | 'verdict'
  | 'teardown'
  | 'interrupted'
  | 'report-sealed'
  | (string & {});

/** One line of journal.jsonl. */
export interface JournalEntry {
  /** Wall-clock time, UTC ISO-8601. */
  at: string;
  /** Seconds on the monotonic clock since the journal's origin (T0 once known, drill start before). */
  atSeconds: number;
  type: JournalEntryType;
  [key: string]: unknown;
}

/** Options for opening a journal. */
export interface JournalOptions {
  /** Monotonic milliseconds that count as 0 (default: the clock's reading when the journal opens). */
  originMs?: number;
  /** fsync after each line (default true); tests of many lines may turn it off. */
  fsync?: boolean;
}

/** Appends redacted entries to `<folder>/journal.jsonl`. */
export class Journal {
  /** Path of the journal file. */
  readonly path: string;
  private fd: number | null;
  private originMs: number;
  private readonly sync: boolean;

  constructor(
    folder: string,
    private readonly clock: Clock,
    options: JournalOptions = {},
  ) {
    this.path = join(folder, JOURNAL_FILE);
    this.fd = openSync(this.path, 'a', reportModes().file);
    this.originMs = options.originMs ?? clock.monotonicMs();
    this.sync = options.fsync ?? true;
  }

  /**
   * Moves the origin of `atSeconds`, e.g. to T0 when the drill takes its own backup and T0 is its completion.
   * Earlier entries keep their values; the move is itself journalled so readers can line them up.
   */
  setOrigin(monotonicMs: number, why: string): void {
    const shiftSeconds = (monotonicMs - this.originMs) / 1000;
    this.originMs = monotonicMs;
    this.append('origin-moved', { why, shiftSeconds });
  }

  /** Appends one entry; `data` is redacted, and cannot override at/atSeconds/type. Returns what was written. */
  append(type: JournalEntryType, data: Record<string, unknown> = {}): JournalEntry {
    if (this.fd === null) throw new Error(`journal ${this.path} is closed`);
    // The entry's own fields come first (readers scan them) and cannot be overridden by data.
    const { at: _at, atSeconds: _s, type: _t, ...safe } = redactDeep(data);
    const entry: JournalEntry = {
      at: this.clock.now().toISOString(),
      atSeconds: round3((this.clock.monotonicMs() - this.originMs) / 1000),
      type,
      ...safe,
    };
    const line = JSON.stringify(entry) + '\n';
    writeSync(this.fd, line);
    if (this.sync) fsyncSync(this.fd);
    return entry;
  }

  /** Closes the file; further appends throw. Safe to call twice. */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Reads a journal back. A killed process may leave a torn last line: it is dropped and counted, not fatal.
 */
export function readJournal(path: string): { entries: JournalEntry[]; tornLines: number } {
  const entries: JournalEntry[] = [];
  let tornLines = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      tornLines++;
    }
  }
  return { entries, tornLines };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
