/**
 * Host processes the environment starts itself (Azurite, the velero servers): detached into their own process
 * group so they outlive `dr-drill local up`, stdio to a log file, a pid file each. They are stopped by that
 * pid only, never by name, and only when the pid still runs the command we started (pid reuse).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { infraError } from '../util/errors.js';

/** A process the environment owns: its pid file and a marker its command line must contain. */
export interface ManagedProcess {
  /** Short name, e.g. `azurite`, `velero-primary`; names the pid and log files. */
  name: string;
  pidFile: string;
  logFile: string;
  /** A substring of /proc/<pid>/cmdline that proves the pid is still ours. */
  marker: string;
}

/** The pid and log files of a named process under the environment's dirs. */
export function managedProcess(pidDir: string, logsDir: string, name: string, marker: string): ManagedProcess {
  return { name, pidFile: join(pidDir, `${name}.pid`), logFile: join(logsDir, `${name}.log`), marker };
}

/** The pid from the pid file when that process is alive and still runs our command; otherwise null. */
export function runningPid(p: ManagedProcess): number | null {
  if (!existsSync(p.pidFile)) return null;
  const pid = Number(readFileSync(p.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return pidRuns(pid, p.marker) ? pid : null;
}

/** True when pid is alive (not a zombie) and its command line contains marker. */
export function pidRuns(pid: number, marker: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(marker);
  } catch {
    return false;
  }
}

/** Options for startDetached. */
export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts command in its own session (process group = pid), stdio appended to the log file; writes the pid file. */
export function startDetached(p: ManagedProcess, command: string, args: string[], opts: StartOptions = {}): number {
  for (const f of [p.pidFile, p.logFile]) mkdirSync(join(f, '..'), { recursive: true });
  const fd = openSync(p.logFile, 'a');
  try {
    writeFileSync(fd, `\n--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    writeFileSync(p.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** A running process the environment started, as `local down` waits for it. */
export interface OwnedPid {
  /** What it is, for messages (e.g. `velero-primary`, `primary/kube-apiserver`). */
  name: string;
  pid: number;
  /** A substring of its command line (pid reuse: a pid that no longer runs it is not ours). */
  marker: string;
  /** It leads a process group of its own (started detached): its group's members are waited for too. */
  group: boolean;
}

/** The pids of live (non-zombie) processes in process group pgid, read from /proc. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // Fields after the command name (which may hold spaces or parentheses): state ppid pgrp …
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && Number(pgrp) === pgid) out.push(Number(e));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

const alive = (p: OwnedPid): boolean => pidRuns(p.pid, p.marker) || (p.group && groupMembers(p.pid).length > 0);

function send(p: OwnedPid, sig: NodeJS.Signals): void {
  try {
    if (p.group) process.kill(-p.pid, sig);
    else if (pidRuns(p.pid, p.marker)) process.kill(p.pid, sig);
  } catch {
    try {
      if (pidRuns(p.pid, p.marker)) process.kill(p.pid, sig);
    } catch {
      /* already gone */
    }
  }
}

/** How long a process may take to die after SIGKILL before `local down` says it could not stop it. */
const KILL_WAIT_MS = 15_000;

/**
 * Stops processes and returns only when they have exited: `signal` (SIGTERM) to each that still runs, then, for
 * those still alive after graceMs, SIGKILL (to the whole group for a group leader), then waits for them to go.
 * `local down && local up` must not race the old apiservers for their ports. Returns the names of those still
 * alive after SIGKILL (a process stuck in the kernel), which the caller reports.
 */
export async function stopAndWait(
  procs: OwnedPid[],
  graceMs = 10_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<string[]> {
  let live = procs.filter(alive);
  for (const p of live) send(p, signal);
  const until = async (deadline: number): Promise<void> => {
    while (live.length && Date.now() < deadline) {
      await sleep(100);
      live = live.filter(alive);
    }
  };
  await until(Date.now() + graceMs);
  for (const p of live) send(p, 'SIGKILL');
  await until(Date.now() + KILL_WAIT_MS);
  return live.map((p) => `${p.name} (pid ${p.pid})`);
}

/**
 * Stops the process group of a managed process (the velero server takes its plugin children with it) and waits
 * until the group has exited: SIGTERM, then SIGKILL after graceMs. Removes the pid file. Returns whether something
 * was running; throws when the group outlives SIGKILL.
 */
export async function stopManaged(
  p: ManagedProcess,
  graceMs = 10_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<boolean> {
  const pid = runningPid(p);
  if (pid !== null) {
    const left = await stopAndWait([{ name: p.name, pid, marker: p.marker, group: true }], graceMs, signal);
    if (left.length) throw stillRunning(left);
  }
  rmSync(p.pidFile, { force: true });
  return pid !== null;
}

/** Processes that outlived SIGKILL: `local down` cannot promise free ports. */
export function stillRunning(names: string[]): Error {
  return infraError(
    'LOCAL_PROCESS_STILL_RUNNING',
    `still running after SIGTERM and SIGKILL: ${names.join(', ')}`,
    'look at the process (ps -o stat,wchan -p <pid>); a process in uninterruptible sleep exits when its I/O ends',
  );
}
