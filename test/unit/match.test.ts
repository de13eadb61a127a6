import { expect } from 'chai';
import { partialMatch } from '../../src/probes/match.js';

describe('partialMatch', () => {
  const pvc = {
    metadata: { name: 'data', labels: { app: 'db' } },
    spec: { accessModes: ['ReadWriteOnce'] },
    status: { phase: 'Bound', capacity: { storage: '10Gi' } },
  };
  const cases: Array<{ name: string; actual: unknown; expected: unknown; diff: RegExp | null }> = [
    { name: 'a nested subset matches', actual: pvc, expected: { status: { phase: 'Bound' } }, diff: null },
    {
      name: 'extra keys in the object are ignored',
      actual: pvc,
      expected: { metadata: { labels: { app: 'db' } } },
      diff: null,
    },
    {
      name: 'a different value names the path, expected and found',
      actual: pvc,
      expected: { status: { phase: 'Lost' } },
      diff: /^status\.phase: expected "Lost", found "Bound"$/,
    },
    {
      name: 'a missing key is "found nothing"',
      actual: pvc,
      expected: { status: { reason: 'x' } },
      diff: /^status\.reason: expected "x", found nothing$/,
    },
    {
      name: 'numbers match their string form (YAML vs API)',
      actual: { spec: { replicas: 3 } },
      expected: { spec: { replicas: '3' } },
      diff: null,
    },
    {
      name: 'a string does not match an object',
      actual: { a: { b: 1 } },
      expected: { a: 'x' },
      diff: /^a: expected "x"/,
    },
    {
      name: 'list elements match in order',
      actual: { l: [{ n: 1 }, { n: 2 }, { n: 3 }] },
      expected: { l: [{ n: 1 }, { n: 3 }] },
      diff: null,
    },
    {
      name: 'list elements out of order do not match',
      actual: { l: [{ n: 1 }, { n: 2 }] },
      expected: { l: [{ n: 2 }, { n: 1 }] },
      diff: /^l\[1\]: no element matches/,
    },
    { name: 'a list where none is', actual: { l: 'x' }, expected: { l: ['x'] }, diff: /^l: expected a list/ },
    {
      name: 'an object where a scalar is',
      actual: { a: 1 },
      expected: { a: { b: 1 } },
      diff: /^a: expected an object, found 1$/,
    },
    { name: 'null matches only null', actual: { a: null }, expected: { a: null }, diff: null },
    {
      name: 'booleans compare by value',
      actual: { ready: false },
      expected: { ready: true },
      diff: /^ready: expected true, found false$/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = partialMatch(c.actual, c.expected);
      if (c.diff === null) expect(d).to.equal(null);
      else expect(d).to.match(c.diff);
    });
  }
});
