/**
 * `npm run bench:startup`: how long the built CLI takes to start and finish for `--help`, `validate` of an
 * example scenario and `report verify` of a sealed fixture, against `node -e 0` (the floor no Node CLI can go
 * under) in the same run. Goals (issue 16): `--help` ≤ 150 ms, `validate` ≤ 300 ms. Prints min and median
 * wall-clock times, the ratio of each median to node's, and peak RSS; asserts nothing.
 *
 * Runs `bin/dr-drill.js` (dist/, so `npm run build` first: the npm script does). BENCH_RUNS (default 15)
 * changes how many times each command runs; a loaded machine shows in the spread between min and median.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const work = mkdtempSync(join(tmpdir(), 'dr-drill-bench-startup-'));

const fixture = spawnSync('npx', ['tsx', join(root, 'scripts', 'report-fixture.ts'), join(work, 'reports')], {
  cwd: root,
  encoding: 'utf8',
});
if (fixture.status !== 0) throw new Error(`report fixture: ${fixture.stderr}`);
const folder = fixture.stdout.trim();
const cli = join(root, 'bin', 'dr-drill.js');

const cases: { name: string; args: string[]; goalMs?: number }[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'dr-drill --version', args: [cli, '--version'] },
  { name: 'dr-drill --help', args: [cli, '--help'], goalMs: 150 },
  {
    name: 'dr-drill validate <example>',
    args: [cli, 'validate', join(root, 'scenarios', 'local-demo.yaml')],
    goalMs: 300,
  },
  { name: 'dr-drill report verify <fixture>', args: [cli, 'report', 'verify', folder] },
];

/** One run: wall-clock ms from spawn to exit. */
function once(args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** Peak RSS of one run in MB, as the child reports it on exit (GNU time is not assumed to exist). */
function peakRss(args: string[]): number {
  const probe = `process.on('exit',()=>process.stderr.write('\\nRSS '+process.resourceUsage().maxRSS+'\\n'))`;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, ...args], {
    encoding: 'utf8',
  });
  const m = /RSS (\d+)/.exec(r.stderr);
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results: { name: string; min: number; med: number; rss: number; goalMs?: number }[] = [];
for (const c of cases) {
  once(c.args); // warm the file cache
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(once(c.args));
  results.push({
    name: c.name,
    min: Math.min(...samples),
    med: median(samples),
    rss: peakRss(c.args),
    goalMs: c.goalMs,
  });
}
rmSync(work, { recursive: true, force: true });

const base = results[0];
console.log(`startup, ${runs} runs each (Node ${process.version}, ${process.platform}/${process.arch})`);
console.log(
  `${'command'.padEnd(34)}${'min ms'.padStart(8)}${'median'.padStart(8)}${'× node'.padStart(8)}${'RSS MB'.padStart(8)}  goal`,
);
for (const r of results) {
  const goal = r.goalMs === undefined ? '' : `≤ ${r.goalMs} ms: ${r.med <= r.goalMs ? 'met' : 'missed'} (median)`;
  console.log(
    `${r.name.padEnd(34)}${r.min.toFixed(0).padStart(8)}${r.med.toFixed(0).padStart(8)}${(r.med / base.med)
      .toFixed(1)
      .padStart(8)}${String(r.rss).padStart(8)}  ${goal}`,
  );
}
