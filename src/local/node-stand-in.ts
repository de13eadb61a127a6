/**
 * The node stand-in: one host process per local cluster that plays the few kubelet duties Velero's file-system
 * backup needs on kwok's fake nodes, and nothing else (kwok keeps faking pod phases and readiness):
 *
 * 1. volume directories: for every pod bound to a node, `<pods root>/<uid>/volumes/…` in kubelet's layout
 *    (emptyDir and claim-backed volumes, see pod-volumes.ts); removed when the pod is deleted;
 * 2. container runtime for Velero's data-mover "hosting pods" (the pods node-agent creates per
 *    PodVolumeBackup/PodVolumeRestore to run `velero pod-volume backup|restore`): the command runs as a host
 *    process with the pod's volume path swapped for the host directory, its own HOME, cache and temp dirs, and
 *    its termination message written to a file; when it exits, the pod's status gets phase Succeeded/Failed and
 *    the container's terminated state with that message, which is how node-agent reads the result;
 * 3. the `restore-wait` init container Velero puts first in a restored pod: once the pod's volume directories
 *    exist, its status says restore-wait is running (node-agent starts a PodVolumeRestore only then); when every
 *    restored volume holds `.velero/<restore uid>` (the data mover's completion mark), the marks are removed and
 *    restore-wait is terminated, as velero-restore-helper does.
 *
 * 4. the provisioner of the `local-data` StorageClass (local-data-class.ts): a claim of that class gets a local PV
 *    on the node the scheduler selected, its data a directory of the pv store; a Released one is deleted with its
 *    data.
 *
 * Velero's node-agent, uploader (kopia), repository and restore code are real; the kubelet, the container
 * runtime and the provisioner are this file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  lstatSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubernetesObject,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
} from '@kubernetes/client-node';
import { provisionedName, releasedForDeletion, volumeFor } from './local-data-class.js';
import { INIT_RUNNING, mountTables } from './exec-wrapper.js';
import { Informer, type InformerOptions } from './informer.js';
import { podDir, podVolumeDirs, type BoundVolume } from './pod-volumes.js';

/** What one stand-in serves. */
export interface StandInOptions {
  cluster: string;
  kubeconfig: string;
  /** The kubelet-style pods root (node-agent's VELERO_HOST_PODS_PATH and the DaemonSet's host-pods path). */
  podsRoot: string;
  /** Where claim-backed volumes without a local path keep their data (one dir per PV). */
  pvStore: string;
  /** Mount tables of the exec wrapper (exec-wrapper.ts): `<dir>/<namespace>/<pod>/<container>`. */
  mountsDir: string;
  /** Per-run dirs of hosting pods' processes (HOME, cache, temp dir, termination log), removed with the pod. */
  runDir: string;
  /** Hosting pods' logs stay here (`pod-volume-<cluster>-<pod>.log`). */
  logsDir: string;
  /** The velero binary hosting pods run. */
  velero: string;
  veleroNamespace: string;
  azureCredentials: string;
  /** Written (JSON: pid, syncedAt) once the first full list has been laid out. */
  readyFile: string;
  log?: (line: string) => void;
}

/** A hosting pod's command as a host process: null when the pod is not a Velero data-mover pod. */
export function hostingPodCommand(
  pod: V1Pod,
  kubeconfig: string,
): { args: string[]; hostPath: string; container: string } | null {
  const owner = pod.metadata?.ownerReferences?.find(
    (o) => o.kind === 'PodVolumeBackup' || o.kind === 'PodVolumeRestore',
  );
  const c = pod.spec?.containers?.[0];
  if (!owner || !c || c.command?.[0] !== '/velero' || c.command[1] !== 'pod-volume') return null;
  const hostPath = pod.spec?.volumes?.find((v) => v.name === c.name)?.hostPath?.path;
  const mount = c.volumeMounts?.find((m) => m.name === c.name)?.mountPath;
  if (!hostPath || !mount) return null;
  const args = [...c.command.slice(1), ...(c.args ?? [])].map((a) =>
    a === `--volume-path=${mount}` ? `--volume-path=${hostPath}` : a,
  );
  return { args: [...args, '--kubeconfig', kubeconfig], hostPath, container: c.name };
}

/** Velero's init container in restored pods (pkg/restorehelper WaitInitContainer). */
const RESTORE_WAIT = 'restore-wait';
/** The reason the stand-in gives restore-wait when it ends: tells our own status apart from kwok's. */
const RESTORE_WAIT_DONE = 'RestoreComplete';

/**
 * What the stand-in does with a restored pod's restore-wait on an event of the pod (or a resync):
 * - `run`: say it is running (kwok ended it with every init container, as its pod-ready stage does);
 * - `run-again`: we hold it running, but a newer status says otherwise: kwok plays pod-ready from each event that
 *   reached it before its own patch (up to 4 plays in parallel), so a second play from an older copy of the pod
 *   can land just after our "running" and end restore-wait in the same second. node-agent accepts a
 *   PodVolumeRestore only while restore-wait runs, and looks again only on a later event of the pod: without
 *   this the restore waits for ever (seen after a stand-in restart in session 6);
 * - `wait`: running already, held by us or by an earlier stand-in process (kwok never says running);
 * - `none`: not a restored pod, not placed yet, being deleted, or ended by us (a late kwok status after that
 *   must not open it again: the completion marks are gone).
 */
export function restoreWaitStep(pod: V1Pod, held: boolean, ended: boolean): 'run' | 'run-again' | 'wait' | 'none' {
  const i = pod.spec?.initContainers?.findIndex((c) => c.name === RESTORE_WAIT) ?? -1;
  if (i < 0 || ended || !pod.status?.podIP || pod.metadata?.deletionTimestamp) return 'none';
  const state = pod.status.initContainerStatuses?.[i]?.state;
  if (state?.terminated?.reason === RESTORE_WAIT_DONE) return 'none';
  if (state?.running) return 'wait';
  return held ? 'run-again' : 'run';
}

/** Kubelet caps a termination message at 4096 bytes. */
const MESSAGE_LIMIT = 4096;

/** The node stand-in of one cluster. `start` resolves once the first list is laid out. */
export class NodeStandIn {
  private readonly core: CoreV1Api;
  private readonly kc: KubeConfig;
  /** Pods laid out: uid → volume name → host directory. */
  private readonly volumeDirs = new Map<string, Map<string, string>>();
  /** Pods whose layout is being made (events of one pod come in bursts) → the newest event seen meanwhile. */
  private readonly layingOut = new Map<string, V1Pod | null>();
  private readonly running = new Map<string, ChildProcess>();
  /** Restored pods whose restore-wait we hold running: uid → the latest pod seen. */
  private readonly restoreWaits = new Map<string, V1Pod>();
  /** Restored pods whose restore-wait we ended: a late status from kwok must not make us hold it again. */
  private readonly restoreWaitsDone = new Set<string>();
  /** Hosting pods whose command has run (restartPolicy Never: a later event of the same pod never reruns it). */
  private readonly ran = new Set<string>();
  private readonly informers: Array<{ stop(): void }> = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly log: (line: string) => void;

  constructor(private readonly o: StandInOptions) {
    this.kc = new KubeConfig();
    this.kc.loadFromFile(o.kubeconfig);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.log = o.log ?? ((l) => process.stdout.write(`${new Date().toISOString()} ${l}\n`));
  }

  async start(): Promise<void> {
    mkdirSync(this.o.podsRoot, { recursive: true });
    const informer = this.informer<V1Pod>('/api/v1/pods', () => this.core.listPodForAllNamespaces());
    const handle = (pod: V1Pod): void => {
      this.onPod(pod).catch((e) => this.log(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${String(e)}`));
    };
    informer.on('add', handle);
    informer.on('update', handle);
    informer.on('delete', (pod) => this.onDelete(pod));
    await this.startProvisioner();
    await informer.start();
    const live = new Set(informer.list().map((p) => p.metadata?.uid ?? ''));
    await Promise.all(informer.list().map((p) => this.onPod(p).catch((e) => this.log(String(e)))));
    for (const uid of readdirSync(this.o.podsRoot)) {
      if (!live.has(uid)) rmSync(podDir(this.o.podsRoot, uid), { recursive: true, force: true });
    }
    this.timer = setInterval(() => this.checkRestoreWaits(), 1000);
    writeFileSync(this.o.readyFile, JSON.stringify({ pid: process.pid, syncedAt: new Date().toISOString() }));
    this.log(`synced ${live.size} pods; pods root ${this.o.podsRoot}`);
  }

  /**
   * A list+watch cache that cannot go silent (informer.ts): each watch ends after a minute and is abandoned 15 s
   * later if still open, and every object is handled again every 30 s (each handler is idempotent).
   */
  private informer<T extends KubernetesObject>(path: string, list: InformerOptions<T>['list']): Informer<T> {
    const informer = new Informer<T>({
      path,
      list,
      watcher: new Watch(this.kc),
      timeoutSeconds: 60,
      graceMs: 15_000,
      retryMs: 2000,
      resyncMs: 30_000,
      log: this.log,
    });
    this.informers.push(informer);
    return informer;
  }

  /** Watches claims (to provision `local-data` ones) and volumes (to delete Released ones of ours). */
  private async startProvisioner(): Promise<void> {
    const claims = this.informer<V1PersistentVolumeClaim>('/api/v1/persistentvolumeclaims', () =>
      this.core.listPersistentVolumeClaimForAllNamespaces(),
    );
    const volumes = this.informer<V1PersistentVolume>('/api/v1/persistentvolumes', () =>
      this.core.listPersistentVolume(),
    );
    const provision = (c: V1PersistentVolumeClaim): void => {
      this.provision(c).catch((e) => this.log(`claim ${c.metadata?.namespace}/${c.metadata?.name}: ${String(e)}`));
    };
    const reclaim = (pv: V1PersistentVolume): void => {
      this.reclaim(pv).catch((e) => this.log(`volume ${pv.metadata?.name}: ${String(e)}`));
    };
    claims.on('add', provision);
    claims.on('update', provision);
    volumes.on('add', reclaim);
    volumes.on('update', reclaim);
    for (const inf of [claims, volumes] as const) await inf.start();
  }

  private async provision(claim: V1PersistentVolumeClaim): Promise<void> {
    const pv = volumeFor(claim, this.o.pvStore);
    if (!pv) return;
    mkdirSync(pv.spec!.local!.path, { recursive: true });
    try {
      await this.core.createPersistentVolume({ body: pv });
    } catch (e) {
      if ((e as { code?: number }).code === 409) return; // made already (an update seen before its bind)
      throw e;
    }
    this.log(`provisioned ${provisionedName(claim)} for ${claim.metadata?.namespace}/${claim.metadata?.name}`);
  }

  private async reclaim(pv: V1PersistentVolume): Promise<void> {
    if (!releasedForDeletion(pv)) return;
    const name = pv.metadata?.name ?? '';
    try {
      await this.core.deletePersistentVolume({ name });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
    if (pv.spec?.local?.path) rmSync(pv.spec.local.path, { recursive: true, force: true });
    this.log(`deleted released volume ${name} and its data`);
  }

  /** Stops every hosting-pod process (SIGTERM). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const informer of this.informers) informer.stop();
    for (const child of this.running.values()) child.kill('SIGTERM');
  }

  private async onPod(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid;
    if (!uid || !pod.spec?.nodeName) return;
    if (this.layingOut.has(uid)) {
      this.layingOut.set(uid, pod); // handled once the layout in progress is done
      return;
    }
    if (!this.volumeDirs.has(uid)) {
      this.layingOut.set(uid, null);
      let latest: V1Pod | null = null;
      try {
        const { dirs, complete } = await this.layOut(pod, uid);
        // A claim not bound yet gets its directory on a later event of the pod.
        if (complete) this.volumeDirs.set(uid, dirs);
      } finally {
        latest = this.layingOut.get(uid) ?? null;
        this.layingOut.delete(uid);
      }
      if (latest) return this.onPod(latest);
    }
    // Not laid out (yet): no restore-wait before the volume directories exist (node-agent would glob too early).
    if (!this.volumeDirs.has(uid)) return;
    if (pod.metadata?.namespace === this.o.veleroNamespace) this.runHostingPod(pod, uid);
    else await this.holdRestoreWait(pod, uid);
  }

  /** Index of Velero's restore-wait init container, or -1. */
  private static restoreWaitIndex(pod: V1Pod): number {
    return pod.spec?.initContainers?.findIndex((c) => c.name === RESTORE_WAIT) ?? -1;
  }

  /**
   * After kwok has made the pod "ready" (it gives every init container a terminated state at once), says
   * restore-wait is running, the state node-agent waits for, until checkRestoreWaits ends it (restoreWaitStep).
   */
  private async holdRestoreWait(pod: V1Pod, uid: string): Promise<void> {
    const step = restoreWaitStep(pod, this.restoreWaits.has(uid), this.restoreWaitsDone.has(uid));
    if (step === 'none') return;
    this.restoreWaits.set(uid, pod);
    if (step === 'wait') return;
    await this.patchInitStatuses(pod, { running: { startedAt: new Date().toISOString() } });
    const again = step === 'run-again' ? ' again (a late kwok status had ended it)' : '';
    this.log(`restored pod ${pod.metadata?.namespace}/${pod.metadata?.name}: restore-wait running${again}`);
  }

  /** velero-restore-helper's loop: every restored volume must hold `.velero/<restore uid>`. */
  private checkRestoreWaits(): void {
    for (const [uid, pod] of this.restoreWaits) {
      const i = NodeStandIn.restoreWaitIndex(pod);
      const c = pod.spec?.initContainers?.[i];
      const restoreUid = c?.args?.[0];
      if (!c || !restoreUid) continue;
      // Only Velero's /restores/<volume> mounts: admission adds the service-account token mount too.
      const hostDirs = (c.volumeMounts ?? [])
        .filter((m) => m.mountPath.startsWith('/restores/'))
        .map((m) => this.volumeDirOf(uid, m.name));
      if (hostDirs.some((d) => d === null || !exists(join(d, '.velero', restoreUid)))) continue;
      for (const d of hostDirs) rmSync(join(d as string, '.velero'), { recursive: true, force: true });
      rmSync(join(this.mountTableDir(pod), INIT_RUNNING), { force: true });
      this.restoreWaits.delete(uid);
      this.restoreWaitsDone.add(uid);
      const now = new Date().toISOString();
      this.patchInitStatuses(pod, {
        terminated: { exitCode: 0, reason: RESTORE_WAIT_DONE, startedAt: now, finishedAt: now },
      })
        .then(() => this.log(`restored pod ${pod.metadata?.namespace}/${pod.metadata?.name}: restore-wait done`))
        .catch((e) => this.log(`restore-wait of ${pod.metadata?.name}: ${String(e)}`));
    }
  }

  /** The host directory of a pod's volume as laid out, or null when it has none. */
  private volumeDirOf(uid: string, volume: string): string | null {
    return this.volumeDirs.get(uid)?.get(volume) ?? null;
  }

  private async patchInitStatuses(pod: V1Pod, restoreWaitState: object): Promise<void> {
    const initContainerStatuses = (pod.spec?.initContainers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      started: c.name === RESTORE_WAIT && 'running' in restoreWaitState,
      state:
        c.name === RESTORE_WAIT
          ? restoreWaitState
          : 'running' in restoreWaitState
            ? { waiting: { reason: 'PodInitializing' } }
            : { terminated: { exitCode: 0, reason: 'Completed' } },
    }));
    await this.core.patchNamespacedPodStatus(
      {
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        body: { status: { initContainerStatuses } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  private async layOut(pod: V1Pod, uid: string): Promise<{ dirs: Map<string, string>; complete: boolean }> {
    const ns = pod.metadata?.namespace ?? 'default';
    const bound = new Map<string, BoundVolume | null>();
    for (const v of pod.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim) bound.set(claim, await this.boundVolume(ns, claim));
    }
    mkdirSync(podDir(this.o.podsRoot, uid), { recursive: true });
    const dirs = podVolumeDirs(
      this.o.podsRoot,
      this.o.pvStore,
      { uid, namespace: ns, volumes: (pod.spec?.volumes ?? []) as never },
      (claim) => bound.get(claim) ?? null,
    );
    for (const d of dirs) {
      if (d.linkTo === null) {
        mkdirSync(d.dir, { recursive: true });
        continue;
      }
      mkdirSync(d.linkTo, { recursive: true });
      mkdirSync(dirname(d.dir), { recursive: true });
      if (!exists(d.dir)) symlinkSync(d.linkTo, d.dir);
    }
    if (dirs.length) this.log(`laid out ${ns}/${pod.metadata?.name}: ${dirs.map((d) => d.volume).join(', ')}`);
    const byVolume = new Map(dirs.map((d) => [d.volume, d.dir]));
    this.writeMountTables(pod, uid, byVolume);
    return { dirs: byVolume, complete: [...bound.values()].every((b) => b !== null) };
  }

  /** The exec wrapper's view of the pod: its containers' mounts of the volumes laid out (exec-wrapper.ts). */
  private writeMountTables(pod: V1Pod, uid: string, byVolume: Map<string, string>): void {
    const tables = mountTables(pod.spec?.containers ?? [], byVolume);
    if (!tables.size) return;
    const dir = this.mountTableDir(pod);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.uid'), uid);
    const i = NodeStandIn.restoreWaitIndex(pod);
    if (i >= 0 && pod.status?.initContainerStatuses?.[i]?.state?.terminated?.reason !== RESTORE_WAIT_DONE)
      writeFileSync(join(dir, INIT_RUNNING), 'restore-wait\n');
    for (const [container, lines] of tables) writeFileSync(join(dir, container), `${lines.join('\n')}\n`);
  }

  private mountTableDir(pod: V1Pod): string {
    return join(this.o.mountsDir, pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '');
  }

  /** Removes the pod's mount tables unless they already belong to a newer pod of the same name. */
  private removeMountTables(pod: V1Pod, uid: string): void {
    const dir = this.mountTableDir(pod);
    let owner = '';
    try {
      owner = readFileSync(join(dir, '.uid'), 'utf8');
    } catch {
      return;
    }
    if (owner === uid) rmSync(dir, { recursive: true, force: true });
  }

  private async boundVolume(ns: string, claim: string): Promise<BoundVolume | null> {
    try {
      const pvc = await this.core.readNamespacedPersistentVolumeClaim({ name: claim, namespace: ns });
      const name = pvc.spec?.volumeName;
      if (!name) return null;
      const pv = await this.core.readPersistentVolume({ name });
      return { name, localPath: pv.spec?.local?.path ?? null, csi: Boolean(pv.spec?.csi) };
    } catch {
      return null;
    }
  }

  private onDelete(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.running.get(uid)?.kill('SIGTERM');
    this.volumeDirs.delete(uid);
    this.restoreWaits.delete(uid);
    this.restoreWaitsDone.delete(uid);
    this.ran.delete(uid);
    rmSync(podDir(this.o.podsRoot, uid), { recursive: true, force: true });
    rmSync(join(this.o.runDir, uid), { recursive: true, force: true });
    this.removeMountTables(pod, uid);
  }

  private runHostingPod(pod: V1Pod, uid: string): void {
    if (this.ran.has(uid) || pod.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp) return;
    const cmd = hostingPodCommand(pod, this.o.kubeconfig);
    if (!cmd) return;
    this.ran.add(uid);
    const name = pod.metadata?.name ?? uid;
    const run = join(this.o.runDir, uid);
    for (const d of ['home', 'cache', 'tmp']) mkdirSync(join(run, d), { recursive: true });
    const terminationLog = join(run, 'termination-log');
    const logFile = join(this.o.logsDir, `pod-volume-${this.o.cluster}-${name}.log`);
    const fd = openSync(logFile, 'a');
    const startedAt = new Date();
    const child = spawn(this.o.velero, cmd.args, {
      stdio: ['ignore', fd, fd],
      cwd: run,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: join(run, 'home'),
        XDG_CACHE_HOME: join(run, 'cache'),
        TMPDIR: join(run, 'tmp'),
        NODE_NAME: pod.spec?.nodeName ?? '',
        VELERO_NAMESPACE: this.o.veleroNamespace,
        AZURE_CREDENTIALS_FILE: this.o.azureCredentials,
        VELERO_TERMINATION_LOG: terminationLog,
      },
    });
    closeSync(fd);
    this.running.set(uid, child);
    this.log(`hosting pod ${name}: started ${cmd.args.slice(0, 2).join(' ')} (pid ${child.pid}) on ${cmd.hostPath}`);
    child.on('exit', (code, signal) => {
      this.running.delete(uid);
      const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : 15);
      let message = '';
      try {
        message = readFileSync(terminationLog, 'utf8').slice(0, MESSAGE_LIMIT);
      } catch {
        message = `no termination message (exit ${exitCode}${signal ? `, ${signal}` : ''}); see ${logFile}`;
      }
      this.log(`hosting pod ${name}: exited ${exitCode}`);
      this.finish(pod, cmd.container, exitCode, message, startedAt).catch((e) =>
        this.log(`hosting pod ${name}: status not written: ${String(e)}`),
      );
    });
  }

  private async finish(pod: V1Pod, container: string, exitCode: number, message: string, startedAt: Date) {
    const c = pod.spec?.containers?.[0];
    const body = {
      status: {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        containerStatuses: [
          {
            name: container,
            image: c?.image ?? '',
            imageID: '',
            ready: false,
            restartCount: 0,
            started: false,
            state: {
              terminated: {
                exitCode,
                reason: exitCode === 0 ? 'Completed' : 'Error',
                message,
                startedAt: startedAt.toISOString(),
                finishedAt: new Date().toISOString(),
              },
            },
          },
        ],
      },
    };
    await this.core.patchNamespacedPodStatus(
      { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
