/**
 * The drill timeline as an inline SVG Gantt chart: one row per phase (the restore split into queued and
 * running), one per probe (from its start until it passed, or for as long as it ran), and markers for the RTO
 * objective and the achieved RTO. Every bar has a <title> tooltip. Pure: report in, markup out.
 */
import { formatSeconds } from '../../util/duration.js';
import type { Report } from '../schema.js';
import { esc, px, tickStep } from './svg-util.js';
import { sinceT0 } from './format.js';

interface Bar {
  label: string;
  /** Bars on one row, each with its own class and tooltip. */
  segments: { start: number; end: number; cls: string; title: string }[];
  group: 'phase' | 'probe';
}

const WIDTH = 960;
const LABEL = 190;
const ROW = 22;
const TOP = 26;

/** Rows of the timeline, in seconds since T0. */
export function timelineRows(r: Report): Bar[] {
  const rows: Bar[] = [];
  for (const p of r.phases) {
    if (p.startSeconds === null) continue;
    const start = p.startSeconds;
    const end = start + (p.durationSeconds ?? 0);
    const why = p.reason ? ` — ${p.reason}` : '';
    rows.push({
      label: p.name,
      group: 'phase',
      // A runbook hook is a phase drawn in its own colour, so the operator's steps stand out from the machine's.
      segments: [
        {
          start,
          end,
          cls: `phase ${p.name.startsWith('hook:') ? 'hook ' : ''}${p.outcome}`,
          title: `${p.name}: ${p.outcome}, ${sinceT0(start)} → ${sinceT0(end)} (${formatSeconds(end - start)})${why}`,
        },
      ],
    });
    if (p.subphases.length) {
      // Subphases are consecutive from the phase start (restore: queued, then running).
      let at = start;
      const segments = p.subphases.map((s) => {
        const d = s.durationSeconds ?? 0;
        const seg = {
          start: at,
          end: at + d,
          cls: `sub ${s.name.replace(/[^a-z0-9-]/gi, '')}`,
          title: `${p.name} ${s.name}: ${formatSeconds(d)}`,
        };
        at += d;
        return seg;
      });
      rows.push({ label: `  ${p.subphases.map((s) => s.name).join(' / ')}`, group: 'phase', segments });
    }
  }
  const verify = r.phases.find((p) => p.name === 'verify');
  for (const p of r.probes) {
    const d = p.durationSeconds ?? 0;
    const end = p.passedAtSeconds ?? (verify?.startSeconds ?? 0) + d;
    const start = Math.max(0, end - d);
    const when =
      p.passedAtSeconds === null ? `${p.outcome} after ${formatSeconds(d)}` : `passed at ${sinceT0(p.passedAtSeconds)}`;
    rows.push({
      label: p.name,
      group: 'probe',
      segments: [
        {
          start,
          end,
          cls: `probe ${p.outcome}${p.critical ? '' : ' noncritical'}`,
          title: `probe ${p.name} (${p.kind}${p.critical ? '' : ', non-critical'}): ${when}${p.lastObservation ? ` — ${p.lastObservation}` : ''}`,
        },
      ],
    });
  }
  return rows;
}

/** The timeline SVG, or '' when no phase has a start time. */
export function ganttSvg(r: Report): string {
  const rows = timelineRows(r);
  if (rows.length === 0) return '';
  const ends = rows.flatMap((b) => b.segments.map((s) => s.end));
  // Steps before T0 (taking the backup T0 is measured from) draw left of the T0 line.
  const min = Math.min(0, ...rows.flatMap((b) => b.segments.map((s) => s.start)));
  const max = Math.max(
    1,
    ...ends,
    r.rto.achievedSeconds ?? 0,
    Math.min(r.rto.objectiveSeconds, Math.max(...ends) * 1.5),
  );
  const plot = WIDTH - LABEL - 20;
  const x = (s: number) => LABEL + ((s - min) / (max - min)) * plot;
  const height = TOP + rows.length * ROW + 10;
  const out: string[] = [
    `<svg class="gantt" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="Drill timeline" xmlns="http://www.w3.org/2000/svg">`,
    '<title>Drill timeline: phases and probes, seconds since T0</title>',
  ];
  const step = tickStep(max);
  for (let t = min < 0 ? -Math.floor(-min / step) * step : 0; t <= max + 1e-9; t += step) {
    out.push(
      `<line class="grid" x1="${px(x(t))}" y1="${TOP - 6}" x2="${px(x(t))}" y2="${height - 10}"/>`,
      `<text class="tick" x="${px(x(t))}" y="${TOP - 10}" text-anchor="middle">${esc(formatSeconds(t))}</text>`,
    );
  }
  rows.forEach((b, i) => {
    const y = TOP + i * ROW;
    out.push(
      `<text class="label ${b.group}" x="${LABEL - 8}" y="${y + ROW / 2 + 4}" text-anchor="end">${esc(b.label)}</text>`,
    );
    for (const s of b.segments) {
      // A zero-length bar would vanish: draw it as a thin tick so it can still be hovered.
      const w = Math.max(2, x(s.end) - x(s.start));
      out.push(
        `<rect class="${esc(s.cls)}" x="${px(x(s.start))}" y="${y + 3}" width="${px(w)}" height="${ROW - 6}" rx="2"><title>${esc(s.title)}</title></rect>`,
      );
    }
  });
  const marker = (sec: number, cls: string, text: string) =>
    out.push(
      `<line class="${cls}" x1="${px(x(sec))}" y1="${TOP - 4}" x2="${px(x(sec))}" y2="${height - 10}"><title>${esc(text)}</title></line>`,
    );
  if (r.rto.objectiveSeconds <= max)
    marker(r.rto.objectiveSeconds, 'objective', `RTO objective ${formatSeconds(r.rto.objectiveSeconds)}`);
  if (r.rto.achievedSeconds !== null)
    marker(r.rto.achievedSeconds, 'achieved', `achieved RTO ${formatSeconds(r.rto.achievedSeconds)}`);
  out.push('</svg>');
  return out.join('\n');
}
