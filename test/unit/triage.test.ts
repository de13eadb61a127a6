import { expect } from 'chai';
import { triageRestore } from '../../src/velero/triage.js';
import type { RestoreResults, VeleroRestore } from '../../src/velero/types.js';

const restore = (status: VeleroRestore['status']): VeleroRestore => ({
  apiVersion: 'velero.io/v1',
  kind: 'Restore',
  metadata: { name: 'dr-drill-abcd1234' },
  status,
});
const results = (errors: string[], warnings: string[] = []): RestoreResults => ({
  errors: { velero: [], cluster: [], namespaces: { shop: errors } },
  warnings: { velero: [], cluster: warnings, namespaces: {} },
});

describe('triageRestore', () => {
  const cases: Array<{ name: string; r: VeleroRestore; results: RestoreResults | null; lines: RegExp[] }> = [
    {
      name: 'Completed',
      r: restore({ phase: 'Completed' }),
      results: null,
      lines: [/^Completed: every selected item was restored$/],
    },
    {
      name: 'Completed with warnings',
      r: restore({ phase: 'Completed', warnings: 2 }),
      results: null,
      lines: [/^Completed with 2 warning\(s\)/],
    },
    {
      name: "PartiallyFailed keeps Velero's word and counts",
      r: restore({ phase: 'PartiallyFailed', errors: 3 }),
      results: null,
      lines: [/^PartiallyFailed: 3 item\(s\)/],
    },
    {
      name: 'PartiallyFailed with nothing restored says so (not "the rest was")',
      r: restore({ phase: 'PartiallyFailed', errors: 1, progress: { totalItems: 1503, itemsRestored: 0 } }),
      results: null,
      lines: [/^PartiallyFailed: 1 error\(s\) and nothing was restored \(0 of 1503 items\)$/],
    },
    {
      name: 'PartiallyFailed counts what was restored',
      r: restore({ phase: 'PartiallyFailed', errors: 2, progress: { totalItems: 10, itemsRestored: 8 } }),
      results: null,
      lines: [/the rest was \(8 of 10 items restored\)$/],
    },
    {
      name: 'Completed with nothing restored is not "every selected item"',
      r: restore({ phase: 'Completed', progress: { totalItems: 0, itemsRestored: 0 } }),
      results: null,
      lines: [/^Completed, but nothing was restored/],
    },
    {
      name: 'Failed with its reason',
      r: restore({ phase: 'Failed', failureReason: 'error getting backup' }),
      results: null,
      lines: [/^Failed: the restore could not run \(error getting backup\)$/],
    },
    {
      name: 'FailedValidation lists the validation errors',
      r: restore({ phase: 'FailedValidation', validationErrors: ['backup "x" not found', 'bad mapping'] }),
      results: null,
      lines: [/^FailedValidation: Velero rejected the Restore request: backup "x" not found; bad mapping$/],
    },
    {
      name: 'not terminal',
      r: restore({ phase: 'InProgress' }),
      results: null,
      lines: [/^InProgress: the restore did not reach a terminal phase$/],
    },
    {
      name: 'errors are explained, with an example',
      r: restore({ phase: 'PartiallyFailed', errors: 1 }),
      results: results([
        'error restoring persistentvolumeclaims/shop/data: storageclass.storage.k8s.io "premium" not found',
      ]),
      lines: [
        /^PartiallyFailed/,
        /storage class used by the backup does not exist in the target .* — e\.g\. "error restoring persistentvolumeclaims\/shop\/data/,
      ],
    },
    {
      name: 'a PV still bound to the source claim is explained as such',
      r: restore({ phase: 'PartiallyFailed', errors: 1 }),
      results: results([
        'error restoring persistentvolumes/pvc-1234: PersistentVolume "pvc-1234" has a claimRef to shop/data',
      ]),
      lines: [/^PartiallyFailed/, /could not be bound to the restored claim/],
    },
    {
      name: 'each explanation once, errors before warnings',
      r: restore({ phase: 'PartiallyFailed', errors: 2, warnings: 1 }),
      results: results(
        ['pods "a" is forbidden: cannot create', 'pods "b" is forbidden'],
        ['could not restore, ConfigMap "c" already exists'],
      ),
      lines: [/^PartiallyFailed/, /denied permission/, /already existed in the target/],
    },
    {
      name: 'a missing API is named',
      r: restore({ phase: 'PartiallyFailed', errors: 1 }),
      results: results([
        'error restoring monitors.example.com/shop/m: no matches for kind "Monitor" in version "example.com/v1"',
      ]),
      lines: [/^PartiallyFailed/, /does not serve an API the backup contains/],
    },
    {
      name: 'unexplained messages add nothing',
      r: restore({ phase: 'PartiallyFailed', errors: 1 }),
      results: results(['something odd']),
      lines: [/^PartiallyFailed/],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const lines = triageRestore(c.r, c.results);
      expect(lines, lines.join('\n')).to.have.length(c.lines.length);
      c.lines.forEach((re, i) => expect(lines[i]).to.match(re));
    });
  }
  it('cuts very long example messages', () => {
    const lines = triageRestore(
      restore({ phase: 'PartiallyFailed', errors: 1 }),
      results([`timed out ${'x'.repeat(400)}`]),
    );
    expect(lines[1].length).to.be.below(320);
    expect(lines[1]).to.match(/…"$/);
  });
});
