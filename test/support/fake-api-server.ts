/** A real ClientGateway talking to a test's own HTTP server: what client-node sends and receives, byte for byte. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ClientGateway } from '../../src/kube/client-gateway.js';

/** Starts `server` on a free loopback port; returns its base URL. */
export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A gateway whose only cluster is the server at `url` (token auth, no TLS). */
export function gatewayAt(url: string): ClientGateway {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new ClientGateway(kc);
}
