/**
 * One drill per scenario at a time, whoever starts it (CronJob, Actions matrix, `watch`, a person): a
 * coordination.k8s.io/v1 Lease per scenario in the cluster the drill restores into (the source cluster when the
 * target is an AKS cluster that does not exist yet), in its Velero namespace. Taken before the drill's first
 * write, renewed while it runs, released at the end; a crashed runner's lease expires after its duration.
 * Taking it is optimistic: create (409: someone else was first), or take over an expired one with its
 * resourceVersion as a precondition, so two starts can never both hold it.
 */
import { hostname } from 'node:os';
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject, ObjectRef } from '../kube/types.js';
import { isConflict, isNotFound } from '../kube/errors.js';
import type { DrillPlan } from '../plan/types.js';
import { infraError } from '../util/errors.js';

const API = 'coordination.k8s.io/v1';
/** Long enough to ride out an API server hiccup, short enough that a crashed runner blocks nobody for long. */
export const LEASE_SECONDS = 60;

/** Where a scenario's lease lives. */
export interface LeaseLocation {
  context: string | null;
  ref: ObjectRef;
}

/** `dr-drill-<scenario>`, a valid object name whatever the scenario name (lower-case, at most 253). */
export function leaseName(scenario: string): string {
  const clean = scenario
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return `dr-drill-${clean || 'scenario'}`.slice(0, 253);
}

export function leaseLocation(plan: DrillPlan): LeaseLocation {
  // A target that may not exist before the drill (a fresh AKS cluster, or one a provision hook creates or hands
  // back) cannot hold the lock that must be taken before the drill's first write: the source cluster holds it.
  const inSource = plan.target.kind === 'aks' || Boolean(plan.hooks?.some((h) => h.at === 'provision' || h.produces));
  const context = inSource ? plan.source.kubeContext : (plan.target.kubeContext ?? plan.source.kubeContext);
  const namespace = inSource ? plan.source.veleroNamespace : plan.target.veleroNamespace;
  return { context, ref: { apiVersion: API, kind: 'Lease', namespace, name: leaseName(plan.scenario.name) } };
}

/** MicroTime as the API server writes it. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface Holder {
  identity: string;
  renewedAt: number;
  durationSeconds: number;
}

function holderOf(lease: KubeObject): Holder | null {
  const spec = lease.spec ?? {};
  if (!spec.holderIdentity) return null;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  return {
    identity: String(spec.holderIdentity),
    renewedAt: Number.isNaN(renewed) ? 0 : renewed,
    durationSeconds: Number(spec.leaseDurationSeconds ?? LEASE_SECONDS),
  };
}

function expired(h: Holder, now: number): boolean {
  return now > h.renewedAt + h.durationSeconds * 1000;
}

/** Who holds a scenario's Lease, how long to wait for another drill of it, and who hears a failed renewal. */
export interface LeaseOptions {
  /** Who is drilling: `<drillId> on <host>` by default. */
  identity: string;
  /** How long to wait for another drill of the scenario to end; 0: fail at once. */
  waitMs: number;
  now?: () => number;
  signal?: AbortSignal;
  /** A renewal that failed or found the lease taken: the drill goes on, the operator is told. */
  onWarning?: (message: string) => void;
}

/** A held lease: `release()` ends it (idempotent). */
export interface HeldLease {
  ref: ObjectRef;
  identity: string;
  release(): Promise<void>;
}

export function defaultIdentity(drillId: string): string {
  return `drill ${drillId} on ${hostname()} (pid ${process.pid})`;
}

/**
 * Takes the scenario's lease, waiting up to `waitMs` for the current holder to release it or let it expire.
 * Throws SCENARIO_LOCKED (exit 3) naming the holder when it cannot.
 */
export async function acquireScenarioLease(gw: KubeGateway, plan: DrillPlan, opts: LeaseOptions): Promise<HeldLease> {
  const { ref } = leaseLocation(plan);
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.waitMs;
  for (;;) {
    const t = now();
    const spec = {
      holderIdentity: opts.identity,
      leaseDurationSeconds: LEASE_SECONDS,
      acquireTime: microTime(new Date(t)),
      renewTime: microTime(new Date(t)),
    };
    const current = await gw.get(ref);
    let holder: Holder | null = null;
    try {
      if (!current) {
        await gw.create({
          apiVersion: API,
          kind: 'Lease',
          metadata: {
            name: ref.name,
            namespace: ref.namespace,
            labels: {
              'app.kubernetes.io/managed-by': 'dr-drill',
              'dr-drill.io/scenario': labelValue(plan.scenario.name),
            },
          },
          spec,
        });
        return held(gw, ref, opts);
      }
      holder = holderOf(current);
      if (!holder || expired(holder, t)) {
        // The resourceVersion makes this a compare-and-swap: a concurrent taker gets 409.
        await gw.mergePatch(ref, {
          metadata: { resourceVersion: current.metadata.resourceVersion },
          spec: { ...spec, leaseTransitions: Number(current.spec?.leaseTransitions ?? 0) + 1 },
        });
        return held(gw, ref, opts);
      }
    } catch (e) {
      if (!isConflict(e)) throw e;
      // Someone else took it between our read and our write: read again.
      continue;
    }
    if (now() >= deadline || opts.signal?.aborted) {
      throw infraError(
        'SCENARIO_LOCKED',
        `scenario ${plan.scenario.name} is already being drilled by ${holder.identity} (Lease ${ref.namespace}/${ref.name}, renewed ${new Date(holder.renewedAt).toISOString()}, expires unless renewed within ${holder.durationSeconds}s)`,
        opts.waitMs > 0
          ? 'the other drill did not end in time: raise --wait-lock, or check the holder'
          : 'wait for it to end, or pass --wait-lock <duration> to queue behind it',
      );
    }
    await changeOrExpiry(
      gw,
      ref,
      current.metadata.resourceVersion ?? '',
      Math.min(deadline, expiryOf(holder)) - now(),
      opts.signal,
    );
  }
}

function expiryOf(h: Holder): number {
  return h.renewedAt + h.durationSeconds * 1000 + 1000;
}

function labelValue(s: string): string {
  return s
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** Resolves when the lease changes (released, deleted, renewed) or after `ms` (its expiry): a watch, not a poll. */
async function changeOrExpiry(
  gw: KubeGateway,
  ref: ObjectRef,
  rv: string,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  await new Promise<void>((resolve) => {
    let done = false;
    let handle: { stop(): void } | null = null;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      handle?.stop();
      resolve();
    };
    const timer = setTimeout(finish, Math.max(0, ms));
    signal?.addEventListener('abort', finish);
    gw.watch(
      { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, name: ref.name },
      rv,
      () => finish(),
      () => finish(),
    ).then(
      (h) => {
        handle = h;
        if (done) h.stop();
      },
      () => finish(),
    );
  });
}

function held(gw: KubeGateway, ref: ObjectRef, opts: LeaseOptions): HeldLease {
  const now = opts.now ?? Date.now;
  let released = false;
  // Renewed at a third of its duration: two renewals may fail before another runner could take it.
  const timer = setInterval(
    () => {
      void gw
        .get(ref)
        .then(async (l) => {
          if (released) return;
          if (l?.spec?.holderIdentity !== opts.identity) {
            opts.onWarning?.(
              `the lease ${ref.namespace}/${ref.name} is no longer held by this drill (${l?.spec?.holderIdentity ?? 'deleted'})`,
            );
            return;
          }
          await gw.mergePatch(ref, {
            metadata: { resourceVersion: l.metadata.resourceVersion },
            spec: { renewTime: microTime(new Date(now())) },
          });
        })
        .catch((e: unknown) =>
          opts.onWarning?.(
            `renewing the lease ${ref.namespace}/${ref.name} failed: ${String((e as Error).message ?? e)}`,
          ),
        );
    },
    (LEASE_SECONDS * 1000) / 3,
  );
  timer.unref();
  return {
    ref,
    identity: opts.identity,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      try {
        const l = await gw.get(ref);
        if (l?.spec?.holderIdentity !== opts.identity) return;
        await gw.mergePatch(ref, {
          metadata: { resourceVersion: l.metadata.resourceVersion },
          spec: { holderIdentity: null, renewTime: null, acquireTime: null },
        });
      } catch (e) {
        // Not releasing only delays the next drill until the lease expires.
        if (!isNotFound(e) && !isConflict(e))
          opts.onWarning?.(`releasing the lease failed: ${String((e as Error).message ?? e)}`);
      }
    },
  };
}

/**
 * Runs `fn` holding the scenario's lease; released whatever `fn` does. Another drill holding it is SCENARIO_LOCKED
 * (thrown, nothing written). When the Lease API itself fails (cluster unreachable, RBAC without leases), the drill
 * goes on with a warning: it meets the same failure in its first phase and ends ERROR with a full report, which
 * is better evidence than a bare error here.
 */
export async function withScenarioLease<T>(
  gw: KubeGateway,
  plan: DrillPlan,
  opts: LeaseOptions,
  fn: () => Promise<T>,
): Promise<T> {
  let lease: HeldLease | null = null;
  try {
    lease = await acquireScenarioLease(gw, plan, opts);
  } catch (e) {
    if ((e as { code?: string }).code === 'SCENARIO_LOCKED') throw e;
    opts.onWarning?.(
      `could not take the scenario's Lease (${String((e as Error).message ?? e)}); drilling without the one-drill-per-scenario guard (deploy/rbac/drill-runner.yaml grants leases)`,
    );
  }
  try {
    return await fn();
  } finally {
    await lease?.release();
  }
}
