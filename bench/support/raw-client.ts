/**
 * The benchmark's own client for bulk writes (namespaces, pods, status flips): plain HTTPS with a keep-alive
 * agent, authenticated from the kubeconfig. Kept apart from ClientGateway on purpose: what the creator sends must
 * not show up in the runner's request count, and client-node's per-call overhead would slow the setup down.
 */
import { Agent, request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface RawResponse {
  status: number;
  body: string;
}

export interface RawClient {
  send(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, contentType?: string): Promise<RawResponse>;
  close(): void;
}

/** A client for the kubeconfig's current context, at most maxSockets requests on the wire at once. */
export async function rawClient(kc: KubeConfig, maxSockets = 64): Promise<RawClient> {
  const server = new URL(kc.getCurrentCluster()?.server ?? '');
  const base: Record<string, unknown> = {};
  await kc.applyToHTTPSOptions(base);
  const agent = new Agent({
    keepAlive: true,
    maxSockets,
    ca: base.ca as never,
    cert: base.cert as never,
    key: base.key as never,
  });
  return {
    send: (method, path, body, contentType = 'application/json') =>
      new Promise<RawResponse>((resolve, reject) => {
        const data = body === undefined ? undefined : JSON.stringify(body);
        const req = request(
          {
            agent,
            hostname: server.hostname,
            port: server.port,
            method,
            path,
            headers: {
              ...(base.headers as Record<string, string> | undefined),
              accept: 'application/json',
              ...(data ? { 'content-type': contentType, 'content-length': Buffer.byteLength(data) } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(data);
      }),
    close: () => agent.destroy(),
  };
}

/** Runs task over items with at most `limit` in flight. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
