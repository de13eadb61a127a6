/**
 * `backups list | backups verify <name>`: Velero backup storage read straight from Blob Storage, so that a
 * drill (or an auditor) can see and check backups when the source cluster is gone.
 */
import type { Argv } from 'yargs';
import { defineCommand, defineGroup } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { inputError } from '../../util/errors.js';
import { formatSeconds } from '../../util/duration.js';
import { CONNECTION_STRING_ENV, storageAuth, storageFlags } from '../../plan/storage-plan.js';
import {
  listBackups,
  blobAuthOf,
  openBlobStorage,
  verifyBackup,
  type BackupStorage,
  type BackupSummary,
  type BackupVerification,
} from '../../velero/storage/index.js';

interface StorageArgs {
  container: string;
  prefix?: string;
  'account-url'?: string;
  'connection-string'?: string;
}

function storageOptions<T>(y: Argv<T>): Argv<T & StorageArgs> {
  return (
    y
      .option('container', {
        type: 'string',
        default: 'velero',
        describe: 'Blob container of the BSL (objectStorage.bucket)',
      })
      .option('prefix', { type: 'string', describe: 'Prefix inside the container (objectStorage.prefix)' })
      .option('account-url', {
        type: 'string',
        describe: 'https://<account>.blob.core.windows.net, signed in with DefaultAzureCredential',
      })
      // No yargs default: it would print the secret in --help. The environment is read in openStorage().
      .option('connection-string', {
        type: 'string',
        describe: `Storage connection string (default: $${CONNECTION_STRING_ENV})`,
      }) as never
  );
}

/** Open the BSL the flags describe; bad or missing flags are input errors (exit 2). */
export function openStorage(args: StorageArgs, env: NodeJS.ProcessEnv = process.env): BackupStorage {
  const given = { accountUrl: args['account-url'], connectionString: args['connection-string'] };
  const auth = storageAuth(given, storageFlags(), env);
  if (!args.container)
    throw inputError('STORAGE_NO_CONTAINER', '--container is empty', 'name the BSL container (default velero)');
  const base = { container: args.container, ...(args.prefix ? { prefix: args.prefix } : {}) };
  return openBlobStorage({ ...base, auth: blobAuthOf(auth) });
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** `1.2 MiB`-style sizes. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

const shortUtc = (t: string | null) => (t ? t.replace('T', ' ').replace(/(\.\d+)?Z$/, 'Z') : '-');

/** The `backups list` table. */
export function renderBackupList(rows: BackupSummary[]): string[] {
  if (rows.length === 0) return ['no backups'];
  return table(
    [
      'NAME',
      'PHASE',
      'SCHEDULE',
      'STARTED (UTC)',
      'COMPLETED (UTC)',
      'AGE',
      'EXPIRES (UTC)',
      'ITEMS',
      'WARNINGS',
      'ERRORS',
      'SIZE',
    ],
    rows.map((r) => [
      r.name,
      r.phase ?? '-',
      r.schedule ?? '-',
      shortUtc(r.startTimestamp),
      shortUtc(r.completionTimestamp),
      r.ageSeconds === null ? '-' : formatSeconds(r.ageSeconds),
      shortUtc(r.expiration),
      r.totalItems === null
        ? '-'
        : r.itemsBackedUp !== null && r.itemsBackedUp !== r.totalItems
          ? `${r.itemsBackedUp}/${r.totalItems}`
          : String(r.totalItems),
      String(r.warnings),
      String(r.errors),
      formatBytes(r.totalBytes) + (r.note ? `  (${r.note})` : ''),
    ]),
  );
}

/** The `backups verify` report. */
export function renderVerification(v: BackupVerification): string[] {
  const out: string[] = [`backup ${v.backup}  phase ${v.phase ?? '-'}`, ''];
  out.push(
    ...table(
      ['ARTIFACT', 'STATUS', 'SIZE'],
      v.artifacts
        .filter((a) => a.required || a.status !== 'missing')
        .map((a) => [a.file, a.status, a.bytes === null ? '-' : formatBytes(a.bytes)]),
    ),
  );
  if (v.tarball) {
    const t = v.tarball;
    out.push(
      '',
      `tarball: ${t.items} items (+${t.preferredCopies} preferred-version copies), ${t.entries} entries, ${formatBytes(t.compressedBytes)} → ${formatBytes(t.uncompressedBytes)}; resource list: ${v.resourceListItems ?? '-'} items`,
    );
    const ns = Object.entries(t.byNamespace).sort(([a], [b]) => a.localeCompare(b));
    out.push(
      '',
      ...table(
        ['NAMESPACE', 'ITEMS'],
        [...ns.map(([n, c]) => [n, String(c)]), ['(cluster-scoped)', String(t.clusterScoped)]],
      ),
    );
    const kinds = Object.entries(t.byKind).sort(([a], [b]) => a.localeCompare(b));
    out.push(
      '',
      ...table(
        ['KIND', 'ITEMS'],
        kinds.map(([k, c]) => [k, String(c)]),
      ),
    );
  }
  for (const n of v.notes) out.push(`note: ${n}`);
  out.push('');
  for (const d of v.defects) out.push(`DEFECT ${d.artifact}: ${d.problem}${d.detail ? ` — ${d.detail}` : ''}`);
  out.push(
    v.ok
      ? `OK ${v.backup}: every artifact present and decodable, tarball matches the resource list`
      : `FAILED ${v.backup}: ${v.defects.length} defect(s)`,
  );
  return out;
}

const list = defineCommand<StorageArgs>({
  command: 'list',
  describe: 'List the backups in a Velero backup storage location, newest first',
  builder: (y) => storageOptions(y),
  run: async (args) => {
    const storage = openStorage(args);
    const backups = await listBackups(storage);
    if (args.output === 'json')
      printJson({ location: { container: args.container, prefix: storage.layout.root }, backups });
    else for (const l of renderBackupList(backups)) printLine(l);
    return EXIT.pass;
  },
});

const verify = defineCommand<StorageArgs & { name: string; deep: boolean }>({
  command: 'verify <name>',
  describe: 'Check that a backup is whole: every artifact present and decodable, tarball items match the resource list',
  builder: (y) =>
    storageOptions(y)
      .positional('name', { type: 'string', demandOption: true, describe: 'Backup name' })
      .option('deep', {
        type: 'boolean',
        default: false,
        describe: 'JSON-decode every item and check its metadata against its path (slower)',
      }) as never,
  run: async (args) => {
    const v = await verifyBackup(openStorage(args), args.name, { deep: args.deep });
    if (args.output === 'json') printJson(v);
    else for (const l of renderVerification(v)) printLine(l);
    return v.ok ? EXIT.pass : EXIT.fail;
  },
});

/** The `backups` command group. */
export const backupsCommand = defineGroup(
  'backups',
  'Velero backups read straight from Blob Storage: list and verify',
  [list, verify],
);
