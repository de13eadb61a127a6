/**
 * A command's output kept in memory with a ceiling. An exec probe runs whatever the scenario says in a pod
 * that came back from a backup; `cat` of a large file or a program stuck printing must not grow the drill's
 * memory without bound. The head is kept (where a value or an error usually is) and the rest counted.
 */
import { Writable } from 'node:stream';
import { formatBytes } from '../util/capped-read.js';

/** The most of each output stream (stdout, stderr) an exec keeps. */
export const EXEC_CAPTURE_LIMIT = 1 << 20;

/** A stream sink that keeps the first `limit` bytes and counts the rest. */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;
  readonly sink: Writable;

  constructor(private readonly limit = EXEC_CAPTURE_LIMIT) {
    this.sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.add(Buffer.from(chunk));
        cb();
      },
    });
  }

  add(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room > 0) {
      const head = chunk.subarray(0, room);
      this.chunks.push(head);
      this.kept += head.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
  }

  /** The output kept, with a line saying what was cut when anything was. */
  text(): string {
    const head = Buffer.concat(this.chunks, this.kept).toString('utf8');
    if (this.dropped === 0) return head;
    return `${head}\n[output cut at ${formatBytes(this.limit)}: ${this.dropped} more bytes not kept]`;
  }
}
