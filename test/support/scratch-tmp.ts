/**
 * Every test run gets one scratch folder and removes it at the end, so `npm test` leaves nothing in the system's
 * temp folder. Tests (and the processes they start) make their own folders with mkdtemp(tmpdir()); pointing
 * TMPDIR here catches all of them in one place instead of relying on each test's cleanup.
 *
 * It is set when mocha loads this file (before the test files are imported, some of which call tmpdir() at load).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratch = mkdtempSync(join(tmpdir(), 'dr-drill-test-run-'));
process.env.TMPDIR = scratch;

function removeScratch(): void {
  rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
}

export function mochaGlobalTeardown(): void {
  removeScratch();
}

// `exit: true` ends the process right after the run; a run stopped by Ctrl-C or a crash still cleans up.
process.on('exit', () => {
  try {
    removeScratch();
  } catch {
    // The folder is in the system temp folder; nothing else can be done at exit.
  }
});
