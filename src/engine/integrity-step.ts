/**
 * integrity: before anything is restored, the selected backup is verified in its storage (the same check as
 * `dr-drill backups verify`): every artifact present and decodable, the tarball streamed and matched against the
 * resource list. A damaged backup is a FAIL — recovery from it would fall short — named down to the artifact.
 */
import { verifyBackup } from '../velero/storage/index.js';
import type { DrillContext } from './context.js';
import { error, fail } from './outcome.js';

/** Defects listed as events one by one up to this many; the phase reason names the first. */
const MAX_DEFECT_EVENTS = 50;

/** Runs the integrity check of ctx.backup in ctx.storage (the caller skips the phase when there is no storage). */
export async function checkIntegrity(ctx: DrillContext): Promise<void> {
  const { rec } = ctx;
  const storage = ctx.storage!;
  const name = ctx.backup!.metadata.name;
  rec.event('info', `verifying backup ${name} in ${storage.description}`);
  const v = await verifyBackup(storage, name);
  rec.journalEntry('backup-integrity', {
    backup: name,
    ok: v.ok,
    defects: v.defects,
    items: v.tarball?.items ?? null,
    resourceListItems: v.resourceListItems,
  });
  for (const n of v.notes) rec.event('info', `integrity: ${n}`);
  if (v.ok) {
    rec.event(
      'info',
      `backup ${name} is whole: ${v.artifacts.filter((a) => a.status === 'ok').length} artifact(s) decode, ${v.tarball?.items ?? 0} item(s) in the tarball match the resource list`,
    );
    return;
  }
  // Nothing at all under backups/<name>/: spec.storage is not this backup's BSL — a setup problem, not a damaged backup.
  if (v.artifacts.every((a) => a.status === 'missing')) {
    throw error(
      `backup ${name} has no files in ${storage.description}: spec.storage is not the storage location of this backup (check container and prefix)`,
    );
  }
  for (const d of v.defects.slice(0, MAX_DEFECT_EVENTS))
    rec.event('error', `DEFECT ${d.artifact}: ${d.problem}${d.detail ? ` — ${d.detail}` : ''}`);
  const first = v.defects[0]!;
  throw fail(
    `backup ${name} failed its integrity check before restore: ${v.defects.length} defect(s), first ${first.artifact}: ${first.problem}${first.detail ? ` — ${first.detail}` : ''}`,
  );
}
