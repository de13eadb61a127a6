import { expect } from 'chai';
import { formatSeconds, parseDuration } from '../../src/util/duration.js';

describe('parseDuration', () => {
  const cases: Array<[string, number]> = [
    ['90s', 90_000],
    ['15m', 900_000],
    ['4h', 14_400_000],
    ['1h30m', 5_400_000],
    ['4h0m0s', 14_400_000],
    ['500ms', 500],
    ['2d', 172_800_000],
    ['1.5h', 5_400_000],
    ['1m30s250ms', 90_250],
  ];
  for (const [text, ms] of cases) it(`${text} → ${ms} ms`, () => expect(parseDuration(text)).to.equal(ms));

  for (const bad of ['', '10', 'm', '10 minutes', '1h 30m', '-5m', '5M', '1y']) {
    it(`refuses ${JSON.stringify(bad)}`, () => expect(() => parseDuration(bad)).to.throw(/not a duration/));
  }
});

describe('formatSeconds', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [42, '42s'],
    [1.25, '1.3s'],
    [723, '12m03s'],
    [7500, '2h05m'],
    [273_600, '3d4h'],
    [-90, '-1m30s'],
  ];
  for (const [s, text] of cases) it(`${s} → ${text}`, () => expect(formatSeconds(s)).to.equal(text));
});
