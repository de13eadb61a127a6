import { request } from 'node:http';
import type { HttpProbePlan } from '../plan/probe-plan.js';
import type { KubeGateway } from '../kube/gateway.js';
import { infraError } from '../util/errors.js';
import { selectorString } from './diagnose.js';
import { choosePod, reportable, type ChosenPod } from './exec-client.js';
import { checkJson, checkRegex, judged } from './expect.js';
import { pollProbe } from './poll.js';
import { settle, type ProbeKind } from './probe.js';

type Spec = HttpProbePlan;

/** What came back, and how long it took from the request to the last byte. */
export interface HttpAnswer {
  status: number;
  body: string;
  latencyMs: number;
}

const ATTEMPT_CAP_MS = 30_000;
const BODY_LIMIT = 1 << 20;

/** The pod and pod port a request goes to: a pod, the first Ready pod of a selector, or a Service's endpoints. */
async function resolveTarget(
  gw: KubeGateway,
  namespace: string,
  t: Spec['target'],
): Promise<{ pod: ChosenPod; port: number }> {
  if (!t.service) return { pod: await choosePod(gw, namespace, { name: t.pod, selector: t.selector }), port: t.port };
  const svc = await gw.get({ apiVersion: 'v1', kind: 'Service', namespace, name: t.service });
  if (!svc) throw new Error(`Service ${namespace}/${t.service} does not exist`);
  const ports = (svc.spec?.ports ?? []) as Array<{ port: number; targetPort?: number | string; name?: string }>;
  const sp = ports.find((p) => p.port === t.port);
  if (!sp)
    throw new Error(
      `Service ${namespace}/${t.service} has no port ${t.port} (has ${ports.map((p) => p.port).join(', ') || 'none'})`,
    );
  const selector = selectorString({ matchLabels: svc.spec?.selector as Record<string, string> | undefined });
  if (!selector) throw new Error(`Service ${namespace}/${t.service} has no selector: nothing to forward to`);
  const pod = await choosePod(gw, namespace, { selector });
  if (typeof sp.targetPort === 'number') return { pod, port: sp.targetPort };
  if (sp.targetPort === undefined) return { pod, port: sp.port };
  // A named targetPort is the container port of that name in the chosen pod.
  const full = await gw.get({ apiVersion: 'v1', kind: 'Pod', namespace, name: pod.name });
  const named = ((full?.spec?.containers ?? []) as Array<{ ports?: Array<{ name?: string; containerPort: number }> }>)
    .flatMap((c) => c.ports ?? [])
    .find((p) => p.name === sp.targetPort);
  if (!named) throw new Error(`pod ${pod.name} has no container port named ${sp.targetPort}`);
  return { pod, port: named.containerPort };
}

/** One request to 127.0.0.1:port; rejects on a transport error or after timeoutMs. */
export function httpRequest(
  port: number,
  p: Pick<Spec, 'method' | 'path' | 'headers' | 'body'>,
  timeoutMs: number,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: p.method,
        path: p.path,
        headers: p.headers,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= BODY_LIMIT) chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            latencyMs: Math.round(performance.now() - started),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)}s`)));
    req.on('error', reject);
    req.end(p.body ?? undefined);
  });
}

/**
 * An HTTP request through an API-server port-forward to a restored pod or Service answers with the expected
 * status, body and JSON value; the latency of the passing request is in the observation. Header values are
 * never reported (they carry credentials).
 */
export const httpProbe: ProbeKind<Spec> = {
  polls: true,
  subject: (p, ctx) => {
    const t = p.target;
    const where = t.service ? `service ${t.service}` : t.pod ? `pod ${t.pod}` : `pod [${t.selector}]`;
    return `${p.method} ${p.path} on ${where}:${t.port} in ${ctx.mapNamespace(t.namespace)}`;
  },
  async run(p, ctx, timeoutMs) {
    const gw = ctx.gateway;
    const namespace = ctx.mapNamespace(p.target.namespace);
    const want = p.expect;
    return settle(this.subject(p, ctx), () =>
      pollProbe(
        async (remaining) => {
          if (!gw.portForward)
            throw infraError(
              'PORT_FORWARD_UNSUPPORTED',
              `the gateway for ${gw.context} cannot port-forward`,
              'run the drill with a kubeconfig-backed gateway',
            );
          const { pod, port } = await resolveTarget(gw, namespace, p.target);
          const forward = await gw.portForward(namespace, pod.name, port);
          let a: HttpAnswer;
          try {
            a = await httpRequest(forward.localPort, p, Math.min(remaining, ATTEMPT_CAP_MS));
          } finally {
            await forward.close();
          }
          const seen = `pod ${pod.name}:${port} answered ${a.status} in ${a.latencyMs}ms${a.body ? `; body: ${reportable(a.body, 300)}` : ''}`;
          return judged(seen, [
            a.status !== want.status ? `status ${a.status}, want ${want.status}` : null,
            want.body !== null ? checkRegex('body', a.body, want.body) : null,
            want.json !== null ? checkJson(a.body, want.json) : null,
          ]);
        },
        p,
        ctx,
        timeoutMs,
      ),
    );
  },
};
