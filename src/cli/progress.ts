/**
 * Progress of a running drill for the person or pipeline watching it:
 * - on a terminal, a live block: every phase with a spinner and its elapsed time, the subject of the current wait
 *   ("Restore … InProgress, 812/1,204 items"), and the RTO budget left;
 * - without a TTY (CI), one line per event;
 * - `--log-format json`, one JSON object per event for log pipelines.
 * Everything goes to stderr, so `--output json` on stdout stays machine-readable. NO_COLOR is honoured.
 */
import type { EventListener } from '../engine/index.js';
import { formatSeconds } from '../util/duration.js';
import { sinceT0 } from '../report/render/format.js';
import { redact } from '../util/redact.js';
import { BUILTIN_PHASES } from '../report/phases.js';
import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';

/** --log-format: human lines or one JSON object per line. */
export type LogFormat = 'text' | 'json';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The live progress of a run: receives the drill's events, prints lines outside the live block, stops at the end. */
export interface Progress {
  onEvent: EventListener;
  /** A line outside the live block (signals, summaries). */
  log(line: string): void;
  stop(): void;
}

/**
 * `phases`: the drill's phases in running order when it has more than the built-in ones (runbook hooks, from
 * the plan), so the live block shows them in place rather than appended as they start.
 */
export function createProgress(opts: ProgressOptions): Progress {
  // Every message is masked here, whatever the format: progress goes to CI logs that outlive the drill.
  const inner = unmaskedProgress(opts);
  return {
    onEvent: (e) => inner.onEvent({ ...e, message: redact(e.message) }),
    log: (line) => inner.log(redact(line)),
    stop: () => inner.stop(),
  };
}

interface ProgressOptions {
  format: LogFormat;
  stream?: NodeJS.WriteStream;
  rtoObjectiveSeconds: number;
  colour: boolean;
  live?: boolean;
  phases?: readonly string[];
}

function unmaskedProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.format === 'json') {
    return {
      onEvent: (e) =>
        stream.write(
          JSON.stringify({
            at: new Date().toISOString(),
            atSeconds: e.atSeconds,
            ...(e.beforeT0 ? { beforeT0: true } : {}),
            phase: e.phase,
            level: e.level,
            message: e.message,
          }) + '\n',
        ),
      log: (line) =>
        stream.write(JSON.stringify({ at: new Date().toISOString(), level: 'info', message: line }) + '\n'),
      stop: () => {},
    };
  }
  if (!stream.isTTY || opts.live === false) {
    return {
      onEvent: (e) => stream.write(`[${offset(e).padStart(9)}] ${e.phase ?? '-'}: ${e.message}\n`),
      log: (line) => stream.write(line + '\n'),
      stop: () => {},
    };
  }
  return new LiveProgress(stream, opts.rtoObjectiveSeconds, opts.colour, opts.phases ?? BUILTIN_PHASES);
}

/**
 * When an event happened: `T0+12.3s`, `T0−0.4s`, or `start+0.4s` while T0 is still to come (it is the completion
 * of the backup the drill is taking; the recorder says so once it is known).
 */
export function offset(e: { atSeconds: number; beforeT0?: boolean }): string {
  return e.beforeT0 ? `start+${formatSeconds(e.atSeconds)}` : sinceT0(e.atSeconds);
}

type PhaseState = {
  state: 'pending' | 'running' | 'done' | 'failed' | 'skipped';
  started: number | null;
  ended: number | null;
  note: string;
};

class LiveProgress implements Progress {
  private readonly phases: Map<string, PhaseState>;
  private current: string | null = null;
  private subject = '';
  private sinceT0 = 0;
  private sinceT0At = Date.now();
  private drawn = 0;
  private frame = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly rtoSeconds: number,
    private readonly colour: boolean,
    order: readonly string[],
  ) {
    this.phases = new Map<string, PhaseState>(
      order.map((p) => [p, { state: 'pending', started: null, ended: null, note: '' }]),
    );
    this.timer = setInterval(() => this.draw(), 120);
    this.timer.unref();
  }

  onEvent: EventListener = (e) => {
    this.sinceT0 = e.atSeconds;
    this.sinceT0At = Date.now();
    const m = /^phase (\S+) (started|succeeded|failed|skipped|interrupted)(?:: (.*))?$/.exec(e.message);
    if (m) {
      const p = this.phases.get(m[1]!) ?? { state: 'pending', started: null, ended: null, note: '' };
      this.phases.set(m[1]!, p);
      if (m[2] === 'started') {
        p.state = 'running';
        p.started = Date.now();
        this.current = m[1]!;
        this.subject = '';
      } else {
        p.state = m[2] === 'succeeded' ? 'done' : m[2] === 'skipped' ? 'skipped' : 'failed';
        p.ended = Date.now();
        p.note = m[3] ?? '';
      }
    } else {
      if (e.level === 'info') this.subject = e.message;
      else
        this.above(
          `${e.level === 'error' ? this.paint('31', 'error') : this.paint('33', 'warn')} ${e.phase ?? '-'}: ${e.message}`,
        );
    }
    this.draw();
  };

  log(line: string): void {
    this.above(line);
  }

  private stopped = false;

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.draw();
    this.drawn = 0;
  }

  private paint(code: string, text: string): string {
    return this.colour ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  /** Prints a line above the live block, which is then redrawn below it. */
  private above(line: string): void {
    this.clear();
    this.stream.write(line + '\n');
    this.draw();
  }

  private clear(): void {
    if (this.drawn) this.stream.write(`\u001b[${this.drawn}A\u001b[0J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (this.stopped && this.drawn === 0) return;
    const width = Math.max(40, (this.stream.columns || 100) - 1);
    const lines: string[] = [];
    this.frame = (this.frame + 1) % SPINNER.length;
    for (const [name, p] of this.phases) {
      const elapsed = p.started ? formatSeconds(((p.ended ?? Date.now()) - p.started) / 1000) : '';
      const icon =
        p.state === 'running'
          ? this.paint('36', SPINNER[this.frame]!)
          : p.state === 'done'
            ? this.paint('32', '✔')
            : p.state === 'failed'
              ? this.paint('31', '✖')
              : p.state === 'skipped'
                ? '-'
                : ' ';
      const note = p.state === 'running' && name === this.current ? this.subject : p.note;
      lines.push(`${icon} ${name.padEnd(17)} ${elapsed.padStart(7)}  ${note}`);
    }
    const now = this.sinceT0 + (Date.now() - this.sinceT0At) / 1000;
    const left = this.rtoSeconds - now;
    lines.push(
      `  RTO budget: ${left >= 0 ? `${formatSeconds(left)} left of ${formatSeconds(this.rtoSeconds)}` : this.paint('31', `exceeded by ${formatSeconds(-left)}`)} (${sinceT0(now)})`,
    );
    this.clear();
    // Cut to the terminal's width by display columns, keeping colour escapes whole: a line that wrapped would make
    // the next redraw (which moves up one row per line) leave copies of the block behind.
    this.stream.write(lines.map((l) => fit(l, width)).join('\n') + '\n');
    this.drawn = lines.length;
  }
}

/**
 * A line cut to `width` display columns with an ellipsis, colour escapes kept whole. cli-truncate 5.2 can end one
 * column over when the cut falls inside a wide character (CJK, most emoji): then it cuts one column earlier.
 */
function fit(line: string, width: number): string {
  const cut = cliTruncate(line, width);
  return stringWidth(cut) <= width ? cut : cliTruncate(line, width - 1);
}
