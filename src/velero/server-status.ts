import { randomBytes } from 'node:crypto';
import type { KubeGateway } from '../kube/gateway.js';
import { waitFor, WaitTimeout } from '../kube/wait.js';
import { infraError } from '../util/errors.js';
import { VELERO_API } from './types.js';

/** What Velero's ServerStatusRequest reports: its version and plugins. */
export interface VeleroServerInfo {
  serverVersion: string;
  plugins: string[];
}

/**
 * Asks the Velero server itself whether it runs, the way `velero version` does: a ServerStatusRequest that only a
 * live server marks Processed (it garbage-collects it a minute later; the drill deletes its own at once). The
 * CRDs being installed says nothing about a server that crashed.
 */
export async function pingVeleroServer(
  gw: KubeGateway,
  veleroNamespace: string,
  opts: { timeoutMs: number; labels: Record<string, string>; signal?: AbortSignal },
): Promise<VeleroServerInfo> {
  const name = `dr-drill-${randomBytes(4).toString('hex')}`;
  await gw.create({
    apiVersion: VELERO_API,
    kind: 'ServerStatusRequest',
    metadata: { name, namespace: veleroNamespace, labels: opts.labels },
    spec: {},
  });
  try {
    const { verdict } = await waitFor<VeleroServerInfo>(
      gw,
      { apiVersion: VELERO_API, kind: 'ServerStatusRequest', namespace: veleroNamespace, name },
      (objs) => {
        const s = objs[0]?.status as
          { phase?: string; serverVersion?: string; plugins?: Array<{ name: string; kind: string }> } | undefined;
        return s?.phase === 'Processed'
          ? {
              state: 'done',
              observation: `Velero ${s.serverVersion ?? '?'} answered`,
              value: {
                serverVersion: s.serverVersion ?? '',
                plugins: (s.plugins ?? []).map((p) => `${p.kind}/${p.name}`),
              },
            }
          : { state: 'waiting', observation: 'ServerStatusRequest not processed' };
      },
      { timeoutMs: opts.timeoutMs, signal: opts.signal },
    );
    return verdict.value!;
  } catch (e) {
    if (e instanceof WaitTimeout) {
      throw infraError(
        'VELERO_NOT_RESPONDING',
        `context ${gw.context}: the Velero server in namespace ${veleroNamespace} did not answer a ServerStatusRequest within ${Math.round(opts.timeoutMs / 1000)}s`,
        `check the Velero deployment in ${veleroNamespace} (kubectl -n ${veleroNamespace} get pods; logs of the velero server); ` +
          'a Velero whose API server restarted in the last minutes may still be re-establishing its watches: run again',
      );
    }
    throw e;
  } finally {
    await gw
      .delete({ apiVersion: VELERO_API, kind: 'ServerStatusRequest', namespace: veleroNamespace, name })
      .catch(() => undefined);
  }
}
