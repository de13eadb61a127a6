/**
 * Chat notification after a drill is sealed (spec.report.notify), in the webhook's format (notify-formats.ts:
 * a Teams Workflows Adaptive Card, a Slack message or plain JSON). Notifying is best effort: it
 * retries, bounds every attempt, and on failure returns a warning — it never changes the verdict or exit code.
 * The webhook URL carries its credential in the path, so it is never printed, logged or put in the message.
 */
import type { NotifyFormat, NotifyOn } from '../plan/types.js';
import { formatSeconds } from '../util/duration.js';
import { webhookUrlProblem } from '../util/webhook-url.js';
import { redact } from '../util/redact.js';
import type { Report, VerdictT } from './schema.js';
import { notificationMessage } from './notify-formats.js';

export { notificationMessage } from './notify-formats.js';

/** What notify needs: the resolved webhook, the verdicts that send, and the per-attempt timeout. */
export interface NotifyTarget {
  /** The webhook URL (a secret). */
  url: string;
  on: readonly NotifyOn[];
  timeoutMs: number;
  /** The message format the webhook speaks. */
  format: NotifyFormat;
}

/** Knobs for tests and callers; the defaults suit a nightly job. */
export interface NotifyOptions {
  /** Attempts in all (default 3). */
  attempts?: number;
  /** First backoff; doubled after each failed attempt (default 1000 ms). */
  backoffMs?: number;
  /** A Retry-After longer than this is cut to it, so a drill job does not hang on a throttled webhook (default 60 s). */
  maxRetryAfterMs?: number;
  /** The report folder, named in the message so the reader knows where the evidence is. */
  folder?: string;
  /** Injected for tests (default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
}

/** How notifying went. */
export interface NotifyResult {
  sent: boolean;
  attempts: number;
  /** Why nothing was sent or why sending failed; null when sent. Safe to print: it never holds the URL. */
  warning: string | null;
  /** Set when the verdict is not one that notifies. */
  skipped: boolean;
}

/** Whether a verdict is one the scenario asked to be notified about. */
export function shouldNotify(on: readonly NotifyOn[], verdict: VerdictT): boolean {
  return on.includes(verdict.toLowerCase() as NotifyOn);
}

/**
 * Posts the message when the verdict asks for it. Retries on network errors, timeouts, 429 and 5xx (three
 * attempts, exponential backoff, Retry-After honoured on 429); never throws.
 */
export async function notify(target: NotifyTarget, report: Report, options: NotifyOptions = {}): Promise<NotifyResult> {
  if (!shouldNotify(target.on, report.verdict)) return { sent: false, attempts: 0, warning: null, skipped: true };
  // Checked again here, whoever built the target: a cleartext URL is never sent, not even once.
  const unsafe = webhookUrlProblem(target.url);
  if (unsafe !== null)
    return { sent: false, attempts: 0, warning: `notification not sent: the webhook ${unsafe}`, skipped: false };
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((res) => setTimeout(res, ms)));
  const body = JSON.stringify(notificationMessage(report, target.format, options.folder));
  let last = '';
  let made = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    made = attempt;
    let waitMs = (options.backoffMs ?? 1000) * 2 ** (attempt - 1);
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(target.timeoutMs),
        redirect: 'error',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { sent: true, attempts: attempt, warning: null, skipped: false };
      last = `HTTP ${res.status}`;
      if (res.status === 429) {
        const after = retryAfterMs(res.headers.get('retry-after'));
        if (after !== null) waitMs = Math.min(after, options.maxRetryAfterMs ?? 60_000);
      } else if (res.status < 500) {
        break; // 4xx other than 429: the request is wrong (bad or revoked webhook); retrying will not help.
      }
    } catch (e) {
      last = describeFailure(e, target);
    }
    if (attempt < attempts) await sleep(waitMs);
  }
  return {
    sent: false,
    attempts: made,
    warning: `notification not sent after ${made} attempt(s): ${last}`,
    skipped: false,
  };
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: Date = new Date()): number | null {
  if (header === null || header.trim() === '') return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

// Errors from fetch may quote the URL; the URL is a credential, so it is cut out before anything is said.
function describeFailure(e: unknown, target: NotifyTarget): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const text =
    err.name === 'TimeoutError' || err.name === 'AbortError'
      ? `no answer within ${formatSeconds(target.timeoutMs / 1000)}`
      : `${err.message ?? String(e)}${err.cause?.code ? ` (${err.cause.code})` : ''}`;
  return redact(text.split(target.url).join('<webhook>'));
}
