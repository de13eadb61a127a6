/** What a Restore's outcome means, in words an operator understands. Velero's words are kept, then explained. */
import type { RestoreResults, VeleroRestore } from './types.js';

const PATTERNS: Array<[RegExp, string]> = [
  [/already exists/i, 'an object already existed in the target and was left as it was (existingResourcePolicy none)'],
  // `persistentvolumes?\b`: every PVC error starts "error restoring persistentvolumeclaims/…"; that alone is no binding problem.
  [
    /persistentvolumes?\b.*(bound|claim)|claimRef|volume.*already bound/i,
    'a persistent volume could not be bound to the restored claim: the PV still belongs to the source claim (restore volumes into a clean cluster, or use snapshots / file-system backup)',
  ],
  [/forbidden|cannot (create|patch|get)/i, 'Velero was denied permission in the target cluster'],
  [/admission webhook|denied the request/i, 'an admission webhook in the target rejected an object'],
  [
    /no matches for kind|could not find the requested resource|server could not find/i,
    'the target cluster does not serve an API the backup contains (a CRD or API version is missing)',
  ],
  [
    /storageclass|storage class/i,
    'a storage class used by the backup does not exist in the target (map it with change-storage-class)',
  ],
  [/timed out|timeout/i, 'an operation timed out'],
];

function explain(message: string): string | null {
  for (const [re, words] of PATTERNS) if (re.test(message)) return words;
  return null;
}

export function triageRestore(r: VeleroRestore, results: RestoreResults | null): string[] {
  const s = r.status ?? {};
  const out: string[] = [];
  // Velero counts what it restored; zero (e.g. discovery failed before the first item) must not read as "the rest was".
  const restored = s.progress?.itemsRestored;
  const total = s.progress?.totalItems;
  const nothing = restored === 0 || (restored === undefined && total === 0);
  switch (s.phase) {
    case 'Completed':
      out.push(
        nothing
          ? 'Completed, but nothing was restored: the selection matched no item of the backup'
          : s.warnings
            ? `Completed with ${s.warnings} warning(s): everything was restored or deliberately skipped`
            : 'Completed: every selected item was restored',
      );
      break;
    case 'PartiallyFailed':
      out.push(
        nothing
          ? `PartiallyFailed: ${s.errors ?? '?'} error(s) and nothing was restored${total ? ` (0 of ${total} items)` : ''}`
          : `PartiallyFailed: ${s.errors ?? '?'} item(s) or volume(s) could not be restored; the rest was${restored !== undefined && total ? ` (${restored} of ${total} items restored)` : ''}`,
      );
      break;
    case 'Failed':
      out.push(`Failed: the restore could not run${s.failureReason ? ` (${s.failureReason})` : ''}`);
      break;
    case 'FailedValidation':
      out.push(
        `FailedValidation: Velero rejected the Restore request: ${(s.validationErrors ?? []).join('; ') || 'no reason given'}`,
      );
      break;
    default:
      out.push(`${s.phase ?? 'New'}: the restore did not reach a terminal phase`);
  }
  if (results) {
    const seen = new Set<string>();
    const all = [
      ...results.errors.velero,
      ...results.errors.cluster,
      ...Object.values(results.errors.namespaces).flat(),
      ...results.warnings.velero,
      ...results.warnings.cluster,
      ...Object.values(results.warnings.namespaces).flat(),
    ];
    for (const m of all) {
      const w = explain(m);
      if (w && !seen.has(w)) {
        seen.add(w);
        out.push(`${w} — e.g. "${m.length > 200 ? m.slice(0, 200) + '…' : m}"`);
      }
    }
  }
  return out;
}
