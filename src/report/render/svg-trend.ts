/** The scenario's recent RTO trend as an inline SVG line chart (one point per drill, objective dashed). Pure. */
import { formatSeconds } from '../../util/duration.js';
import type { VerdictT } from '../schema.js';
import { esc, px, tickStep } from './svg-util.js';

/** One past drill on the trend chart (a subset of history's DrillSummary). */
export interface TrendPoint {
  drillId: string;
  startedAt: string;
  verdict: VerdictT | null;
  rtoAchievedSeconds: number | null;
  rtoObjectiveSeconds: number | null;
}

const W = 640;
const H = 200;
const L = 56;
const R = 16;
const T = 14;
const B = 34;

/** The chart, oldest drill left; '' when fewer than two drills have a measured RTO. */
export function trendSvg(points: TrendPoint[]): string {
  const pts = points.filter((p) => p.rtoAchievedSeconds !== null).sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
  if (pts.length < 2) return '';
  const objective = pts[pts.length - 1]!.rtoObjectiveSeconds;
  const max = Math.max(1, ...pts.map((p) => p.rtoAchievedSeconds!), objective ?? 0) * 1.1;
  const x = (i: number) => L + (i / (pts.length - 1)) * (W - L - R);
  const y = (s: number) => T + (1 - s / max) * (H - T - B);
  const out = [
    `<svg class="trend" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="RTO of recent drills" xmlns="http://www.w3.org/2000/svg">`,
    `<title>RTO of the last ${pts.length} drills of this scenario</title>`,
  ];
  const step = tickStep(max, 4);
  for (let t = 0; t <= max; t += step) {
    out.push(
      `<line class="grid" x1="${L}" y1="${px(y(t))}" x2="${W - R}" y2="${px(y(t))}"/>`,
      `<text class="tick" x="${L - 6}" y="${px(y(t) + 4)}" text-anchor="end">${esc(formatSeconds(t))}</text>`,
    );
  }
  if (objective !== null) {
    out.push(
      `<line class="objective" x1="${L}" y1="${px(y(objective))}" x2="${W - R}" y2="${px(y(objective))}"><title>${esc(`RTO objective ${formatSeconds(objective)}`)}</title></line>`,
    );
  }
  out.push(
    `<polyline class="rto" points="${pts.map((p, i) => `${px(x(i))},${px(y(p.rtoAchievedSeconds!))}`).join(' ')}"/>`,
  );
  pts.forEach((p, i) => {
    const v = (p.verdict ?? 'none').toLowerCase();
    out.push(
      `<circle class="pt ${esc(v)}" cx="${px(x(i))}" cy="${px(y(p.rtoAchievedSeconds!))}" r="4"><title>${esc(`${p.startedAt.slice(0, 16).replace('T', ' ')}Z drill ${p.drillId}: ${p.verdict ?? 'incomplete'}, RTO ${formatSeconds(p.rtoAchievedSeconds!)}`)}</title></circle>`,
    );
  });
  out.push(
    `<text class="tick" x="${L}" y="${H - 10}">${esc(pts[0]!.startedAt.slice(0, 10))}</text>`,
    `<text class="tick" x="${W - R}" y="${H - 10}" text-anchor="end">${esc(pts[pts.length - 1]!.startedAt.slice(0, 10))}</text>`,
    '</svg>',
  );
  return out.join('\n');
}
