/** The target registry: one kind, one file. */
import { namespaceTarget } from './namespace.js';
import { clusterTarget } from './cluster.js';

export const targets = { namespace: namespaceTarget, cluster: clusterTarget } as const;
export type TargetKind = keyof typeof targets;
export type { Target } from './target.js';
