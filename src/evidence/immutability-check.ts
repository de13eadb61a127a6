/**
 * The uploaded copy's immutability against what the sealed report says it must be (`evidence.immutability`).
 * The report states the policy before sealing, so the statement is signed; the blobs' actual policies are read
 * back by `report verify --container`. Pure: the caller reads the container and the blobs.
 */
import type { ImmutabilityMode } from '../plan/types.js';

/** The policy the sealed report states for its uploaded copy. */
export interface IntendedImmutability {
  policyMode: ImmutabilityMode;
  periodSeconds: number;
}

/** One uploaded blob's policy as the service reports it (mode null or "Mutable": none). */
export interface BlobPolicy {
  name: string;
  mode: string | null;
  expiresOn: Date | null;
}

/** What the comparison found: problems fail verify; notes say, in words, what protects the copy. */
export interface ImmutabilityFindings {
  problems: Array<{ file: string; message: string }>;
  notes: string[];
}

// Azure keeps the expiry to the second; the upload computes it from a clock read after endedAt.
const ROUNDING_MS = 1000;

const days = (s: number) => `${+(s / 86_400).toFixed(2)} day(s)`;

/**
 * `intended` undefined: a report sealed before dr-drill stated it; null: the drill uploaded nothing (a later
 * `report upload`). `containerVersionLevel`: the container's x-ms-immutable-storage-with-versioning-enabled
 * (undefined when the service does not say, as Azurite). Support cannot be switched off once on, so a blob
 * without a policy in such a container had it removed or never set.
 */
export function checkImmutability(
  intended: IntendedImmutability | null | undefined,
  endedAt: string,
  containerVersionLevel: boolean | undefined,
  blobs: BlobPolicy[],
): ImmutabilityFindings {
  const problems: ImmutabilityFindings['problems'] = [];
  const protectedBlobs = blobs.filter((b) => b.mode && b.mode !== 'Mutable');
  const actual = describeActual(protectedBlobs, blobs.length, containerVersionLevel);
  if (!intended) {
    const why =
      intended === null ? 'the drill did not upload it' : 'it was sealed before dr-drill recorded the intended policy';
    return { problems, notes: [`immutability: the sealed report states no policy (${why}); ${actual}`] };
  }
  const want = `${intended.policyMode} for ${days(intended.periodSeconds)} after sealing`;
  const minUntil = Date.parse(endedAt) + intended.periodSeconds * 1000 - ROUNDING_MS;
  for (const b of blobs) {
    if (!b.mode || b.mode === 'Mutable') {
      if (containerVersionLevel === true)
        problems.push({
          file: b.name,
          message: `no immutability policy, though the container has version-level immutability and the sealed report states ${want}: it was removed, or never set`,
        });
      continue;
    }
    if (intended.policyMode === 'Locked' && b.mode !== 'Locked')
      problems.push({
        file: b.name,
        message: `immutability policy ${b.mode}, the sealed report states Locked: the storage account owner can shorten or remove it`,
      });
    if (!b.expiresOn || b.expiresOn.getTime() < minUntil)
      problems.push({
        file: b.name,
        message: `immutability policy ends ${b.expiresOn?.toISOString() ?? 'at no stated time'}, before ${new Date(minUntil + ROUNDING_MS).toISOString()} (sealed ${endedAt} + ${days(intended.periodSeconds)})`,
      });
  }
  const notes: string[] = [];
  if (protectedBlobs.length < blobs.length && containerVersionLevel !== true) {
    notes.push(
      `immutability: the sealed report states ${want}, but the evidence container has no version-level immutability (${containerVersionLevel === false ? 'not enabled on it' : 'the service does not report it: Azurite, or an account without it'}): the uploaded copy is protected only by access control`,
    );
  } else if (!problems.length) {
    notes.push(`immutability: as the sealed report states (${want}); ${actual}`);
  }
  return { problems, notes };
}

function describeActual(protectedBlobs: BlobPolicy[], total: number, versionLevel: boolean | undefined): string {
  if (!protectedBlobs.length)
    return `the ${total} uploaded blob(s) have no immutability policy${versionLevel === true ? '' : ' (the container has no version-level immutability)'}`;
  const modes = [...new Set(protectedBlobs.map((b) => b.mode))].join(', ');
  const ends = protectedBlobs.map((b) => b.expiresOn?.getTime() ?? 0);
  const earliest = new Date(Math.min(...ends)).toISOString();
  const unlockedWords = protectedBlobs.some((b) => b.mode !== 'Locked')
    ? ' (an Unlocked policy can be shortened or removed by the storage account owner)'
    : '';
  return `${protectedBlobs.length} of ${total} blob(s) ${modes} until at least ${earliest}${unlockedWords}`;
}
