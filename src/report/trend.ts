/**
 * RTO trend per scenario: is recovery getting slower? Over the last N drills with a measured RTO, the newest RTO
 * is compared with the oldest in the window; growth beyond a threshold is a warning (the drills may all still
 * pass: the point is to see the objective coming before it is missed). Pure.
 */
import { formatSeconds } from '../util/duration.js';

/** Defaults of `report history --trend-window / --trend-threshold`. */
export const TREND_DEFAULTS = { window: 5, thresholdPercent: 20 } as const;

/** What the trend needs of a drill (history's DrillSummary has it). */
export interface TrendInput {
  scenario: string;
  drillId: string;
  startedAt: string;
  rtoAchievedSeconds: number | null;
  rtoObjectiveSeconds: number | null;
}

/** One scenario's RTO trend. */
export interface Trend {
  scenario: string;
  /** Drills compared (measured RTO), oldest first: at most the window. */
  drills: { drillId: string; startedAt: string; rtoSeconds: number }[];
  window: number;
  thresholdPercent: number;
  /** Newest RTO relative to the oldest in the window, in percent; null with fewer than two drills. */
  changePercent: number | null;
  /** A human summary, e.g. "RTO 7m00s → 9m30s over 5 drills (+35.7%)". */
  summary: string;
  /** Set when RTO grew by more than thresholdPercent. */
  warning: string | null;
}

/** Trends of every scenario in `drills` (any order), sorted by scenario name. */
export function rtoTrends(drills: TrendInput[], options: { window: number; thresholdPercent: number }): Trend[] {
  const byScenario = new Map<string, TrendInput[]>();
  for (const d of drills) byScenario.set(d.scenario, [...(byScenario.get(d.scenario) ?? []), d]);
  return [...byScenario.keys()].sort().map((s) => rtoTrend(s, byScenario.get(s)!, options));
}

/** The trend of one scenario's drills. */
export function rtoTrend(
  scenario: string,
  drills: TrendInput[],
  options: { window: number; thresholdPercent: number },
): Trend {
  const window = Math.max(2, Math.floor(options.window));
  const measured = drills
    .filter((d) => d.rtoAchievedSeconds !== null)
    .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0))
    .slice(-window)
    .map((d) => ({ drillId: d.drillId, startedAt: d.startedAt, rtoSeconds: d.rtoAchievedSeconds! }));
  const base = { scenario, drills: measured, window, thresholdPercent: options.thresholdPercent };
  if (measured.length < 2) {
    return {
      ...base,
      changePercent: null,
      warning: null,
      summary: `${measured.length} drill(s) with a measured RTO: no trend yet`,
    };
  }
  const first = measured[0]!.rtoSeconds;
  const last = measured[measured.length - 1]!.rtoSeconds;
  // From 0 s any growth is unbounded; call it +100% per second rather than divide by zero.
  const changePercent = first === 0 ? (last === 0 ? 0 : 100 * last) : Math.round(((last - first) / first) * 1000) / 10;
  const summary = `RTO ${formatSeconds(first)} → ${formatSeconds(last)} over ${measured.length} drills (${changePercent >= 0 ? '+' : ''}${changePercent}%)`;
  const warning =
    changePercent > options.thresholdPercent
      ? `RTO of ${scenario} grew by ${changePercent}% over its last ${measured.length} drills (threshold ${options.thresholdPercent}%)`
      : null;
  return { ...base, changePercent, summary, warning };
}
