/**
 * The import rule of src/ (issue #17 item 2), checked by dependency-cruiser in `npm test`
 * (test/unit/import-rule.test.ts; by hand: `npm run imports`).
 *
 * The flow, docs/architecture.md:
 *   cli → scenario → plan → engine → adapters (kube, velero, storage, azure, hooks, probes, targets) → measure →
 *   report → evidence, with shared utilities in util/.
 * In imports: a folder imports the stage whose data it reads (plan reads the scenario; everything after plan reads
 * the compiled plan's types), the adapters it drives, and the report model; it never imports a stage that drives
 * it. Nothing imports cli/; only cli/ and fleet/ import engine/, through its public entry engine/index.ts.
 *
 * `flow` below lists, per folder (or top-level file) of src/, everything it may import besides itself and the
 * shared utilities. An import not listed there fails; so does any import of a folder that is not in the table, and
 * any cycle of files (type-only and lazy imports count: they are the same knot for a reader, and the next value
 * import along them becomes a run-time cycle). The table itself has no cycle, so no folder cycle can pass either.
 */

/** Imported by every folder; they import nothing above them. */
const shared = ['util/', 'version.ts'];

/** The adapters the engine drives, one outside system each (velero/storage/ is Velero's backup storage). */
const adapters = ['kube/', 'velero/', 'targets/', 'probes/', 'hooks/', 'azure/'];

/** Per folder (trailing /) or top-level file of src/: what it may import besides itself and `shared`. */
export const flow = {
  'cli/': [
    'scenario/',
    'plan/',
    'engine/index.ts',
    'fleet/',
    'coordination/',
    ...adapters,
    'measure/',
    'report/',
    'evidence/',
    'local/',
    'exit-codes.ts',
  ],
  'fleet/': ['scenario/', 'plan/', 'engine/index.ts', 'kube/', 'velero/', 'report/', 'exit-codes.ts'],
  'scenario/': [],
  'plan/': ['scenario/'],
  'engine/': ['plan/', ...adapters, 'measure/', 'report/', 'evidence/'],
  'coordination/': ['plan/', 'kube/'],
  'kube/': [],
  'velero/': ['plan/', 'kube/'],
  'targets/': ['plan/', 'kube/'],
  'probes/': ['plan/', 'kube/', 'report/'],
  'hooks/': ['report/'],
  'azure/': ['plan/'],
  'measure/': ['plan/', 'report/'],
  'report/': ['plan/'],
  'evidence/': ['plan/', 'kube/', 'velero/', 'azure/', 'report/'],
  'local/': [],
  'util/': [],
  'version.ts': [],
  'exit-codes.ts': ['report/'],
};

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pathOf = (entry) => `^src/${escape(entry)}${entry.endsWith('/') ? '' : '$'}`;
const anyOf = (entries) => `(${entries.map(pathOf).join('|')})`;
const ruleName = (entry) => `flow-${entry.replace(/\/$/, '').replace(/\.ts$/, '')}`;

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle has no first module: whichever loads first sees the other half-initialised.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...Object.entries(flow).map(([entry, mayImport]) => ({
      name: ruleName(entry),
      severity: 'error',
      comment: `src/${entry} imports only ${[...mayImport, ...shared].join(', ')} (and itself): the flow of docs/architecture.md.`,
      from: { path: pathOf(entry) },
      to: { path: '^src/', pathNot: anyOf([entry, ...mayImport, ...shared]) },
    })),
    {
      name: 'engine-velero-types-only',
      severity: 'error',
      comment:
        "engine/ reads Velero's CR shapes as types only: Velero's group/version, CR calls and field paths are velero/'s (named functions with typed results).",
      from: { path: '^src/engine/' },
      to: { path: '^src/velero/types\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'flow-unplaced',
      severity: 'error',
      comment: 'Every folder and top-level file of src/ has a place in the flow table of .dependency-cruiser.mjs.',
      from: { path: '^src/', pathNot: anyOf(Object.keys(flow)) },
      to: { path: '^src/' },
    },
  ],
  options: {
    includeOnly: '^src/',
    doNotFollow: { path: 'node_modules' },
    // `import type` counts: a type-only back-import is the same wrong direction for a reader.
    tsPreCompilationDeps: true,
  },
};
