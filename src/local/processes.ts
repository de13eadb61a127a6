/**
 * Host processes the environment starts itself (Azurite, the velero servers): detached into their own process
 * group so they outlive `dr-drill local up`, stdio to a log file, a pid file each. They are stopped by that
 * pid only, never by name, and only when the pid still runs the command we started (pid reuse).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

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

/**
 * Stops the process group of a managed process (the velero server takes its plugin children with it):
 * SIGTERM, then SIGKILL after graceMs. Removes the pid file. Returns whether something was running.
 */
export async function stopManaged(
  p: ManagedProcess,
  graceMs = 10_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<boolean> {
  const pid = runningPid(p);
  if (pid !== null) await stopGroup(pid, p.marker, graceMs, signal);
  rmSync(p.pidFile, { force: true });
  return pid !== null;
}

async function stopGroup(pid: number, marker: string, graceMs: number, signal: NodeJS.Signals): Promise<void> {
  const send = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig); // the group we created with detached: true
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  send(signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!pidRuns(pid, marker)) return;
    await sleep(200);
  }
  send('SIGKILL');
  for (let i = 0; i < 25 && pidRuns(pid, marker); i++) await sleep(200);
}
