import type { KubeGateway } from './gateway.js';
import type { KubeObject, ObjectQuery } from './types.js';
import { WatchSource, type Subscriber } from './watch-source.js';

/** What a wait reads from: one list + watch (WatchSource), or several namespaced ones read as one. */
export interface ObjectSource {
  objects(s: Pick<Subscriber, 'namespaces' | 'name'>): KubeObject[];
  subscribe(s: Subscriber): () => void;
}

/**
 * A wait over a few namespaces that must not widen to one cluster-wide watch: a namespaced list + watch per
 * namespace, read as one. A cluster-wide watch of Secrets would pull every Secret value of the cluster into this
 * process (to drop all but the drill's), and a role bound per namespace may not list cluster-wide at all.
 * Its subscriber hears nothing until every namespace has been listed, so no verdict judges part of the set.
 */
export class NamespaceUnion implements ObjectSource {
  private readonly members: WatchSource[];

  constructor(gw: KubeGateway, query: ObjectQuery, namespaces: Iterable<string>) {
    this.members = [...new Set(namespaces)].map((namespace) => new WatchSource(gw, { ...query, namespace }));
  }

  objects(s: Pick<Subscriber, 'namespaces' | 'name'>): KubeObject[] {
    return this.members.flatMap((m) => m.objects({ namespaces: null, name: s.name }));
  }

  subscribe(s: Subscriber): () => void {
    const listed = new Set<WatchSource>();
    const leaves = this.members.map((m) =>
      m.subscribe({
        namespaces: null,
        name: s.name,
        changed: () => {
          listed.add(m);
          if (listed.size === this.members.length) s.changed();
        },
        failed: (e) => s.failed(e),
        retrying: (e) => s.retrying(e),
      }),
    );
    // A member that fails synchronously ends the wait; waitOn then calls this, which leaves every member.
    return () => {
      for (const leave of leaves.splice(0)) leave();
    };
  }
}
