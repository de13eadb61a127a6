/**
 * The chat message a drill posts (spec.report.notify), in each format a webhook speaks. One redacted summary
 * (verdict, objectives, reasons, failing probes, facts) is built once and rendered per format:
 * - `teams`: a Teams Workflows message, `{type: message, attachments: [Adaptive Card]}`, which the Workflows
 *   template "Post to a channel when a webhook request is received" posts as is (Teams incoming webhooks accept
 *   it too; the MessageCard format of the retired Office 365 connectors is gone);
 * - `slack`: an incoming-webhook message, `text` plus Block Kit `blocks`;
 * - `json`: a plain, documented object for any other receiver (an alert router, a ticketing bridge).
 * `auto` picks teams or slack from the webhook's host and json otherwise (util/webhook-url.ts).
 */
import type { NotifyFormat } from '../plan/types.js';
import type { Report, VerdictT } from './schema.js';
import { formatSeconds } from '../util/duration.js';
import { redact, redactDeep } from '../util/redact.js';
import { objectiveLines } from './render/format.js';

/** What a notification says, already redacted; every format renders this and nothing else. */
export interface NotifySummary {
  verdict: VerdictT;
  scenario: string;
  drillId: string;
  startedAt: string;
  /** One line: icon, verdict, scenario, drill id. */
  title: string;
  /** Objective lines, the first reasons, failing critical probes, leftovers, the report folder. */
  lines: string[];
  facts: { name: string; value: string }[];
  folder: string | null;
}

const ICON: Record<VerdictT, string> = { PASS: '✅', FAIL: '❌', ERROR: '⚠️' };

/** The summary of a sealed report (pure). Every string passes through redact(): a report may quote a secret. */
export function notifySummary(input: Report, folder?: string): NotifySummary {
  const r = redactDeep(input);
  const title = `${ICON[r.verdict]} dr-drill ${r.verdict}: ${r.scenario.name} (drill ${r.drillId})`;
  const objectives = objectiveLines(r).map(
    (o) =>
      `${o.label} ${o.achieved} / objective ${o.objective}: ${o.status}${o.met === null ? '' : ` (margin ${o.margin})`}`,
  );
  const failing = r.probes
    .filter((p) => p.critical && (p.outcome === 'failed' || p.outcome === 'error'))
    .map((p) => `${p.name}: ${p.outcome}${p.lastObservation ? ` — ${p.lastObservation}` : ''}`);
  const lines = [
    ...objectives,
    ...r.reasons.slice(0, 5).map((s) => `• ${s}`),
    ...failing.slice(0, 5).map((s) => `probe ${s}`),
    ...(r.teardown.leftBehind.length
      ? [`${r.teardown.leftBehind.length} object(s) left behind: dr-drill cleanup --drill-id ${r.drillId}`]
      : []),
    ...(folder ? [`report: ${folder}`] : []),
  ].map((s) => clip(redact(s), 300));
  const measured = (o: Report['rto']) =>
    o.achievedSeconds === null
      ? 'not measured'
      : `${formatSeconds(o.achievedSeconds)} / ${formatSeconds(o.objectiveSeconds)}`;
  const facts = [
    { name: 'Verdict', value: r.verdict },
    { name: 'Started', value: r.startedAt },
    { name: 'RTO', value: measured(r.rto) },
    { name: 'RPO', value: measured(r.rpo) },
    { name: 'Backup', value: r.backup.name ?? '—' },
    { name: 'Restore', value: r.restore.phase ? `${r.restore.name ?? ''} ${r.restore.phase}` : '—' },
  ].map((f) => ({ name: f.name, value: clip(redact(f.value), 300) }));
  return {
    verdict: r.verdict,
    scenario: r.scenario.name,
    drillId: r.drillId,
    startedAt: r.startedAt,
    title,
    lines,
    facts,
    folder: folder ?? null,
  };
}

/** Adaptive Card colours: good (green), attention (red), warning (amber). */
const CARD_COLOR: Record<VerdictT, string> = { PASS: 'Good', FAIL: 'Attention', ERROR: 'Warning' };

/**
 * Adaptive Card 1.4: the newest version the Workflows "Post card in a chat or channel" action renders on every
 * Teams client. `msteams.width: Full` uses the channel's width for the fact table.
 */
function teams(s: NotifySummary): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          // Shown in notifications and chat previews, where the card itself is not rendered.
          fallbackText: s.title,
          body: [
            {
              type: 'TextBlock',
              text: s.title,
              weight: 'Bolder',
              size: 'Medium',
              color: CARD_COLOR[s.verdict],
              wrap: true,
            },
            ...s.lines.map((l) => ({ type: 'TextBlock', text: l, wrap: true, spacing: 'Small' })),
            { type: 'FactSet', facts: s.facts.map((f) => ({ title: f.name, value: f.value })) },
          ],
        },
      },
    ],
  };
}

/** Slack Block Kit limits: header text 150 characters, section text 3,000, a field 2,000. */
function slack(s: NotifySummary): Record<string, unknown> {
  return {
    // The notification and the fallback where blocks are not shown.
    text: [s.title, ...s.lines].join('\n'),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(s.title, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(s.lines.join('\n') || 'no details', 2900) } },
      {
        type: 'section',
        fields: s.facts.map((f) => ({ type: 'mrkdwn', text: clip(`*${f.name}*\n${f.value}`, 1900) })),
      },
    ],
  };
}

/** A plain object any receiver can read; `text` too, which chat bridges (Mattermost, Google Chat) display. */
function json(s: NotifySummary): Record<string, unknown> {
  return {
    source: 'dr-drill',
    verdict: s.verdict,
    scenario: s.scenario,
    drillId: s.drillId,
    startedAt: s.startedAt,
    title: s.title,
    text: [s.title, ...s.lines].join('\n'),
    lines: s.lines,
    facts: Object.fromEntries(s.facts.map((f) => [f.name.toLowerCase(), f.value])),
    folder: s.folder,
  };
}

/** Every message format by name (the scenario's `notify.format` choices besides auto). */
export const NOTIFY_FORMATS: Record<NotifyFormat, (s: NotifySummary) => Record<string, unknown>> = {
  teams,
  slack,
  json,
};

/** The message body (pure): the redacted summary of a report in a webhook's format. */
export function notificationMessage(report: Report, format: NotifyFormat, folder?: string): Record<string, unknown> {
  return NOTIFY_FORMATS[format](notifySummary(report, folder));
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
