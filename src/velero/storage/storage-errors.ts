/**
 * Storage failures as DrillErrors. Unreachable endpoints and refused credentials are infrastructure problems
 * (exit 3); a malformed connection string or URL is an input problem (exit 2). Messages pass through redact()
 * because SDK errors may quote the request URL (with a SAS signature) or the connection string.
 */
import { DrillError, infraError, inputError, isDrillError, describeError } from '../../util/errors.js';
import { redact } from '../../util/redact.js';

// One redaction for the whole tool (util/redact.ts): storage errors used to carry a shorter list of their own.
export { redact };

interface ErrorLike {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  cause?: unknown;
}

const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'REQUEST_SEND_ERROR',
]);

/** HTTP status of an SDK error, if any. */
export function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null ? (e as ErrorLike).statusCode : undefined;
}

/** True for the SDK's "this blob does not exist". */
export function isNotFound(e: unknown): boolean {
  const err = e as ErrorLike;
  return statusOf(e) === 404 && err.code !== 'ContainerNotFound';
}

/** Turn anything a storage call threw into a DrillError naming `where` (already redacted). */
export function storageError(e: unknown, where: string): DrillError {
  if (isDrillError(e)) return e;
  const err = (typeof e === 'object' && e !== null ? e : {}) as ErrorLike;
  const detail = redact(describeError(e)).split('\n')[0] ?? '';
  const status = err.statusCode;
  if (err.code === 'ContainerNotFound') {
    return infraError(
      'STORAGE_CONTAINER_NOT_FOUND',
      `container not found: ${where}`,
      'check --container (Velero BSL objectStorage.bucket) and the storage account',
    );
  }
  if (
    status === 401 ||
    status === 403 ||
    err.name === 'CredentialUnavailableError' ||
    err.name === 'AuthenticationError' ||
    err.name === 'AggregateAuthenticationError'
  ) {
    return infraError(
      'STORAGE_AUTH_FAILED',
      `storage refused the credentials for ${where}: ${detail}`,
      'check the connection string / account key / SAS, or that the signed-in identity has "Storage Blob Data Reader" on the container',
    );
  }
  const code = err.code ?? (err.cause as ErrorLike | undefined)?.code;
  if (
    (code && NETWORK_CODES.has(code)) ||
    err.name === 'AbortError' ||
    /ECONNREFUSED|ENOTFOUND|getaddrinfo|socket hang up/.test(detail)
  ) {
    return infraError(
      'STORAGE_UNREACHABLE',
      `cannot reach storage at ${where}: ${detail}`,
      'check the account URL / BlobEndpoint, DNS, firewall and private endpoint settings',
    );
  }
  return infraError(
    'STORAGE_ERROR',
    `storage request failed for ${where}${status ? ` (HTTP ${status})` : ''}: ${detail}`,
    'retry; if it persists, check the storage account health',
  );
}

/** A malformed connection string or account URL: exit 2. */
export function badStorageOption(what: string, detail: string): DrillError {
  return inputError(
    'STORAGE_BAD_OPTION',
    `${what}: ${redact(detail)}`,
    'give --account-url https://<account>.blob.core.windows.net or --connection-string (or AZURE_STORAGE_CONNECTION_STRING)',
  );
}
