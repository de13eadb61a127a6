/** What running one runbook hook needs and what it gives back; no engine types, so the engine depends on this, not the reverse. */

/** One command to run at a point of the drill. */
export interface HookCommand {
  name: string;
  command: string[];
  /** The hook's whole environment: nothing else is inherited from the runner. */
  env: Record<string, string>;
  /** Absolute or relative to the current directory; null: the current directory. */
  workingDir: string | null;
  timeoutMs: number;
}

/** How a hook ended. */
export type HookEnd =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'timeout' }
  | { kind: 'interrupted' }
  /** Killed by a signal nobody here sent (OOM killer, kill from another shell). */
  | { kind: 'killed'; signal: string }
  /** The command could not start (ENOENT, EACCES, a workingDir that is not a directory). */
  | { kind: 'not-started'; message: string };

/** What a hook run gives back: how it ended, its last output line, and where the masked log went. */
export interface HookRunResult {
  end: HookEnd;
  /** The last non-empty line of its output, masked; '' when it printed nothing. */
  lastLine: string;
  /** The log file written (absolute path). */
  logFile: string;
  durationMs: number;
}

/** Options of one run. */
export interface HookRunOptions {
  /**
   * Values never to appear in the log (the hook's env values, kubeconfig credentials), besides what redact()
   * knows; a function is asked after the command ends (a kubeconfig the hook wrote is known only then).
   */
  secrets: string[] | (() => string[]);
  /** Where the masked combined output goes. */
  logFile: string;
  /** Stops the hook (SIGTERM to its process group, then SIGKILL). */
  signal?: AbortSignal;
  /** Called now and then with the latest output line (masked), so progress can show a long hook is alive. */
  onProgress?: (lastLine: string, elapsedMs: number) => void;
  progressEveryMs?: number;
  /** Grace between SIGTERM and SIGKILL (default 5s). */
  killGraceMs?: number;
}
