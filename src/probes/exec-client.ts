/**
 * Running commands in pods for probes: choosing the pod (by name, or the first Ready pod of a selector),
 * the container, and turning a gateway without exec into a clear error. Output that goes into a report is
 * truncated and redacted here, in one place.
 */
import type { ExecResult, KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import { infraError } from '../util/errors.js';
import { redact } from '../util/redact.js';
import { isPodReady } from './diagnose.js';

/** A pod chosen to run in, with the container to use. */
export interface ChosenPod {
  name: string;
  container: string | null;
}

/** How a pod is named in a probe spec (namespace already mapped to the target). */
export interface PodChoice {
  name?: string;
  selector?: string;
  container?: string;
}

/**
 * The pod to run in: the named one, or the first Ready pod (by name, so repeated attempts prefer the same pod)
 * matching the selector. Throws a plain Error (a waiting observation) when there is none yet.
 */
export async function choosePod(gw: KubeGateway, namespace: string, choice: PodChoice): Promise<ChosenPod> {
  let pod: KubeObject | null;
  if (choice.name) {
    pod = await gw.get({ apiVersion: 'v1', kind: 'Pod', namespace, name: choice.name });
    if (!pod) throw new Error(`pod ${namespace}/${choice.name} does not exist`);
  } else {
    const { items } = await gw.list({ apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: choice.selector });
    const ready = items
      .filter((p) => !p.metadata.deletionTimestamp && isPodReady(p))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    if (!ready.length)
      throw new Error(`no Ready pod matches ${choice.selector ?? '*'} in ${namespace} (${items.length} pod(s) found)`);
    pod = ready[0];
  }
  const containers = ((pod.spec?.containers ?? []) as Array<{ name: string }>).map((c) => c.name);
  if (choice.container && containers.length && !containers.includes(choice.container)) {
    throw new Error(
      `pod ${namespace}/${pod.metadata.name} has no container ${choice.container} (has ${containers.join(', ')})`,
    );
  }
  return { name: pod.metadata.name, container: choice.container ?? containers[0] ?? null };
}

/** Runs a command through the gateway; a gateway without exec is an error the probe cannot retry away. */
export function execIn(
  gw: KubeGateway,
  namespace: string,
  pod: ChosenPod,
  command: string[],
  timeoutMs: number,
): Promise<ExecResult> {
  if (!gw.exec) {
    throw infraError(
      'EXEC_UNSUPPORTED',
      `the gateway for ${gw.context} cannot exec into pods`,
      'run the drill with a kubeconfig-backed gateway',
    );
  }
  return gw.exec(namespace, pod.name, pod.container, command, timeoutMs);
}

/** The most of a command's output a report keeps, per stream. */
export const OUTPUT_LIMIT = 2_000;

/** Output as it may appear in a report: redacted, then cut to `limit` characters with a note of what was cut. */
export function reportable(text: string, limit = OUTPUT_LIMIT): string {
  const clean = redact(text.replace(/\s+$/, ''));
  return clean.length > limit ? `${clean.slice(0, limit)}… (${clean.length - limit} more characters)` : clean;
}

/** "exit 0; stdout: …; stderr: …", the empty streams left out. */
export function describeExec(r: ExecResult): string {
  const parts = [`exit ${r.exitCode}`];
  if (r.stdout.trim()) parts.push(`stdout: ${reportable(r.stdout)}`);
  if (r.stderr.trim()) parts.push(`stderr: ${reportable(r.stderr)}`);
  return parts.join('; ');
}
