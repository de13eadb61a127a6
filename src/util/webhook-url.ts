/**
 * A chat webhook URL carries its credential in the path: sent over plain http, anyone on the path can read it
 * and post as the drill. Only https is accepted; http only to a loopback address, where the bytes never leave
 * the machine (tests, a local relay).
 */

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Why a webhook URL must not be used, or null when it may be. Never quotes the URL (it is a secret). */
export function webhookUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL: expected https://…';
  }
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol === 'http:') {
    return LOOPBACK.test(parsed.hostname)
      ? null
      : 'uses http://, which would send the credential in its path in cleartext: expected https:// (http:// only to localhost)';
  }
  return `uses ${parsed.protocol}//: expected https://`;
}

/** Hosts of Teams Workflows (Power Automate, Logic Apps) and of the older Teams incoming webhooks. */
const TEAMS_HOST =
  /(^|\.)(logic\.azure\.com|powerautomate\.com|powerplatform\.com|flow\.microsoft\.com|(webhook|outlook)\.office\.com)$/i;
const SLACK_HOST = /(^|\.)hooks\.slack(-gov)?\.com$/i;

/** The message format `notify.format: auto` stands for: by the webhook host; json for any other host. */
export function webhookFormatFor(url: string): 'teams' | 'slack' | 'json' {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return 'json';
  }
  return TEAMS_HOST.test(host) ? 'teams' : SLACK_HOST.test(host) ? 'slack' : 'json';
}
