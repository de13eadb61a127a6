/**
 * What a drill may delete in Azure. A cluster or resource group is deleted only when this drill run created it
 * (its PUT was accepted, or ARM answered 201 Created) AND, read back just before the DELETE, it still carries this
 * drill's id tag. A name conflict, a 403/429 on a read or a 412 race therefore never lead to a DELETE: the drill
 * made nothing, so it owns nothing. The janitor, which runs without a drill, asks for a dr-drill id tag, an
 * expiry in the past and — where ARM records it — `systemData.createdBy` equal to the identity running it.
 */
import type { SystemData } from '@azure/arm-containerservice';
import type { TokenCredential } from '@azure/core-auth';
import { AKS_TAGS } from '../plan/aks-plan.js';
import { isDrillError } from '../util/errors.js';
import { mapArmError } from './arm-errors.js';
import type { AksClusters, ProvisionedCluster } from './aks-cluster.js';

/** The identity behind an ARM token, as ARM writes it into `systemData.createdBy`. */
export interface ArmIdentity {
  /** Every name ARM may record for this identity: appid/azp (applications, managed identities), oid, upn, email. */
  names: string[];
  /** For messages: the first name, or "unknown". */
  display: string;
}

/** Claims of an access token (JWT payload); null when the token is not a JWT (e.g. a test token). */
export function tokenClaims(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The identity that runs this process, read from the ARM token's claims. Never returns the token itself. */
export async function runnerIdentity(credential: TokenCredential, scope: string): Promise<ArmIdentity> {
  const token = await credential.getToken(scope).catch((e: unknown) => {
    throw mapArmError(e, 'get an ARM token to learn who runs this');
  });
  const claims = token ? tokenClaims(token.token) : null;
  const names = ['appid', 'azp', 'oid', 'upn', 'unique_name', 'email', 'preferred_username']
    .map((k) => claims?.[k])
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
  return { names: [...new Set(names)], display: names[0] ?? 'unknown' };
}

/** Whether ARM says `who` created the resource: true/false, or null when ARM does not say (no systemData). */
export function createdBy(systemData: SystemData | undefined, who: ArmIdentity): boolean | null {
  const by = systemData?.createdBy;
  if (!by) return null;
  return who.names.some((n) => n.toLowerCase() === by.toLowerCase());
}

/** Whether tags mark the resource as this drill's. */
export function taggedFor(tags: Record<string, string> | undefined, drillId: string): boolean {
  return tags?.[AKS_TAGS.drillId] === drillId;
}

/** Why a resource is not deleted; null when it may be. */
export function notOurs(
  what: string,
  found: { tags?: Record<string, string> } | null,
  drillId: string,
  createdByThisRun: boolean,
): string | null {
  if (!createdByThisRun) return `${what} was not created by this drill run: left as it is`;
  if (found && !taggedFor(found.tags, drillId))
    return `${what} does not carry ${AKS_TAGS.drillId}=${drillId}: not this drill's, left as it is`;
  return null;
}

/** What removing a drill's Azure resources did. */
export interface Removal {
  deleted: string[];
  leftBehind: Array<{ object: string; reason: string }>;
  /** Resources found but not the drill's: never deleted, listed so the report says why. */
  notOurs: string[];
}

/**
 * Deletes the cluster and the resource group this run made, each read back first: only what this run created
 * and still carries its drill id tag is deleted. Failures are listed, never thrown: teardown goes on.
 */
export async function removeDrillResources(
  clusters: AksClusters,
  made: ProvisionedCluster,
  opts: { timeoutMs: number; onProgress?: (m: string) => void },
): Promise<Removal> {
  const out: Removal = { deleted: [], leftBehind: [], notOurs: [] };
  const say = opts.onProgress ?? (() => {});
  const cluster = `ManagedCluster ${made.resourceGroup}/${made.name}`;
  const attempt = async (object: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      out.leftBehind.push({ object, reason: isDrillError(e) ? `${e.message} (${e.code})` : String(e) });
    }
  };
  let foreign = false;
  await attempt(cluster, async () => {
    const found = await clusters.getCluster(made.resourceGroup, made.name);
    if (!found) return say(`${cluster} does not exist: nothing to delete`);
    const refusal = notOurs(cluster, found, made.drillId, made.clusterCreated);
    if (refusal) {
      foreign = true;
      return void out.notOurs.push(refusal);
    }
    say(`deleting ${cluster}`);
    await clusters.deleteCluster(made.resourceGroup, made.name);
    out.deleted.push(cluster);
  });
  if (!made.resourceGroupCreated) return out;
  const rg = `ResourceGroup ${made.resourceGroup}`;
  // A resource group goes only with its cluster: deleting it would take a cluster still in it along.
  if (out.leftBehind.length || foreign) {
    out.leftBehind.push({ object: rg, reason: `${cluster} is still in it` });
    return out;
  }
  await attempt(rg, async () => {
    const found = await clusters.getResourceGroup(made.resourceGroup);
    const refusal = notOurs(rg, found, made.drillId, true);
    if (refusal) return void out.notOurs.push(refusal);
    if (!found) return;
    say(`deleting ${rg} (created by the drill)`);
    if (await clusters.deleteResourceGroup(made.resourceGroup, opts.timeoutMs)) out.deleted.push(rg);
    else out.leftBehind.push({ object: rg, reason: 'still deleting at the teardown deadline' });
  });
  return out;
}
