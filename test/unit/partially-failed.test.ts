/** A PartiallyFailed restore against the scenario's error budget (issue #12 item 6): volume errors never fit in it. */
import { expect } from 'chai';
import { tolerance } from '../../src/engine/restore-step.js';
import type { RestoreResults } from '../../src/velero/types.js';

const results = (velero: string[], namespaced: string[] = []): RestoreResults => ({
  warnings: { velero: [], cluster: [], namespaces: {} },
  errors: { velero, cluster: [], namespaces: namespaced.length ? { shop: namespaced } : {} },
});

const cases: Array<{
  name: string;
  max: number | null;
  status: { errors: number; restoreItemOperationsFailed?: number };
  results: RestoreResults | null;
  tolerated: boolean;
  words: RegExp;
}> = [
  {
    name: 'no tolerance set',
    max: null,
    status: { errors: 1 },
    results: results(['x']),
    tolerated: false,
    words: /^$/,
  },
  {
    name: 'more errors than maxErrors',
    max: 1,
    status: { errors: 2 },
    results: results([], ['a', 'b']),
    tolerated: false,
    words: /tolerated: 1/,
  },
  {
    name: 'within maxErrors, none about volumes',
    max: 2,
    status: { errors: 1 },
    results: results([], ['error restoring services/shop/api: admission webhook denied the request']),
    tolerated: true,
    words: /no volume errors/,
  },
  {
    name: 'within maxErrors, a PVC error',
    max: 2,
    status: { errors: 1 },
    results: results([], ['error restoring persistentvolumeclaims/shop/data: quota exceeded']),
    tolerated: false,
    words: /volume errors are never tolerated: "error restoring persistentvolumeclaims/,
  },
  {
    name: 'within maxErrors, PodVolumeRestores timed out',
    max: 2,
    status: { errors: 1 },
    results: results(['timed out waiting for all PodVolumeRestores to complete']),
    tolerated: false,
    words: /never tolerated: "timed out waiting for all PodVolumeRestores/,
  },
  {
    name: 'within maxErrors, a failed data mover download (restore item operation)',
    max: 2,
    status: { errors: 1, restoreItemOperationsFailed: 1 },
    results: results([], ['error restoring configmaps/shop/x: conflict']),
    tolerated: false,
    words: /1 restore item operation\(s\) failed/,
  },
  {
    name: 'within maxErrors, but the results file could not be read',
    max: 2,
    status: { errors: 1 },
    results: null,
    tolerated: false,
    words: /volume errors cannot be ruled out/,
  },
];

describe('PartiallyFailed tolerance', () => {
  for (const c of cases)
    it(c.name, () => {
      const t = tolerance(c.max, c.status, c.results);
      expect(t.tolerated).to.equal(c.tolerated);
      expect(t.words).to.match(c.words);
    });
});
