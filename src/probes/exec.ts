import type { ExecProbePlan } from '../plan/probe-plan.js';
import { choosePod, describeExec, execIn } from './exec-client.js';
import { checkJson, checkRegex, judged } from './expect.js';
import { pollProbe } from './poll.js';
import { settle, type ProbeKind } from './probe.js';

type Spec = ExecProbePlan;

/** One attempt must not eat the whole probe timeout: a hung command is retried on the next attempt. */
const ATTEMPT_CAP_MS = 60_000;

/**
 * A command run in a restored pod gives the expected exit code, stdout and/or JSON value. Polled every
 * interval until it does (a database still replaying its log answers wrongly for a while); the last
 * output, truncated and redacted, is the observation.
 */
export const execProbe: ProbeKind<Spec> = {
  polls: true,
  subject: (p, ctx) =>
    `exec ${p.command.join(' ').slice(0, 80)} in pod ${ctx.mapNamespace(p.pod.namespace)}/${p.pod.name ?? `[${p.pod.selector}]`}`,
  async run(p, ctx, timeoutMs) {
    const namespace = ctx.mapNamespace(p.pod.namespace);
    const want = p.expect;
    return settle(this.subject(p, ctx), () =>
      pollProbe(
        async (remaining) => {
          const pod = await choosePod(ctx.gateway, namespace, p.pod);
          const r = await execIn(ctx.gateway, namespace, pod, p.command, Math.min(remaining, ATTEMPT_CAP_MS));
          return judged(`pod ${pod.name}: ${describeExec(r)}`, [
            r.exitCode !== want.exitCode ? `exit code ${r.exitCode}, want ${want.exitCode}` : null,
            want.stdout !== null ? checkRegex('stdout', r.stdout, want.stdout) : null,
            want.json !== null ? checkJson(r.stdout, want.json) : null,
          ]);
        },
        p,
        ctx,
        timeoutMs,
      ),
    );
  },
};
