import { WaitAborted } from '../kube/wait.js';
import { SharedWatches } from '../kube/shared-watches.js';
import { probeKind } from '../probes/index.js';
import { runInMode } from '../probes/probe-modes.js';
import { drillLabels } from './context.js';
import type { ProbeResultT } from '../report/schema.js';
import type { DrillContext } from './context.js';
import type { PhaseEnd } from './phase.js';

/**
 * verify: every probe runs concurrently, each under its own timeout; the moment each first passes is recorded
 * against T0. Each result goes into the report tree, where the verdict reads it: a critical probe that failed
 * is a FAIL, one that could not look (permission, API) an ERROR.
 */
export async function runProbes(ctx: DrillContext): Promise<PhaseEnd | void> {
  const { plan, rec } = ctx;
  const target = ctx.target!;
  const restoredNamespaces = Object.values(ctx.namespaceMapping);
  // Probes waiting on the same kind share one list + watch over the restored namespaces (kube/shared-watches.ts).
  const watches = new SharedWatches(target.gateway, restoredNamespaces);
  const results = await Promise.all(
    plan.probes.map(async (p): Promise<ProbeResultT> => {
      const kind = probeKind(p.kind);
      const startMono = rec.now();
      let last: string | null = null;
      // The starts of the last two looks of a polling kind: when it passes, the copy was not yet seen ready at the
      // earlier one, so it became ready after that.
      const looks: number[] = [];
      const probeCtx = {
        gateway: target.gateway,
        mapNamespace: (ns: string) => ctx.namespaceMapping[ns] ?? target.mapNamespace(ns),
        restoredNamespaces,
        watches,
        signal: ctx.signal,
        onObservation: (o: string) => {
          last = o;
          rec.journalEntry('probe-observation', { probe: p.name, observation: o });
        },
        onLook: () => {
          looks.push(rec.now());
          if (looks.length > 2) looks.shift();
        },
        prepared: ctx.prepared?.[p.name],
        drillId: plan.drillId,
        labels: drillLabels(plan),
      };
      const subject = kind.subject(p, probeCtx);
      try {
        let firstPassMono: number | null = null;
        const r = await runInMode(kind, p, probeCtx, p, () => {
          firstPassMono = rec.now();
          if (looks.length) (ctx.detectionLatency ??= {})[p.name] = Math.round(firstPassMono - looks[0]!) / 1000;
        });
        const endMono = rec.now();
        if (
          r.outcome === 'passed' &&
          r.recoveryPoint &&
          (!ctx.canaryRecoveryPoint || r.recoveryPoint < ctx.canaryRecoveryPoint)
        )
          ctx.canaryRecoveryPoint = r.recoveryPoint;
        const result: ProbeResultT = {
          name: p.name,
          kind: p.kind,
          critical: p.critical,
          outcome: r.outcome,
          passedAtSeconds: r.outcome === 'passed' ? rec.sinceT0(firstPassMono ?? endMono) : null,
          durationSeconds: Math.round(endMono - startMono) / 1000,
          subject: r.subject,
          lastObservation: r.observation,
        };
        rec.journalEntry('probe', { ...result });
        rec.event(
          r.outcome === 'passed' ? 'info' : p.critical ? 'error' : 'warn',
          `probe ${p.name} ${r.outcome}: ${r.subject}${r.outcome === 'passed' ? '' : ` — ${r.observation}`}`,
        );
        return result;
      } catch (e) {
        if (e instanceof WaitAborted) {
          rec.journalEntry('probe', { name: p.name, outcome: 'skipped', observation: `interrupted: ${e.observation}` });
          return {
            name: p.name,
            kind: p.kind,
            critical: p.critical,
            outcome: 'skipped',
            passedAtSeconds: null,
            durationSeconds: null,
            subject,
            lastObservation: `interrupted while waiting: ${last ?? e.observation}`,
          };
        }
        throw e;
      }
    }),
  );
  rec.report.probes = results;
  if (ctx.signal.aborted) throw new WaitAborted('probes interrupted');
  // The probes carry their own findings into the verdict; the phase only says that some critical one fell short.
  const short = results.find((r) => r.critical && (r.outcome === 'failed' || r.outcome === 'error'));
  if (short)
    return {
      outcome: 'failed',
      reason: `critical probe ${short.name} ${short.outcome === 'error' ? 'could not run' : 'failed'}`,
      effect: null,
    };
}

/** Probes that never ran are still listed, as skipped, so the report shows what would have been checked. */
export function skippedProbes(ctx: DrillContext, reason: string): ProbeResultT[] {
  return ctx.plan.probes.map((p) => ({
    name: p.name,
    kind: p.kind,
    critical: p.critical,
    outcome: 'skipped' as const,
    passedAtSeconds: null,
    durationSeconds: null,
    subject: safeSubject(ctx, p),
    lastObservation: reason,
  }));
}

function safeSubject(ctx: DrillContext, p: DrillContext['plan']['probes'][number]): string {
  try {
    return probeKind(p.kind).subject(p, {
      mapNamespace: (ns: string) => ctx.namespaceMapping[ns] ?? ctx.target?.mapNamespace(ns) ?? ns,
      restoredNamespaces: Object.values(ctx.namespaceMapping),
    });
  } catch {
    return p.name;
  }
}
