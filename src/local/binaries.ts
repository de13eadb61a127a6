/**
 * The environment's binaries: built once by local/build.sh from their Go modules into a cache outside the
 * repository, or taken from DR_DRILL_BIN_DIR.
 */
import { accessSync, constants, createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { infraError } from '../util/errors.js';
import type { LocalLayout } from './layout.js';

/** Every binary the environment runs, relative to the bin dir. */
export const REQUIRED_BINARIES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kwok',
  'kwokctl',
  'velero',
  'plugins/velero-plugin-for-microsoft-azure',
] as const;

/** A directory holding the binaries. */
export interface BinDir {
  dir: string;
  /** Velero's --plugin-dir. */
  pluginDir: string;
  path(name: string): string;
}

/** A BinDir over a directory. */
export function binDir(dir: string): BinDir {
  return { dir, pluginDir: join(dir, 'plugins'), path: (name) => join(dir, name) };
}

/** The binaries missing (or not executable) in dir. */
export function missingBinaries(dir: string): string[] {
  return REQUIRED_BINARIES.filter((b) => {
    try {
      accessSync(join(dir, b), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * DR_DRILL_BIN_DIR when set (it must be complete), else runs local/build.sh, which builds only what is missing
 * (a warm run takes about a second) and prints the bin dir on its last line. Build output goes to a log file;
 * `onLine` sees build.sh's own progress lines.
 */
export async function ensureBinaries(layout: LocalLayout, onLine: (line: string) => void = () => {}): Promise<BinDir> {
  const given = process.env.DR_DRILL_BIN_DIR;
  if (given) {
    const missing = missingBinaries(given);
    if (missing.length) {
      throw infraError(
        'LOCAL_BINARIES_MISSING',
        `DR_DRILL_BIN_DIR=${given} lacks ${missing.join(', ')}`,
        'unset DR_DRILL_BIN_DIR to build them with local/build.sh, or point it at a complete bin dir',
      );
    }
    try {
      accessSync(join(given, 'velero.loopback-patch'));
    } catch {
      throw infraError(
        'LOCAL_VELERO_UNPATCHED',
        `DR_DRILL_BIN_DIR=${given} has a velero without local/build.sh's metrics patch`,
        'a stock velero server binds :8080 on every interface and the second server dies; build velero with local/build.sh ' +
          '(or create velero.loopback-patch beside a velero built with that patch)',
      );
    }
    return binDir(given);
  }
  mkdirSync(layout.logsDir, { recursive: true });
  const logFile = join(layout.logsDir, 'build.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const sub = execa('bash', [join(layout.repoRoot, 'local', 'build.sh')], {
    reject: false,
    stdin: 'ignore',
    buffer: { stdout: true, stderr: false },
  });
  sub.stderr?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) if (line.startsWith('[build]')) onLine(line.slice(8));
  });
  const r = await sub;
  await new Promise<void>((resolve) => log.end(resolve));
  if (r.exitCode === 3) {
    throw infraError(
      'LOCAL_GO_MISSING',
      'the Go toolchain is needed to build the local environment and was not found',
      'install Go >= 1.24 and put it on PATH, or set DR_DRILL_BIN_DIR to a directory of prebuilt binaries',
    );
  }
  if (r.exitCode !== 0) {
    throw infraError('LOCAL_BUILD_FAILED', `local/build.sh failed (exit ${r.exitCode})`, `see ${logFile}`);
  }
  const dir = String(r.stdout).trim().split('\n').pop() ?? '';
  const missing = missingBinaries(dir);
  if (missing.length)
    throw infraError('LOCAL_BUILD_FAILED', `local/build.sh left out ${missing.join(', ')} in ${dir}`, `see ${logFile}`);
  return binDir(dir);
}
