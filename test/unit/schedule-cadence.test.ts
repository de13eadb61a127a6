import { expect } from 'chai';
import { scheduleCadence } from '../../src/velero/schedule-cadence.js';

const H = 3600;
const D = 24 * H;

describe('Velero schedule cadence (robfig/cron standard parser)', () => {
  const cases: { cron: string; longest: number; shortest: number; tz?: string }[] = [
    { cron: '0 3 * * *', longest: D, shortest: D },
    { cron: '0 * * * *', longest: H, shortest: H },
    { cron: '*/15 * * * *', longest: 15 * 60, shortest: 15 * 60 },
    { cron: '0 */6 * * *', longest: 6 * H, shortest: 6 * H },
    // Weekdays only: the weekend is the gap that matters.
    { cron: '0 3 * * 1-5', longest: 3 * D, shortest: D },
    { cron: '0 3 * * MON,thu', longest: 4 * D, shortest: 3 * D },
    { cron: '0 0 * * SUN', longest: 7 * D, shortest: 7 * D },
    { cron: '0 0 1 * *', longest: 31 * D, shortest: 28 * D },
    { cron: '30 2 1 jan,JUL *', longest: 184 * D, shortest: 181 * D },
    // Day of month and day of week both restricted: either matches (cron's OR), so never more than a week.
    { cron: '0 0 13 * 5', longest: 7 * D, shortest: D },
    { cron: '0 0 29 2 *', longest: 1461 * D, shortest: 1461 * D },
    { cron: '5-10/5 1 * * *', longest: D - 5 * 60, shortest: 5 * 60 },
    { cron: '@daily', longest: D, shortest: D },
    { cron: '@hourly', longest: H, shortest: H },
    { cron: '@weekly', longest: 7 * D, shortest: 7 * D },
    { cron: '@every 6h', longest: 6 * H, shortest: 6 * H },
    { cron: '@every 1h30m', longest: 1.5 * H, shortest: 1.5 * H },
    { cron: 'CRON_TZ=Europe/Amsterdam 0 2 * * *', longest: D, shortest: D, tz: 'Europe/Amsterdam' },
  ];
  for (const c of cases)
    it(`"${c.cron}": longest gap ${c.longest / 60} min`, () => {
      const r = scheduleCadence(c.cron);
      expect(r.ok, JSON.stringify(r)).to.equal(true);
      if (!r.ok) return;
      expect(r.cadence.longestGapSeconds).to.equal(c.longest);
      expect(r.cadence.shortestGapSeconds).to.equal(c.shortest);
      expect(r.cadence.timeZone).to.equal(c.tz ?? null);
    });

  const bad: { cron: string; says: RegExp }[] = [
    { cron: '0 3 * *', says: /expected 5 fields/ },
    { cron: '61 * * * *', says: /minute: 61 is outside 0-59/ },
    { cron: '0 0 * * 7', says: /day of week: 7 is outside 0-6/ },
    { cron: '0 0 30 2 *', says: /never runs/ },
    { cron: '0 0 * * FOO', says: /day of week: "FOO" is not a number or a name/ },
    { cron: '*/0 * * * *', says: /step "0"/ },
    { cron: '0 5-1 * * *', says: /ends before it starts/ },
    { cron: '@fortnightly', says: /unknown descriptor/ },
    { cron: '@every soon', says: /not a duration/ },
    { cron: '', says: /expected 5 fields/ },
  ];
  for (const c of bad)
    it(`"${c.cron}" is refused: ${c.says.source}`, () => {
      const r = scheduleCadence(c.cron);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.message).to.match(c.says).and.to.include('is not a cron schedule');
    });
});
