/**
 * A tiny simulated Velero server over a MemoryGateway, for engine tests only (the real proof is the e2e tier
 * against real Velero). It does what the engine depends on, in Velero's words:
 * - a Restore goes New → InProgress (startTimestamp, finalizer) → a terminal phase, and the objects it restores
 *   appear in the mapped namespaces, labelled velero.io/restore-name, workloads with a ready status;
 * - a Restore being deleted loses its finalizer — unless Velero is `down`;
 * - a DownloadRequest gets a signed URL served by a local HTTP server (gzip JSON results and resource list);
 * - a Backup created by the drill completes with timestamps.
 * Steps are spaced `stepMs` apart (0: next tick). When `down`, it does nothing at all.
 */
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { archiveItemPath } from '../../src/velero/storage-layout.js';
import { groupOf, resourceOf } from '../../src/velero/restore-reach.js';
import type { AddressInfo } from 'node:net';
import type { KubeObject, ObjectRef } from '../../src/kube/types.js';
import { LABEL_BACKUP_NAME, LABEL_RESTORE_NAME, LABEL_SCHEDULE_NAME, validLabelValue } from '../../src/velero/names.js';
import type { RestoreResults, RestoreTerminalPhase, VeleroRestore } from '../../src/velero/types.js';
import type { MemoryGateway } from './memory-gateway.js';

export const RESTORE_FINALIZER = 'restores.velero.io/external-resources-finalizer';
const API = 'velero.io/v1';

export interface RestoreBehaviour {
  phase: RestoreTerminalPhase;
  errors: number;
  warnings: number;
  failureReason?: string;
  validationErrors?: string[];
  /** The results file (restore-<name>-results.gz). */
  results: RestoreResults;
}

export interface VeleroSimOptions {
  namespace?: string;
  /** What every backup holds: objects as they were in the source cluster. */
  content?: KubeObject[];
  /** Milliseconds between a restore's (or backup's) steps. */
  stepMs?: number;
  /** Workloads (by name) that never become ready once restored. */
  unready?: string[];
  restore?: Partial<RestoreBehaviour>;
  /** How a backup the drill takes ends (default Completed, no errors); its results file is `<b>-results.gz`. */
  backup?: { phase: 'Completed' | 'PartiallyFailed'; errors: number; results: RestoreResults };
  /** `<backup>-volumeinfo.json.gz` of every backup (BackupVolumeInfo entries); absent: the file does not exist. */
  volumeInfos?: Array<{ pvName: string; backupMethod: string }>;
}

const noMessages = () => ({ velero: [], cluster: [], namespaces: {} });

/** Velero writes timestamps with second precision. */
export function veleroTime(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export class VeleroSim {
  /** Velero is down: nothing is processed, finalizers stay. */
  down = false;
  /** The backup storage is down: signed URLs are still handed out (signing needs no storage), downloads are reset. */
  storageDown = false;
  readonly namespace: string;
  readonly restoresSeen: string[] = [];
  private readonly artifacts = new Map<string, unknown>();
  private server: Server | null = null;
  private port = 0;
  private unsubscribe: (() => void) | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private tarball: Buffer = Buffer.alloc(0);

  /** `<backup>-resource-list.json.gz`: every object of `content`, keyed `<apiVersion>/<Kind>`. */
  private backupList(): Record<string, string[]> {
    const list: Record<string, string[]> = {};
    for (const o of this.opts.content ?? [])
      (list[`${o.apiVersion}/${o.kind}`] ??= []).push(
        o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name,
      );
    return list;
  }

  constructor(
    private readonly gw: MemoryGateway,
    private readonly opts: VeleroSimOptions = {},
  ) {
    this.namespace = opts.namespace ?? 'velero';
  }

  /** Starts the download server and the controller; creates Velero's namespace and an Available default BSL. */
  async start(): Promise<this> {
    this.tarball = await tarballOf(this.opts.content ?? []);
    this.server = createServer((req, res) => {
      if (this.storageDown) {
        req.socket.destroy();
        return;
      }
      const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
      const kind = key.split('/')[0]!;
      const body = this.artifacts.has(key)
        ? gzipSync(JSON.stringify(this.artifacts.get(key)))
        : kind === 'BackupContents'
          ? this.tarball
          : kind === 'BackupResourceList'
            ? gzipSync(JSON.stringify(this.backupList()))
            : kind === 'BackupVolumeInfos' && this.opts.volumeInfos
              ? gzipSync(JSON.stringify(this.opts.volumeInfos))
              : null;
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    if (!this.gw.peek({ apiVersion: 'v1', kind: 'Namespace', name: this.namespace })) {
      this.gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } });
    }
    this.gw.put({
      apiVersion: API,
      kind: 'BackupStorageLocation',
      metadata: { name: 'default', namespace: this.namespace },
      spec: {
        provider: 'azure',
        default: true,
        objectStorage: { bucket: 'velero', prefix: 'prod' },
        config: { storageAccount: 'drsa' },
      },
      status: { phase: 'Available' },
    });
    this.unsubscribe = this.gw.subscribe((type, o) => this.observe(type, o));
    return this;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A backup as a schedule (or a person) made it, started `ageMs` before now. */
  seedBackup(
    name: string,
    o: { ageMs: number; schedule?: string; phase?: string; includedNamespaces?: string[]; now?: Date },
  ): KubeObject {
    const start = new Date((o.now ?? new Date()).getTime() - o.ageMs);
    return this.gw.put({
      apiVersion: API,
      kind: 'Backup',
      metadata: {
        name,
        namespace: this.namespace,
        labels: o.schedule ? { [LABEL_SCHEDULE_NAME]: validLabelValue(o.schedule) } : {},
      },
      spec: { includedNamespaces: o.includedNamespaces ?? ['payments'], storageLocation: 'default', ttl: '720h0m0s' },
      status: {
        phase: o.phase ?? 'Completed',
        startTimestamp: veleroTime(start),
        completionTimestamp: veleroTime(new Date(start.getTime() + Math.min(60_000, o.ageMs / 2))),
      },
    });
  }

  /** A file Velero would have written, served to DownloadRequests as `<kind>/<name>` (e.g. BackupVolumeInfos/b1). */
  putArtifact(kind: string, name: string, value: unknown): void {
    this.artifacts.set(`${kind}/${name}`, value);
  }

  private observe(type: string, o: KubeObject): void {
    if (this.down || o.metadata.namespace !== this.namespace || type === 'DELETED') return;
    const ref: ObjectRef = { apiVersion: API, kind: o.kind!, namespace: this.namespace, name: o.metadata.name };
    if (o.kind === 'Restore' && o.metadata.deletionTimestamp)
      return this.later(() =>
        this.gw.update(
          ref,
          (r) => void (r.metadata.finalizers = (r.metadata.finalizers ?? []).filter((f) => f !== RESTORE_FINALIZER)),
        ),
      );
    if (type !== 'ADDED') return;
    if (o.kind === 'Restore') return this.runRestore(o as VeleroRestore);
    if (o.kind === 'Backup' && !o.status?.phase) return this.runBackup(ref);
    if (o.kind === 'ServerStatusRequest') {
      return this.later(() =>
        this.gw.update(
          ref,
          (r) =>
            void (r.status = {
              phase: 'Processed',
              serverVersion: 'v1.17.2-sim',
              processedTimestamp: veleroTime(new Date()),
              plugins: [],
            }),
        ),
      );
    }
    if (o.kind === 'DownloadRequest') {
      const target = (o.spec as { target: { kind: string; name: string } }).target;
      return this.later(() =>
        this.gw.update(
          ref,
          (d) =>
            void (d.status = {
              phase: 'Processed',
              downloadURL: `http://127.0.0.1:${this.port}/${target.kind}/${target.name}?sig=secret`,
              expiration: veleroTime(new Date(Date.now() + 600_000)),
            }),
        ),
      );
    }
  }

  /** Runs `fn` after stepMs, unless Velero has gone down meanwhile. */
  private later(fn: () => void, steps = 1): void {
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        if (!this.down) fn();
      },
      (this.opts.stepMs ?? 0) * steps,
    );
    this.timers.add(t);
  }

  private runBackup(ref: ObjectRef): void {
    const start = veleroTime(new Date());
    this.later(() =>
      this.gw.update(ref, (b) => {
        b.spec = { storageLocation: 'default', ...b.spec };
        b.status = { phase: 'InProgress', startTimestamp: start };
      }),
    );
    const end = this.opts.backup ?? { phase: 'Completed', errors: 0, results: null };
    if (end.results) this.artifacts.set(`BackupResults/${ref.name}`, end.results);
    this.later(
      () =>
        this.gw.update(
          ref,
          (b) =>
            void (b.status = {
              ...b.status,
              phase: end.phase,
              completionTimestamp: veleroTime(new Date()),
              ...(end.errors ? { errors: end.errors } : {}),
            }),
        ),
      2,
    );
  }

  private runRestore(r: VeleroRestore): void {
    const name = r.metadata.name;
    const ref: ObjectRef = { apiVersion: API, kind: 'Restore', namespace: this.namespace, name };
    this.restoresSeen.push(name);
    const b: RestoreBehaviour = {
      phase: 'Completed',
      errors: 0,
      warnings: 0,
      results: { warnings: noMessages(), errors: noMessages() },
      ...this.opts.restore,
    };
    const backupName = (r.spec as { backupName: string }).backupName;
    this.later(() => {
      const backup = this.gw.peek({ apiVersion: API, kind: 'Backup', namespace: this.namespace, name: backupName });
      const validationErrors =
        b.phase === 'FailedValidation'
          ? (b.validationErrors ?? ['invalid'])
          : !backup
            ? [`backup "${backupName}" not found`]
            : null;
      if (validationErrors) {
        this.gw.update(ref, (x) => void (x.status = { phase: 'FailedValidation', validationErrors }));
        return;
      }
      this.gw.update(ref, (x) => {
        x.metadata.finalizers = [...(x.metadata.finalizers ?? []), RESTORE_FINALIZER];
        x.status = { phase: 'InProgress', startTimestamp: veleroTime(new Date()) };
      });
      this.later(() => {
        const list = b.phase === 'Failed' ? {} : this.restoreObjects(r, backupName);
        const items = Object.values(list).flat().length;
        this.artifacts.set(`RestoreResourceList/${name}`, list);
        this.artifacts.set(`RestoreResults/${name}`, b.results);
        this.gw.update(
          ref,
          (x) =>
            void (x.status = {
              ...x.status,
              phase: b.phase,
              completionTimestamp: veleroTime(new Date()),
              warnings: b.warnings,
              errors: b.errors,
              progress: { totalItems: items, itemsRestored: items },
              ...(b.failureReason ? { failureReason: b.failureReason } : {}),
            }),
        );
      });
    });
  }

  /** The rules of the Restore's resource-modifier ConfigMap (spec.resourceModifier), as Velero reads them. */
  private modifierRules(r: VeleroRestore): SimModifierRule[] {
    const ref = (r.spec as { resourceModifier?: { name: string } }).resourceModifier;
    if (!ref) return [];
    const cm = this.gw.peek({ apiVersion: 'v1', kind: 'ConfigMap', namespace: r.metadata.namespace, name: ref.name });
    const data = Object.values((cm?.data ?? {}) as Record<string, string>);
    if (data.length !== 1) throw new Error(`illegal resource modifiers configmap ${ref.name}`);
    return (JSON.parse(data[0]!) as { resourceModifierRules: SimModifierRule[] }).resourceModifierRules;
  }

  /** Creates the backup's objects in the target as Velero would; returns the resource list Velero writes. */
  private restoreObjects(r: VeleroRestore, backupName: string): Record<string, string[]> {
    const spec = r.spec as { includedNamespaces?: string[]; namespaceMapping?: Record<string, string> };
    const mapping = spec.namespaceMapping ?? {};
    const list: Record<string, string[]> = {};
    const note = (o: KubeObject, action: string) => {
      const k = `${o.apiVersion}/${o.kind}`;
      (list[k] ??= []).push(`${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}(${action})`);
    };
    const labels = {
      [LABEL_RESTORE_NAME]: validLabelValue(r.metadata.name),
      [LABEL_BACKUP_NAME]: validLabelValue(backupName),
    };
    const excluded = (r.spec as { excludedResources?: string[] }).excludedResources ?? [];
    const rules = this.modifierRules(r);
    for (const item of this.opts.content ?? []) {
      const ns = item.metadata.namespace;
      if (ns && spec.includedNamespaces?.length && !spec.includedNamespaces.includes(ns)) continue;
      const gr = groupResource(item);
      if (excluded.some((x) => x === gr || x === resourceOf(item.kind!))) continue;
      // Velero applies resource modifiers to the item before it remaps the namespace (restore.go).
      const src = applyModifiers(item, gr, rules);
      const target = ns ? (mapping[ns] ?? ns) : undefined;
      if (target && !this.gw.peek({ apiVersion: 'v1', kind: 'Namespace', name: target })) {
        const created = this.gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: target, labels } });
        note(created, 'created');
      }
      const copy: KubeObject = structuredClone({
        ...src,
        metadata: {
          ...src.metadata,
          // A Namespace item is restored under its mapped name.
          name: src.kind === 'Namespace' ? (mapping[src.metadata.name] ?? src.metadata.name) : src.metadata.name,
          namespace: target,
          uid: undefined,
          resourceVersion: undefined,
          creationTimestamp: undefined,
        },
      });
      const existingRef = {
        apiVersion: copy.apiVersion!,
        kind: copy.kind!,
        namespace: target,
        name: copy.metadata.name,
      };
      if (this.gw.peek(existingRef)) {
        // Velero leaves an existing object as it is under existingResourcePolicy none (a warning, no labels);
        // under update it patches it to the backed-up copy, its two labels included (restore.go).
        if ((r.spec as { existingResourcePolicy?: string }).existingResourcePolicy !== 'update') {
          note(copy, 'skipped');
          continue;
        }
        this.gw.update(existingRef, (x) => {
          for (const k of Object.keys(copy)) if (k !== 'metadata' && k !== 'status') x[k] = copy[k];
          x.metadata.labels = { ...copy.metadata.labels, ...labels };
        });
        note(copy, 'updated');
        continue;
      }
      copy.metadata.labels = { ...copy.metadata.labels, ...labels };
      copy.status = this.restoredStatus(copy);
      note(this.gw.put(copy), 'created');
    }
    return list;
  }

  private restoredStatus(o: KubeObject): unknown {
    const ready = !(this.opts.unready ?? []).includes(o.metadata.name);
    const n = o.spec?.replicas ?? 1;
    switch (o.kind) {
      case 'Deployment':
        return {
          observedGeneration: 1,
          replicas: n,
          updatedReplicas: n,
          readyReplicas: ready ? n : 0,
          availableReplicas: ready ? n : 0,
        };
      case 'StatefulSet':
        return {
          observedGeneration: 1,
          replicas: n,
          readyReplicas: ready ? n : 0,
          updatedReplicas: n,
          currentRevision: 'r1',
          updateRevision: 'r1',
        };
      case 'PersistentVolumeClaim':
        return { phase: ready ? 'Bound' : 'Pending' };
      case 'PersistentVolume':
        return { phase: 'Bound' };
      default:
        return o.status;
    }
  }
}

/** A backup tarball (`<b>.tar.gz`) of the objects, unversioned item copies only, gzipped. */
async function tarballOf(objects: KubeObject[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const o of objects) {
    const group = groupOf(o.apiVersion ?? 'v1');
    const gr = group ? `${resourceOf(o.kind!)}.${group}` : resourceOf(o.kind!);
    pack.entry({ name: archiveItemPath(gr, o.metadata.namespace ?? null, o.metadata.name) }, JSON.stringify(o));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/** The part of a Velero v1 resource-modifier rule the simulation honours: merge patches under simple conditions. */
interface SimModifierRule {
  conditions: { groupResource: string; namespaces?: string[]; matches?: Array<{ path: string; value: string }> };
  mergePatches?: Array<{ patchData: string }>;
}

const groupResource = (o: KubeObject): string => {
  const g = groupOf(o.apiVersion!);
  return g ? `${resourceOf(o.kind!)}.${g}` : resourceOf(o.kind!);
};

const pointer = (o: unknown, path: string): unknown =>
  path
    .split('/')
    .slice(1)
    .reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);

/** RFC 7386: null removes, objects merge, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function applyModifiers(item: KubeObject, gr: string, rules: SimModifierRule[]): KubeObject {
  let out = item;
  for (const rule of rules) {
    const c = rule.conditions;
    if (c.groupResource !== gr) continue;
    if (item.metadata.namespace && c.namespaces?.length && !c.namespaces.includes(item.metadata.namespace)) continue;
    if ((c.matches ?? []).some((m) => pointer(item, m.path) !== m.value)) continue;
    for (const p of rule.mergePatches ?? []) out = mergePatch(out, JSON.parse(p.patchData)) as KubeObject;
  }
  return out;
}
