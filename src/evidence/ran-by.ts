/**
 * Who ran a drill, as the systems it used saw it: the user each cluster's API server authenticated (a
 * SelfSubjectReview) and the Azure principals behind its ARM, storage and upload credentials. Recorded in the
 * sealed report, so an auditor reads who acted, not only which key signed. Asking never fails the drill: an
 * identity that cannot be read is recorded with the reason.
 */
import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';
import type { KubeGateway } from '../kube/gateway.js';
import type { DrillPlan, StorageAuthPlan } from '../plan/types.js';
import type { Report } from '../report/schema.js';
import { armSettings } from '../azure/arm.js';
import { runnerIdentity } from '../azure/ownership.js';
import { describeError } from '../util/errors.js';

type RanBy = NonNullable<Report['evidence']['ranBy']>;
/** Who the drill ran as in one cluster (evidence.ranBy.kube[]). */
export type KubeRanBy = RanBy['kube'][number];
/** Who the drill ran as in Azure (evidence.ranBy.azure[]). */
export type AzureRanBy = RanBy['azure'][number];

/** A token request that hangs (IMDS on a laptop) must not hold the seal. */
const TOKEN_TIMEOUT_MS = 15_000;
const STORAGE_SCOPE = 'https://storage.azure.com/.default';

/** The identity one cluster's API server sees; null when the gateway cannot ask (in-memory gateways). */
export async function kubeIdentity(gw: KubeGateway, cluster: 'source' | 'target'): Promise<KubeRanBy | null> {
  if (!gw.whoAmI) return null;
  try {
    const who = await gw.whoAmI();
    return { cluster, context: gw.context, user: who.user || null, groups: who.groups, error: null };
  } catch (e) {
    return { cluster, context: gw.context, user: null, groups: [], error: describeError(e) };
  }
}

/** The Azure identities the plan signs in with: ARM for an AKS target, the backup storage, the evidence upload. */
export async function azureIdentities(plan: DrillPlan, env: NodeJS.ProcessEnv = process.env): Promise<AzureRanBy[]> {
  const out: AzureRanBy[] = [];
  if (plan.target.aks) {
    try {
      const arm = armSettings(env);
      out.push(
        await tokenIdentity(
          'arm',
          arm.staticToken ? 'DR_DRILL_ARM_TOKEN' : 'DefaultAzureCredential',
          arm.credential,
          arm.scope,
        ),
      );
    } catch (e) {
      out.push({ use: 'arm', credential: 'unknown', principal: null, error: describeError(e) });
    }
  }
  if (plan.storage) out.push(await storageIdentity('storage', plan.storage.auth));
  if (plan.report.upload) out.push(await storageIdentity('evidence-upload', plan.report.upload.auth));
  return out;
}

async function storageIdentity(use: AzureRanBy['use'], auth: StorageAuthPlan): Promise<AzureRanBy> {
  if (auth.kind === 'default-credential')
    return tokenIdentity(use, 'DefaultAzureCredential', new DefaultAzureCredential(), STORAGE_SCOPE);
  return { use, ...connectionStringIdentity(auth.connectionString.reveal()), error: null };
}

/**
 * A connection string names an account and carries its key or a SAS: the principal is "whoever holds that
 * secret", which is all the storage service knows too. Only the account name and the kind leave this function.
 */
export function connectionStringIdentity(text: string): { credential: string; principal: string | null } {
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) fields.set(part.slice(0, i).trim().toLowerCase(), part.slice(i + 1).trim());
  }
  const account = fields.get('accountname') ?? hostAccount(fields.get('blobendpoint'));
  if (fields.has('sharedaccesssignature'))
    return { credential: 'connection string (SAS)', principal: account ? `SAS for account ${account}` : null };
  return {
    credential: 'connection string (shared key)',
    principal: account ? `shared key of account ${account}` : null,
  };
}

function hostAccount(endpoint: string | undefined): string | null {
  if (!endpoint) return null;
  try {
    const u = new URL(endpoint);
    const host = /^([a-z0-9]+)\.blob\./.exec(u.hostname);
    // Azurite and emulators put the account in the path: http://127.0.0.1:10000/devstoreaccount1.
    return host ? host[1]! : u.pathname.split('/')[1] || null;
  } catch {
    return null;
  }
}

async function tokenIdentity(
  use: AzureRanBy['use'],
  credential: string,
  cred: TokenCredential,
  scope: string,
): Promise<AzureRanBy> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const who = await Promise.race([
      runnerIdentity(cred, scope),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no token within ${TOKEN_TIMEOUT_MS / 1000} s`)), TOKEN_TIMEOUT_MS);
      }),
    ]);
    return who.names.length
      ? { use, credential, principal: who.names.join(' / '), error: null }
      : { use, credential, principal: null, error: 'the token names no principal (not a JWT)' };
  } catch (e) {
    return { use, credential, principal: null, error: describeError(e) };
  } finally {
    clearTimeout(timer);
  }
}
