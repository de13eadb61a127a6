/** The rehearsal pause of `run --step`: continue or abort before each phase, on the operator's terminal. */
import { createInterface } from 'node:readline/promises';

const WHAT: Record<string, string> = {
  'select-backup': 'find (or take) the backup and fix T0',
  integrity: 'verify the backup in storage',
  'provision-target': 'create the target cluster',
  'prepare-target': 'check Velero and the target namespaces, then create them',
  restore: 'create the Velero Restore and wait for it',
  verify: 'run the probes against the restored copy',
};

export async function askOperator(phase: string, signal: AbortSignal): Promise<'continue' | 'abort'> {
  if (signal.aborted) return 'abort';
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (;;) {
      const what =
        WHAT[phase] ??
        (phase.startsWith('hook:') ? 'run the runbook hook (its command, as the scenario writes it)' : '');
      const answer = (
        await rl.question(
          `\nnext: ${phase} — ${what}\n[Enter] continue, [a] abort (tears down what the drill made) > `,
          { signal },
        )
      )
        .trim()
        .toLowerCase();
      if (answer === '' || answer === 'c' || answer === 'continue') return 'continue';
      if (answer === 'a' || answer === 'abort') return 'abort';
      process.stderr.write('answer Enter to continue or a to abort\n');
    }
  } catch {
    return 'abort'; // SIGINT while paused: treat as an abort; teardown still runs.
  } finally {
    rl.close();
  }
}
