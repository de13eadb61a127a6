/**
 * One kube-context convention for every command, kubectl's: a global `--context` names the cluster. Commands that
 * touch one cluster (cleanup, manifest take) use it as is. plan and run restore from a source into a target:
 * `--context` sets both when the scenario restores within one cluster (a namespace target, or a target that
 * follows the source), and `--source-context` / `--target-context` name each of two clusters. `--context` alone
 * on a two-cluster scenario would be a guess, so it is refused (exit 2) with the two flags to use instead.
 */
import { inputError } from '../util/errors.js';
import type { DrillPlan } from '../plan/types.js';

/** The kube context flags: one --context, or --source-context and --target-context. */
export interface ContextFlags {
  context?: string;
  'source-context'?: string;
  'target-context'?: string;
}

/** The two-cluster flags, declared once for plan and run. */
export const twoClusterOptions = {
  'source-context': {
    type: 'string',
    describe: "Override the scenario's source kube context (two clusters; --context names one)",
  },
  'target-context': { type: 'string', describe: "Override the scenario's target kube context (two clusters)" },
} as const;

/** Applies the context flags to a compiled plan (in place), or throws an input error for an ambiguous --context. */
export function applyContextFlags(plan: DrillPlan, flags: ContextFlags): void {
  const { context } = flags;
  const source = flags['source-context'] ?? context;
  const target = flags['target-context'];
  // A target without a context of its own, or with the source's, follows the source; an AKS target is the drill's.
  const followsSource =
    plan.target.kind === 'aks' ||
    plan.target.kubeContext === null ||
    plan.target.kubeContext === plan.source.kubeContext;
  if (context !== undefined && target === undefined && flags['source-context'] === undefined && !followsSource) {
    throw inputError(
      'CONTEXT_AMBIGUOUS',
      `--context names one cluster, but this scenario restores from context ${plan.source.kubeContext ?? '(current)'} into context ${plan.target.kubeContext}`,
      'name both with --source-context and --target-context',
    );
  }
  // A target that names the source's context by name moves with --context (one cluster, named once).
  if (context !== undefined && target === undefined && plan.target.kind !== 'aks' && plan.target.kubeContext !== null)
    if (plan.target.kubeContext === plan.source.kubeContext) plan.target.kubeContext = context;
  if (source !== undefined) plan.source.kubeContext = source;
  if (target !== undefined) plan.target.kubeContext = target;
}

/**
 * The contexts a drill of this plan needs before it starts: the source's (unless the backup is read from storage
 * alone) and the target's (unless the drill creates the target: an AKS cluster, or a provision hook's kubeconfig).
 */
export function contextsNeeded(plan: DrillPlan): (string | null)[] {
  const out: (string | null)[] = [];
  if (!plan.storage?.selectBackup) out.push(plan.source.kubeContext);
  const created = plan.target.kind === 'aks' || (plan.hooks ?? []).some((h) => h.at === 'provision');
  if (!created) out.push(plan.target.kubeContext ?? plan.source.kubeContext);
  return out;
}
