/** The built kubectl, for applying the environment's manifests (server-side apply, so re-applying is a no-op). */
import { execa } from 'execa';
import { infraError } from '../util/errors.js';
import type { BinDir } from './binaries.js';

/** Runs kubectl against a kubeconfig; throws with kubectl's stderr on failure. */
export async function kubectl(bin: BinDir, kubeconfig: string, args: string[], input?: string): Promise<string> {
  const r = await execa(bin.path('kubectl'), ['--kubeconfig', kubeconfig, ...args], {
    reject: false,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
  });
  if (r.exitCode !== 0) {
    throw infraError(
      'LOCAL_KUBECTL_FAILED',
      `kubectl ${args.slice(0, 3).join(' ')} failed: ${r.stderr.trim()}`,
      'run `dr-drill local status` to see which component is down',
    );
  }
  return r.stdout;
}

/** Server-side apply of YAML or JSON documents. */
export async function apply(bin: BinDir, kubeconfig: string, manifests: string): Promise<void> {
  await kubectl(
    bin,
    kubeconfig,
    ['apply', '--server-side', '--force-conflicts', '--field-manager=dr-drill-local', '-f', '-'],
    manifests,
  );
}

/** A JSONPath value of one object, or null when the object does not exist. */
export async function jsonpath(bin: BinDir, kubeconfig: string, args: string[], path: string): Promise<string | null> {
  const r = await execa(
    bin.path('kubectl'),
    ['--kubeconfig', kubeconfig, 'get', ...args, '-o', `jsonpath=${path}`, '--request-timeout=5s'],
    { reject: false, stdin: 'ignore' },
  );
  return r.exitCode === 0 ? r.stdout : null;
}
