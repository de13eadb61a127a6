/**
 * Runs one runbook hook: argv through execa (no shell), in its own process group so a timeout or an interrupt
 * stops the whole tree (terraform and its providers, sh and its children), with its combined output captured,
 * masked and written to a log file. Knows nothing of the drill: the engine gives it a command, gets an ending.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { formatSeconds } from '../util/duration.js';
import { maskCommand, maskText } from './mask.js';
import { MASK } from '../util/secrets.js';
import type { HookCommand, HookEnd, HookRunOptions, HookRunResult } from './types.js';
import { reportModes } from '../report/file-mode.js';

/** The log keeps the tail: the end of a long terraform run is what explains a failure. */
const MAX_LOG_CHARS = 4 * 1024 * 1024;

/** Runs the hook to its end; never throws for the command's own failure (see HookEnd). */
export async function runHook(hook: HookCommand, opts: HookRunOptions): Promise<HookRunResult> {
  const started = performance.now();
  const startedAt = new Date();
  const output = new Tail(MAX_LOG_CHARS);
  const cwd = hook.workingDir ? resolve(hook.workingDir) : process.cwd();
  let end: HookEnd;
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
    end = { kind: 'not-started', message: `workingDir ${cwd} is not a directory` };
  } else if (opts.signal?.aborted) {
    end = { kind: 'interrupted' };
  } else {
    end = await spawnAndWait(hook, cwd, output, opts, started);
  }
  const durationMs = performance.now() - started;
  const secrets = typeof opts.secrets === 'function' ? opts.secrets() : opts.secrets;
  const masked = maskText(output.text(), secrets);
  const lastLine =
    masked
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? '';
  const head = [
    `# dr-drill hook ${hook.name}`,
    `# command: ${maskCommand(hook.command, secrets).map(quote).join(' ')}`,
    `# workingDir: ${cwd}`,
    `# started: ${startedAt.toISOString()}`,
    ...(output.dropped
      ? [`# (the first ${output.dropped} characters of output were dropped; the log keeps the last ${MAX_LOG_CHARS})`]
      : []),
    '',
  ];
  const tail = ['', `# ${describeEnd(end, hook.timeoutMs)} after ${formatSeconds(Math.round(durationMs) / 1000)}`, ''];
  writeFileSync(
    opts.logFile,
    head.join('\n') + masked + (masked.endsWith('\n') || !masked ? '' : '\n') + tail.join('\n'),
    { mode: reportModes().file },
  );
  return { end, lastLine, logFile: opts.logFile, durationMs };
}

/** How a hook ended, in words: `exit code 3`, `timed out after 10m`… */
export function describeEnd(end: HookEnd, timeoutMs: number): string {
  switch (end.kind) {
    case 'exited':
      return `exit code ${end.exitCode}`;
    case 'timeout':
      return `timed out after ${formatSeconds(timeoutMs / 1000)}`;
    case 'interrupted':
      return 'interrupted';
    case 'killed':
      return `killed by ${end.signal}`;
    case 'not-started':
      return `could not start: ${end.message}`;
  }
}

async function spawnAndWait(
  hook: HookCommand,
  cwd: string,
  output: Tail,
  opts: HookRunOptions,
  started: number,
): Promise<HookEnd> {
  const [file, ...args] = hook.command;
  const child = execa(file!, args, {
    cwd,
    // Only what the engine chose (PATH, HOME, DR_DRILL_*, the hook's env and inheritEnv): never the runner's
    // whole environment, which holds storage keys, ARM tokens and webhook URLs a hook could print.
    env: hook.env,
    extendEnv: false,
    stdin: 'ignore',
    all: true,
    buffer: false,
    reject: false,
    // Its own process group: killing -pid reaches the grandchildren a plain kill would orphan.
    detached: true,
  });
  child.all?.setEncoding('utf8');
  child.all?.on('data', (chunk: string) => output.push(chunk));
  let stopping: 'timeout' | 'interrupted' | null = null;
  let forceTimer: NodeJS.Timeout | null = null;
  const killGroup = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const stop = (why: 'timeout' | 'interrupted') => {
    if (stopping) return;
    stopping = why;
    killGroup('SIGTERM');
    forceTimer = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs ?? 5000);
  };
  const timer = setTimeout(() => stop('timeout'), hook.timeoutMs);
  const onAbort = () => stop('interrupted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // A detached group outlives us unless we end it: a second Ctrl-C exits the process at once.
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  const progress = opts.onProgress
    ? setInterval(() => {
        const secrets = typeof opts.secrets === 'function' ? opts.secrets() : opts.secrets;
        opts.onProgress!(maskText(lastLineOf(output.text()), secrets), performance.now() - started);
      }, opts.progressEveryMs ?? 30_000)
    : null;
  try {
    const r = await child;
    if (stopping) return { kind: stopping };
    if (r.exitCode !== undefined) return { kind: 'exited', exitCode: r.exitCode };
    if (r.signal) return { kind: 'killed', signal: r.signal };
    const code = (r as { code?: string }).code;
    const why =
      code === 'ENOENT'
        ? `${file} not found (not on PATH, or not a file)`
        : code === 'EACCES'
          ? `${file} is not executable`
          : (r.originalMessage ?? r.shortMessage ?? 'unknown error');
    return { kind: 'not-started', message: why };
  } finally {
    clearTimeout(timer);
    if (forceTimer) clearTimeout(forceTimer);
    if (progress) clearInterval(progress);
    opts.signal?.removeEventListener('abort', onAbort);
    process.off('exit', onExit);
  }
}

function lastLineOf(text: string): string {
  return (
    text
      .slice(-4096)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? ''
  );
}

const quote = (a: string) => (a === MASK || /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** Keeps the last `max` characters of a stream and counts what it dropped. */
class Tail {
  private chunks: string[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly max: number) {}
  push(s: string): void {
    this.chunks.push(s);
    this.size += s.length;
    while (this.size > this.max && this.chunks.length > 1) {
      const first = this.chunks.shift()!;
      this.size -= first.length;
      this.dropped += first.length;
    }
    if (this.size > this.max) {
      const only = this.chunks[0]!;
      this.dropped += only.length - this.max;
      this.chunks[0] = only.slice(-this.max);
      this.size = this.max;
    }
  }
  text(): string {
    return this.chunks.join('');
  }
}
