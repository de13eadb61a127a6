/**
 * Writes one sealed report folder (a clean PASS of payments-nightly, fixed times and ids) under the given report
 * dir and prints its path. Generated from the current code rather than checked in, so the fixture always
 * carries the report fields of the schema version this checkout writes. Used by scripts/pack-smoke.sh.
 */
import { reportFolder } from '../src/report/folder.js';
import { Journal } from '../src/report/journal.js';
import { writeReportFolder } from '../src/report/seal.js';
import { ManualClock } from '../src/util/clock.js';
import { aReport } from '../test/support/report-builder.js';

const reportDir = process.argv[2];
if (!reportDir) {
  process.stderr.write('usage: tsx scripts/report-fixture.ts <report-dir>\n');
  process.exit(2);
}
const startedAt = new Date('2026-01-01T02:00:00Z');
const folder = reportFolder(reportDir, 'payments-nightly', startedAt, 'abcd1234');
const report = aReport().build();
const journal = new Journal(folder, new ManualClock(startedAt));
journal.append('drill-started', { drillId: 'abcd1234' });
// The final entry report verify compares with report.json (as engine/run-drill.ts writes it).
journal.append('report-sealed', {
  drillId: report.drillId,
  verdict: report.verdict,
  rtoAchievedSeconds: report.rto.achievedSeconds,
  rpoAchievedSeconds: report.rpo.achievedSeconds,
  previousDrillId: report.evidence.previousDrillId,
  previousReportSha256: report.evidence.previousReportSha256,
});
journal.close();
writeReportFolder(folder, report);
process.stdout.write(`${folder}\n`);
