/**
 * Whoever can write the evidence container decides how big its blobs are: `report verify --container` and
 * `report history --container` read them with the same ceilings as files read back from a local folder
 * (util/capped-read.ts), never more than the size the service declared.
 */
import type { BlobClient } from '@azure/storage-blob';

/** A blob's immutability policy as the service reports it (none: mode undefined or "Mutable"). */
export interface BlobImmutability {
  mode: string | null;
  expiresOn: Date | null;
}

/** A blob read within a size limit, or its size when it is larger. */
export type CappedBlob =
  | { ok: true; bytes: Buffer; metadata: Record<string, string>; immutability: BlobImmutability }
  | { ok: false; size: number };

export async function downloadBlobCapped(blob: BlobClient, limit: number): Promise<CappedBlob> {
  const props = await blob.getProperties();
  const size = props.contentLength ?? 0;
  if (size > limit) return { ok: false, size };
  // count: the read stops at the declared size even if the blob is replaced meanwhile by a larger one.
  const bytes = size === 0 ? Buffer.alloc(0) : await blob.downloadToBuffer(0, size);
  return {
    ok: true,
    bytes,
    metadata: props.metadata ?? {},
    immutability: { mode: props.immutabilityPolicyMode ?? null, expiresOn: props.immutabilityPolicyExpiresOn ?? null },
  };
}

/** The per-file ceiling for a downloaded report file, and how many files one uploaded folder may have. */
export const UPLOADED_LIMITS = { file: 64 << 20, files: 100 } as const;
