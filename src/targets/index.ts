/** The target registry: one kind, one file. */
import { namespaceTarget } from './namespace.js';
import { clusterTarget } from './cluster.js';
import { aksTarget } from './aks.js';

export const targets = { namespace: namespaceTarget, cluster: clusterTarget, aks: aksTarget } as const;
export type TargetKind = keyof typeof targets;
export type { Target } from './target.js';
