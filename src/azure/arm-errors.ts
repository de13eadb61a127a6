/**
 * ARM failures → DrillError with a code and a hint an operator can act on. ARM's own code (`QuotaExceeded`,
 * `AuthorizationFailed`, …) is kept verbatim in the message: it is what support and search engines know.
 */
import { DrillError, infraError, inputError } from '../util/errors.js';

/** What the SDK gives us: RestError (statusCode, code) for a request, a plain Error for a failed LRO. */
interface ArmFailure {
  status: number | null;
  code: string | null;
  message: string;
}

/** Reads status, ARM code and message from a RestError or a core-lro "long-running operation has failed" Error. */
export function armFailure(e: unknown): ArmFailure {
  const err = e as {
    statusCode?: number;
    code?: string;
    message?: string;
    details?: { error?: { code?: string; message?: string } };
  };
  const message = err?.details?.error?.message ?? err?.message ?? String(e);
  let code = err?.details?.error?.code ?? (typeof err?.code === 'string' ? err.code : null);
  // core-lro throws `The long-running operation has failed. <code>. <message>` when the operation status is Failed.
  const lro = /long-running operation has failed\. ([A-Za-z_]+)\. /.exec(err?.message ?? '');
  if (lro) code = lro[1];
  return { status: typeof err?.statusCode === 'number' ? err.statusCode : null, code, message };
}

/**
 * Maps an ARM failure while acting on `what` (e.g. "create managed cluster rg/name in westeurope").
 * Unknown failures stay infrastructure errors with ARM's code and message.
 */
export function mapArmError(e: unknown, what: string): DrillError {
  if (e instanceof DrillError) return e;
  const f = armFailure(e);
  const arm = `${f.code ?? 'no code'}${f.status ? `, HTTP ${f.status}` : ''}`;
  const text = `${what}: ${firstLine(f.message)} (${arm})`;
  const code = f.code ?? '';
  if (
    code === 'QuotaExceeded' ||
    code === 'ErrCode_InsufficientVCPUQuota' ||
    (code === 'OperationNotAllowed' && /quota/i.test(f.message))
  ) {
    return infraError(
      'AKS_QUOTA_EXCEEDED',
      text,
      'request a vCPU quota increase for the VM family in that region (Azure portal → Quotas), or use a smaller vmSize/count or another location',
    );
  }
  if (
    code === 'SkuNotAvailable' ||
    code === 'VMSizeNotSupported' ||
    code === 'VMSizeNotAvailable' ||
    ((code === 'BadRequest' || code === 'InvalidParameter') && /vm ?size|sku/i.test(f.message))
  ) {
    return inputError(
      'AKS_VM_SIZE_UNAVAILABLE',
      text,
      'pick a VM size offered in that location: az vm list-skus --location <location> --resource-type virtualMachines -o table',
    );
  }
  if (f.status === 412 || code === 'PreconditionFailed') {
    return inputError(
      'AKS_NAME_CONFLICT',
      text,
      'a managed cluster with that name already exists; the drill never takes over a cluster: choose another clusterName or resource group',
    );
  }
  if (
    f.status === 409 ||
    code === 'Conflict' ||
    code === 'OperationNotAllowed' ||
    code === 'AnotherOperationInProgress'
  ) {
    return infraError(
      'AKS_CONFLICT',
      text,
      'another operation holds the resource (or the name is taken): wait for it to finish, or choose another clusterName',
    );
  }
  if (f.status === 429 || code === 'TooManyRequests' || code === 'SubscriptionRequestsThrottled') {
    return infraError(
      'ARM_THROTTLED',
      text,
      'ARM throttled the subscription even after honouring Retry-After; retry later or spread drills over time',
    );
  }
  if (f.status === 403 || code === 'AuthorizationFailed' || code === 'LinkedAuthorizationFailed') {
    return infraError(
      'ARM_AUTHORIZATION_FAILED',
      text,
      'grant the drill identity the role in docs/aks-target.md (Least-privilege Azure access) on the drill resource group; check DR_DRILL_ARM_TOKEN or az login / workload identity',
    );
  }
  if (
    f.status === 401 ||
    code === 'InvalidAuthenticationToken' ||
    code === 'AuthenticationFailed' ||
    code === 'ExpiredAuthenticationToken' ||
    (e as Error)?.name === 'CredentialUnavailableError' ||
    (e as Error)?.name === 'AuthenticationError'
  ) {
    return infraError(
      'ARM_AUTHENTICATION_FAILED',
      text,
      'sign in (az login), configure workload identity / OIDC in CI, or set DR_DRILL_ARM_TOKEN to a valid ARM token',
    );
  }
  if (code === 'ResourceGroupNotFound') {
    return inputError(
      'AZURE_RESOURCE_GROUP_NOT_FOUND',
      text,
      'create the resource group first, or set createResourceGroup: true in the aks target',
    );
  }
  if (code === 'SubscriptionNotFound' || code === 'InvalidSubscriptionId') {
    return inputError(
      'AZURE_SUBSCRIPTION_NOT_FOUND',
      text,
      'check subscriptionId in the aks target (or --subscription)',
    );
  }
  return infraError(
    'ARM_REQUEST_FAILED',
    text,
    'see the ARM code and message; check the Azure activity log of the resource group',
  );
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 500);
}
