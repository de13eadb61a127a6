import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { KubeGateway } from '../kube/gateway.js';
import { waitFor } from '../kube/wait.js';
import { VELERO_API, type BackupStorageLocation, type RestoreResults } from './types.js';
import { bslCaCertPem } from './bsl.js';
import { parseRestoreResults, parseRestoredResourceList, type RestoredItem } from './results.js';
import { artifactLimit, gunzipCapped, tooLarge } from '../util/size-cap.js';

/** Velero's DownloadRequest target kinds: which file of a backup or restore to serve. */
export type DownloadTargetKind =
  | 'RestoreResults'
  | 'RestoreResourceList'
  | 'RestoreLog'
  | 'BackupResourceList'
  | 'BackupResults'
  | 'BackupContents'
  | 'BackupVolumeInfos'
  | 'RestoreVolumeInfo';

/**
 * Reads a Velero artefact the way `velero restore describe` does: a DownloadRequest, Velero signs a URL, we GET
 * it. The CA is the BSL's caCert when it has one (self-signed storage endpoints); TLS is never disabled.
 * The signed URL is a secret: it never reaches an error message or log. The body and what it inflates to are
 * capped (util/size-cap.ts): whoever can write the backup storage decides their size.
 */
export async function downloadArtifact(
  gw: KubeGateway,
  veleroNamespace: string,
  kind: DownloadTargetKind,
  name: string,
  opts: { timeoutMs: number; caCertPem: string | null; labels: Record<string, string>; signal?: AbortSignal },
): Promise<Buffer> {
  const reqName = `${name}-${randomBytes(4).toString('hex')}`.slice(0, 63);
  await gw.create({
    apiVersion: VELERO_API,
    kind: 'DownloadRequest',
    metadata: { name: reqName, namespace: veleroNamespace, labels: opts.labels },
    spec: { target: { kind, name } },
  });
  try {
    const { verdict } = await waitFor<string>(
      gw,
      { apiVersion: VELERO_API, kind: 'DownloadRequest', namespace: veleroNamespace, name: reqName },
      (objs) => {
        const url = (objs[0]?.status as { downloadURL?: string } | undefined)?.downloadURL;
        return url
          ? { state: 'done', observation: 'download URL signed', value: url }
          : { state: 'waiting', observation: `DownloadRequest ${reqName} not processed yet` };
      },
      { timeoutMs: opts.timeoutMs, signal: opts.signal },
    );
    const what = `${kind} of ${name}`;
    const body = await get(verdict.value!, opts.caCertPem, opts.timeoutMs, {
      what,
      limit: artifactLimit(kind === 'BackupContents' ? 'contents' : 'download'),
    });
    return kind === 'RestoreLog' ||
      kind === 'BackupVolumeInfos' ||
      kind === 'RestoreVolumeInfo' ||
      kind.endsWith('ResourceList') ||
      kind.endsWith('Results')
      ? gunzipCapped(body, what, artifactLimit('json'))
      : body;
  } finally {
    await gw
      .delete({ apiVersion: VELERO_API, kind: 'DownloadRequest', namespace: veleroNamespace, name: reqName })
      .catch(() => undefined);
  }
}

/**
 * Whose credentials sign a download URL, which decides the CA to trust for it: a backup's BSL (its Backup is read
 * from the cluster, then the BSL), a BSL known by name, or a CA already looked up. No BSL, no caCert: the system's
 * trust.
 */
export type SignedBy = { backup: string | null } | { storageLocation: string | null } | { caCertPem: string | null };

/** A cluster that serves a backup's (or restore's) files through DownloadRequests, and how long one may take. */
export interface DownloadVia {
  gateway: KubeGateway;
  veleroNamespace: string;
  /** Put on each DownloadRequest, so `dr-drill cleanup` finds one a crash left. */
  labels: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The CA of the BSL (by name) in Velero's namespace; null when it has none or there is no such BSL. */
export async function bslCaCert(
  gw: KubeGateway,
  veleroNamespace: string,
  bslName: string | null,
): Promise<string | null> {
  const bsl = bslName
    ? ((await gw.get({
        apiVersion: VELERO_API,
        kind: 'BackupStorageLocation',
        namespace: veleroNamespace,
        name: bslName,
      })) as BackupStorageLocation | null)
    : null;
  return bslCaCertPem(bsl);
}

async function caOf(via: DownloadVia, signedBy: SignedBy): Promise<string | null> {
  if ('caCertPem' in signedBy) return signedBy.caCertPem;
  if ('storageLocation' in signedBy) return bslCaCert(via.gateway, via.veleroNamespace, signedBy.storageLocation);
  const backup = signedBy.backup
    ? await via.gateway.get({
        apiVersion: VELERO_API,
        kind: 'Backup',
        namespace: via.veleroNamespace,
        name: signedBy.backup,
      })
    : null;
  const bslName = (backup?.spec as { storageLocation?: string } | undefined)?.storageLocation;
  return bslCaCert(via.gateway, via.veleroNamespace, bslName ?? null);
}

/**
 * The one Backup → BSL → CA → DownloadRequest → fetch: one file of a backup or restore (`name`) through a
 * DownloadRequest in `via`, trusting the CA of the BSL that signs it. JSON kinds come back inflated.
 */
export async function downloadFile(
  via: DownloadVia,
  kind: DownloadTargetKind,
  name: string,
  signedBy: SignedBy,
): Promise<Buffer> {
  return downloadArtifact(via.gateway, via.veleroNamespace, kind, name, {
    timeoutMs: via.timeoutMs,
    caCertPem: await caOf(via, signedBy),
    labels: via.labels,
    signal: via.signal,
  });
}

async function downloadJson(via: DownloadVia, kind: DownloadTargetKind, name: string, signedBy: SignedBy) {
  return JSON.parse((await downloadFile(via, kind, name, signedBy)).toString('utf8')) as unknown;
}

/** A restore's warnings and errors (`RestoreResults`) through a DownloadRequest. */
export async function downloadRestoreResults(
  via: DownloadVia,
  restoreName: string,
  signedBy: SignedBy,
): Promise<RestoreResults> {
  return parseRestoreResults(await downloadJson(via, 'RestoreResults', restoreName, signedBy));
}

/** What a restore did to each object (`RestoreResourceList`) through a DownloadRequest; throws on a list that does not read. */
export async function downloadRestoredItems(
  via: DownloadVia,
  restoreName: string,
  signedBy: SignedBy,
): Promise<RestoredItem[]> {
  return parseRestoredResourceList(await downloadJson(via, 'RestoreResourceList', restoreName, signedBy));
}

/** A backup's warnings and errors (`BackupResults`, the same shape as a restore's) through a DownloadRequest. */
export async function downloadBackupResults(
  via: DownloadVia,
  backupName: string,
  signedBy: SignedBy,
): Promise<RestoreResults> {
  return parseRestoreResults(await downloadJson(via, 'BackupResults', backupName, signedBy));
}

/**
 * Deletes the DownloadRequests (in every namespace) matching a label selector; each is best-effort, as they expire
 * on their own.
 */
export async function deleteDownloadRequests(gw: KubeGateway, labelSelector: string): Promise<void> {
  for (const d of (await gw.list({ apiVersion: VELERO_API, kind: 'DownloadRequest', labelSelector })).items) {
    await gw
      .delete({
        apiVersion: VELERO_API,
        kind: 'DownloadRequest',
        namespace: d.metadata.namespace,
        name: d.metadata.name,
      })
      .catch(() => undefined);
  }
}

function get(url: string, ca: string | null, timeoutMs: number, cap: { what: string; limit: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const fn = u.protocol === 'http:' ? httpRequest : request;
    const req = fn(u, { method: 'GET', timeout: timeoutMs, ...(ca ? { ca } : {}) }, (res) => {
      const declared = Number(res.headers['content-length']);
      if (declared > cap.limit) {
        req.destroy();
        return reject(tooLarge(cap.what, cap.limit, 'is larger than'));
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (c: unknown) => {
        total += (c as Buffer).length;
        if (total > cap.limit) {
          req.destroy();
          reject(tooLarge(cap.what, cap.limit, 'is larger than'));
        } else chunks.push(c as Buffer);
      });
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300)
          reject(
            new Error(
              `storage answered ${res.statusCode} for the signed download URL of ${u.pathname.split('/').pop()}`,
            ),
          );
        else resolve(Buffer.concat(chunks));
      });
      res.on('error', reject);
    });
    // The storage is named by origin and container only: the query holds the signature, the path the file name.
    const storage = `${u.origin}${u.pathname.split('/').slice(0, -1).join('/')}`;
    req.on('timeout', () => req.destroy(new Error('download timed out')));
    req.on('error', (e) =>
      reject(new Error(`reading ${cap.what} from the backup storage ${storage} failed: ${e.message}`)),
    );
    req.end();
  });
}
