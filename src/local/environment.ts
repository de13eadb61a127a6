/**
 * `local up` and `local down` as library functions (the CLI and the e2e helpers call the same code).
 * up is idempotent: each step checks first and only starts or applies what is missing.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { azuriteProcess, ensureAzurite, findAzurite } from './azurite.js';
import { ensureBinaries, missingBinaries, binDir, type BinDir } from './binaries.js';
import { clusterProcesses, deleteCluster, ensureCluster } from './clusters.js';
import { ensureScheduleBackups, seedDemo, seedDemoData, waitDemoReady } from './demo.js';
import {
  canMakeMountNamespace,
  decideFsBackup,
  ensureFsBackup,
  fsBackupChoice,
  rememberFsBackup,
  stopFsBackup,
  waitNodeAgentsServing,
} from './fs-backup.js';
import { removeCreatedMountPoints } from './exec-wrapper.js';
import { writeEnvironmentKubeconfig } from './kubeconfig.js';
import { CLUSTERS, localLayout, type LocalLayout } from './layout.js';
import { stopAndWait, stopManaged, stillRunning } from './processes.js';
import { localStatus, type LocalStatus } from './status.js';
import { ensureCertificates } from './tls.js';
import { ensureTopology, STORAGE_CLASSES } from './topology.js';
import { ensureVeleroServer, installVelero, stopVeleroServer, waitBslAvailable } from './velero.js';

/** A progress line: the step, what happened, and seconds since the command started. */
export type Progress = (step: string, detail: string, elapsedSeconds: number) => void;

/** Options of localUp. */
export interface UpOptions {
  layout?: LocalLayout;
  onProgress?: Progress;
  /** Skip seeding the demo workload (default: seed). */
  skipDemo?: boolean;
  /**
   * Velero's file-system backup: node stand-ins and node-agents (see fs-backup.ts). Undefined: what the
   * environment already runs, else on where exec into a pod's volumes can work (a mount namespace: root), else
   * off with a note. false on an environment that runs it throws LOCAL_FS_BACKUP_RUNNING (decideFsBackup).
   */
  fsBackup?: boolean;
}

/** Result of localUp: the status after it, plus how long it took. */
export interface UpResult {
  status: LocalStatus;
  seconds: number;
  bin: BinDir;
}

/** Brings the environment up (or checks that it is up) and returns its status. One `up` at a time per state dir. */
export async function localUp(opts: UpOptions = {}): Promise<UpResult> {
  const layout = opts.layout ?? localLayout();
  mkdirSync(layout.stateDir, { recursive: true });
  const release = await acquireLock(join(layout.stateDir, 'up.lock'), (pid) =>
    opts.onProgress?.('lock', `waiting for another \`local up\` (pid ${pid})`, 0),
  );
  try {
    return await up(layout, opts);
  } finally {
    release();
  }
}

/** An exclusive lock file holding our pid; a lock whose pid is gone is taken over. */
async function acquireLock(file: string, onWait: (pid: number) => void): Promise<() => void> {
  const deadline = Date.now() + 30 * 60_000; // a cold build may hold it for a long time
  let told = false;
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch {
      const pid = Number(readFileSync(file, 'utf8').trim() || '0');
      if (!pid || !pidAlive(pid)) {
        rmSync(file, { force: true });
        continue;
      }
      if (!told) onWait(pid);
      told = true;
      if (Date.now() > deadline) throw new Error(`another \`dr-drill local up\` (pid ${pid}) holds ${file}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function up(layout: LocalLayout, opts: UpOptions): Promise<UpResult> {
  const t0 = performance.now();
  const say = (step: string, detail: string): void => opts.onProgress?.(step, detail, (performance.now() - t0) / 1000);
  for (const d of [layout.stateDir, layout.logsDir, layout.pidDir, layout.execDir]) mkdirSync(d, { recursive: true });
  // Decided first: a refusal must not wait for the build.
  const fs = decideFsBackup(opts.fsBackup, fsBackupChoice(layout), canMakeMountNamespace());
  if (fs.note) say('fs-backup', fs.note);

  // Before the (possibly long) build: an installed package without Azurite fails here, in a second.
  const azurite = findAzurite();
  say('azurite', `found (${azurite.foundBy}): ${azurite.blobMain}`);

  say('binaries', 'checking (local/build.sh builds what is missing; a cold build takes tens of minutes)');
  const bin = await ensureBinaries(layout, (line) => {
    if (!line.startsWith('binaries ready')) say('binaries', line);
  });
  say('binaries', `ready in ${bin.dir}`);
  writeFileSync(binDirRecord(layout), `${bin.dir}\n`);

  await ensureCertificates(layout);
  say('tls', `CA ${layout.caCert}`);

  const az = await ensureAzurite(layout);
  say('azurite', `${az.started ? 'started' : 'running'} (pid ${az.pid}), container velero ready`);

  for (const name of CLUSTERS) {
    say(`cluster ${name}`, 'checking');
    const what = await ensureCluster(layout, bin, name);
    say(`cluster ${name}`, what);
  }
  for (const name of CLUSTERS) {
    const t = await ensureTopology(layout, bin, name);
    say(
      `cluster ${name}`,
      `${t.nodes} nodes in zones ${t.zones.join(', ')}; storage classes ${STORAGE_CLASSES[name].join(', ')}`,
    );
  }
  const kubeconfig = writeEnvironmentKubeconfig(layout);
  say('kubeconfig', kubeconfig);

  const fsBackup = fs.on;
  if (!fsBackup) rememberFsBackup(layout, false);
  const startedAt: Partial<Record<(typeof CLUSTERS)[number], Date>> = {};
  for (const name of CLUSTERS) {
    await installVelero(layout, bin, name);
    const v = ensureVeleroServer(layout, bin, name, { fsBackup });
    if (v.started) startedAt[name] = new Date();
    say(`velero ${name}`, `${v.started ? 'started' : 'running'} (pid ${v.pid})`);
  }
  if (fsBackup) {
    for (const name of CLUSTERS) {
      const f = await ensureFsBackup(layout, bin, name);
      const agents = f.nodeAgents.map((a) => `${a.node} ${a.started ? 'started' : 'running'} (pid ${a.pid})`);
      say(
        `fs-backup ${name}`,
        `node stand-in ${f.standIn.started ? 'started' : 'running'} (pid ${f.standIn.pid}); node-agents ${agents.join(', ')}`,
      );
    }
  }
  let demoData = false;
  if (!opts.skipDemo) {
    demoData = (await seedDemo(layout, bin, { volumeData: fsBackup })).volumeData;
    say(
      'demo',
      `applied shop, catalog and schedules in primary${demoData ? ' (db with volume data)' : fsBackup ? ' (db made before without volume data kept: `local down` for the data demo)' : ''}`,
    );
  }
  for (const name of CLUSTERS) {
    await waitBslAvailable(layout, bin, name, 120_000, startedAt[name]);
    say(`velero ${name}`, 'BSL default Available');
  }
  if (!opts.skipDemo) {
    const s = await waitDemoReady(layout, bin, 120_000);
    say('demo', `ready: web ${s.webReady}/2, db ${s.dbReady}/1, api ${s.apiReady}/2, pvc data-db-0 ${s.pvcPhase}`);
    if (demoData) {
      // Before the Schedules' first backups, so that they carry the data.
      const bytes = await seedDemoData(layout, 60_000);
      say(
        'demo',
        bytes ? `wrote the database into db-0's volumes (${bytes} bytes)` : "db-0's volumes hold the database",
      );
    }
    const taken = await ensureScheduleBackups(layout, bin);
    if (taken.length)
      say(
        'demo',
        `first backups of the schedules requested: ${taken.join(', ')} (they reach dr with the next backup sync, within about a minute)`,
      );
  }
  if (fsBackup) await Promise.all(CLUSTERS.map((name) => waitNodeAgentsServing(layout, name, 60_000)));
  const status = await localStatus(layout, bin);
  return { status, seconds: (performance.now() - t0) / 1000, bin };
}

function binDirRecord(layout: LocalLayout): string {
  return join(layout.stateDir, 'bin-dir');
}

/**
 * The bin dir for commands that must not build (status, down): DR_DRILL_BIN_DIR, else the one `up` recorded
 * in the state dir; null when neither is complete.
 */
export function existingBinDir(layout: LocalLayout = localLayout()): BinDir | null {
  const given = process.env.DR_DRILL_BIN_DIR;
  if (given) return missingBinaries(given).length ? null : binDir(given);
  if (!existsSync(binDirRecord(layout))) return null;
  const dir = readFileSync(binDirRecord(layout), 'utf8').trim();
  return dir && missingBinaries(dir).length === 0 ? binDir(dir) : null;
}

/** What localDown did, component by component. */
export interface DownResult {
  stopped: string[];
  removedStateDir: string;
}

/** How long a process may take to exit after SIGTERM (kwokctl's or ours) before SIGKILL. */
const GRACE_MS = 10_000;

/**
 * Stops everything the environment started (velero servers and Azurite by their pid files, the clusters through
 * `kwokctl delete cluster`) and removes the state dir. Returns only when every one of those processes has exited
 * (kwokctl signals the cluster's processes and returns at once; the drill waits on their pids, SIGKILL after a
 * grace period), so `local down && local up` never races the old apiservers for their ports. Throws
 * LOCAL_PROCESS_STILL_RUNNING, leaving the state dir, when a process outlives SIGKILL.
 */
export async function localDown(
  opts: { layout?: LocalLayout; bin?: BinDir | null; onProgress?: Progress; graceMs?: number } = {},
): Promise<DownResult> {
  const layout = opts.layout ?? localLayout();
  const graceMs = opts.graceMs ?? GRACE_MS;
  const t0 = performance.now();
  const say = (step: string, detail: string): void => opts.onProgress?.(step, detail, (performance.now() - t0) / 1000);
  const stopped: string[] = [];
  for (const name of CLUSTERS) {
    const fs = await stopFsBackup(layout, name, graceMs);
    stopped.push(...fs);
    if (fs.length) say(`fs-backup ${name}`, `stopped ${fs.join(', ')}`);
  }
  for (const name of CLUSTERS) {
    if (await stopVeleroServer(layout, name, 'SIGTERM', graceMs)) stopped.push(`velero-${name}`);
    say(`velero ${name}`, 'stopped');
  }
  const bin = opts.bin === undefined ? existingBinDir(layout) : opts.bin;
  for (const name of CLUSTERS) {
    const procs = clusterProcesses(layout, name);
    let deleted = false;
    if (bin !== null) {
      try {
        deleted = await deleteCluster(layout, bin, name);
      } catch (e) {
        say(
          `cluster ${name}`,
          `kwokctl delete failed (${(e as Error).message.split('\n')[0]}); stopping its processes by pid`,
        );
      }
    }
    const left = await stopAndWait(procs, graceMs);
    if (left.length) throw stillRunning(left);
    if (deleted || procs.length > 0) stopped.push(`cluster-${name}`);
    say(`cluster ${name}`, `${deleted ? 'deleted' : 'not deleted by kwokctl'}; ${procs.length} process(es) exited`);
  }
  if (await stopManaged(azuriteProcess(layout), graceMs)) stopped.push('azurite');
  say('azurite', 'stopped');
  // With the clusters gone no exec of this environment is in flight: its mount points on the host can go.
  const gone = removeCreatedMountPoints(layout, CLUSTERS);
  if (gone.length) say('exec', `removed the mount-point directories its exec made: ${gone.join(', ')}`);
  rmSync(layout.stateDir, { recursive: true, force: true });
  say('state', `removed ${layout.stateDir}`);
  return { stopped, removedStateDir: layout.stateDir };
}
