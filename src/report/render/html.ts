/**
 * report.html: one self-contained page for people who were not there — inline CSS, charts drawn as inline SVG by
 * this module, the report data embedded as JSON, no script needed to read it and nothing fetched (a CSP forbids
 * it). Pure: the recent history of the scenario is passed in by the caller, which did the I/O.
 */
import { formatSeconds } from '../../util/duration.js';
import { redactDeep } from '../../util/redact.js';
import type { Report, VeleroMessages } from '../schema.js';
import { NONE, objectiveLines, ranByLines, secs, sinceT0 } from './format.js';
import { ganttSvg } from './svg-gantt.js';
import { trendSvg, type TrendPoint } from './svg-trend.js';
import { esc } from './svg-util.js';

export type { TrendPoint } from './svg-trend.js';

/** Options of renderHtml. */
export interface HtmlOptions {
  /** Earlier drills of the same scenario (any order); the report itself is added when missing. */
  history?: TrendPoint[];
  /** How many drills the trend chart shows (default 10). */
  trendDrills?: number;
}

/** Renders report.html (secrets redacted first, every text escaped). */
export function renderHtml(input: Report, options: HtmlOptions = {}): string {
  const r = redactDeep(input);
  const body = [
    banner(r),
    objectives(r),
    timeline(r),
    trend(r, options),
    probes(r),
    hooks(r),
    restore(r),
    teardown(r),
    warnings(r),
    evidence(r),
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Belt and braces: even if some text slipped through unescaped, the page may not load or send anything.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(`${r.verdict} · ${r.scenario.name} · drill ${r.drillId}`)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    `<body class="${r.verdict.toLowerCase()}">`,
    '<main>',
    ...body.filter(Boolean),
    `<footer>${esc(`${r.tool.name} ${r.tool.version} · report schema v${r.schemaVersion} · sealed ${r.endedAt ?? NONE}`)}</footer>`,
    '</main>',
    `<script type="application/json" id="report-data">${jsonForScript(r)}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** JSON safe inside a <script> element: `<` (and the JS line separators) become \u escapes. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function banner(r: Report): string {
  const why = r.reasons.length
    ? `<ul class="reasons">${r.reasons.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`
    : `<p class="reasons">${r.verdict === 'PASS' ? 'Recovery proven within objectives.' : 'No reason recorded.'}</p>`;
  const facts: [string, string][] = [
    ['Drill', r.drillId],
    ['Started', r.startedAt],
    ['T0', `${r.t0} (${r.t0Basis})`],
    ['Source', `${r.source.kubeContext ?? NONE} / ${r.source.veleroNamespace ?? NONE}`],
    ['Target', `${r.target.kind} in ${r.target.kubeContext ?? NONE}`],
    [
      'Namespaces',
      Object.entries(r.target.namespaceMapping)
        .map(([a, b]) => `${a} → ${b}`)
        .join(', ') || NONE,
    ],
    ['Backup', `${r.backup.name ?? NONE}${r.backup.phase ? ` (${r.backup.phase})` : ''}`],
  ];
  if (r.scenario.controls?.length) facts.push(['Controls', r.scenario.controls.join(', ')]);
  return [
    `<header class="banner ${r.verdict.toLowerCase()}">`,
    `<div class="verdict" id="verdict">${esc(r.verdict)}</div>`,
    `<div><h1>${esc(r.scenario.name)}</h1>${r.restore.volumeData === 'metadata-only' ? '<p class="note"><strong>Volume data not checked</strong> (restore.volumeData: metadata-only).</p>' : ''}${r.negativeControl ? `<p class="note">Deliberate negative control: it is expected not to pass.${r.negativeControlResult ? ` ${r.negativeControlResult.conclusive ? 'Conclusive' : 'Not conclusive'}: ${esc(r.negativeControlResult.reason)}` : ''}</p>` : ''}${why}</div>`,
    '</header>',
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`,
  ].join('\n');
}

function objectives(r: Report): string {
  const rows = objectiveLines(r).map((o) => {
    const cls = o.met === null ? 'none' : o.met ? 'ok' : 'bad';
    return `<tr><th>${o.label}</th><td>${esc(o.objective)}</td><td>${esc(o.achieved)}</td><td class="${cls}">${esc(o.status)}</td><td class="${cls}">${esc(o.margin)}</td></tr>`;
  });
  const basis =
    r.rpo.basis === 'canary'
      ? 'canary: the newest data read back from the restored copy'
      : r.rpo.basis === 'backup-start'
        ? "backup-start: the backup's start time, a conservative bound"
        : 'not measured';
  return section('Objectives', [
    table(['', 'Objective', 'Achieved', 'Status', 'Margin'], rows),
    `<p class="small">RPO basis: ${esc(basis)}${r.rpo.recoveryPoint ? `; recovery point ${esc(r.rpo.recoveryPoint)}` : ''}. RTO runs from T0 until every critical probe passed; teardown is not part of it. An objective is met only when achieved plus its uncertainty fits it.</p>`,
    ...[
      ['RTO', r.rto.reason],
      ['RPO', r.rpo.reason],
    ]
      .filter(([, why]) => why)
      .map(([what, why]) => `<p class="small">${what}: ${esc(why!)}</p>`),
  ]);
}

function timeline(r: Report): string {
  const svg = ganttSvg(r);
  if (!svg) return section('Timeline', ['<p>No phase ran.</p>']);
  const legend = `<p class="legend small"><span class="k succeeded"></span>succeeded <span class="k failed"></span>failed <span class="k skipped"></span>skipped <span class="k queued"></span>restore queued <span class="k running"></span>restore running ${r.hooks?.length ? '<span class="k hook"></span>runbook hook ' : ''}<span class="k passed"></span>probe passed <span class="k objective"></span>RTO objective <span class="k achieved"></span>achieved RTO</p>`;
  const rows = r.phases.map(
    (p) =>
      `<tr><td>${esc(p.name)}</td><td class="${esc(p.outcome)}">${esc(p.outcome)}</td><td>${esc(sinceT0(p.startSeconds))}</td><td>${esc(secs(p.durationSeconds))}</td><td>${esc(p.subphases.map((s) => `${s.name} ${secs(s.durationSeconds)}`).join(', ') || NONE)}</td><td>${esc(p.reason ?? '')}</td></tr>`,
  );
  return section('Timeline', [svg, legend, table(['Phase', 'Outcome', 'Start', 'Duration', 'Split', 'Reason'], rows)]);
}

function trend(r: Report, options: HtmlOptions): string {
  // The history recorded in the report (evidence.trend) makes report.html a pure function of report.json.
  const history = options.history ?? r.evidence.trend ?? [];
  if (!history.length) return '';
  const points = history.filter((p) => p.drillId !== r.drillId);
  points.push({
    drillId: r.drillId,
    startedAt: r.startedAt,
    verdict: r.verdict,
    rtoAchievedSeconds: r.rto.achievedSeconds,
    rtoObjectiveSeconds: r.rto.objectiveSeconds,
  });
  const recent = points.sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1)).slice(-(options.trendDrills ?? 10));
  const svg = trendSvg(recent);
  return svg
    ? section('Recent trend', [
        svg,
        `<p class="small">RTO of the last ${recent.length} drills of ${esc(r.scenario.name)}, oldest left; dashed: the objective.</p>`,
      ])
    : '';
}

function probes(r: Report): string {
  if (!r.probes.length) return section('Probes', ['<p>No probes ran.</p>']);
  const rows = r.probes.map(
    (p) =>
      `<tr><td>${esc(p.name)}</td><td>${esc(p.kind)}</td><td>${p.critical ? 'yes' : 'no'}</td><td class="${esc(p.outcome)}">${esc(p.outcome)}</td><td>${esc(sinceT0(p.passedAtSeconds))}</td><td>${esc(secs(p.durationSeconds))}</td><td>${esc(p.subject)}</td><td class="obs">${esc(p.lastObservation ?? NONE)}</td></tr>`,
  );
  return section('Probes', [
    table(['Probe', 'Kind', 'Critical', 'Outcome', 'Passed at', 'Duration', 'Subject', 'Last observation'], rows),
  ]);
}

function hooks(r: Report): string {
  if (!r.hooks?.length) return '';
  const rows = r.hooks.map(
    (h) =>
      `<tr><td>${esc(h.name)}</td><td>${esc(h.at)}</td><td><code>${esc(h.command.join(' '))}</code></td><td class="${esc(h.outcome)}">${esc(h.outcome)}</td><td>${esc(h.exitCode ?? NONE)}</td><td>${esc(secs(h.durationSeconds))}</td><td>${h.countedInRto ? 'yes' : 'no'}</td><td>${esc(h.outputFile ?? NONE)}</td><td class="obs">${esc(h.reason ?? '')}</td></tr>`,
  );
  return section('Runbook hooks', [
    table(['Hook', 'At', 'Command', 'Outcome', 'Exit', 'Duration', 'In RTO', 'Log', 'Reason'], rows),
  ]);
}

function restore(r: Report): string {
  const x = r.restore;
  const items =
    x.itemsRestored === null && x.totalItems === null ? NONE : `${x.itemsRestored ?? '?'}/${x.totalItems ?? '?'}`;
  const parts = [
    table(
      ['Name', 'Phase', 'Warnings', 'Errors', 'Items', 'Queued', 'Running'],
      [
        `<tr><td>${esc(x.name ?? NONE)}</td><td>${esc(x.phase ?? NONE)}</td><td>${esc(x.warnings ?? NONE)}</td><td>${esc(x.errors ?? NONE)}</td><td>${esc(items)}</td><td>${esc(secs(x.queuedSeconds))}</td><td>${esc(secs(x.runningSeconds))}</td></tr>`,
      ],
    ),
  ];
  if (x.failureReason) parts.push(`<p>Failure reason: ${esc(x.failureReason)}</p>`);
  if (x.validationErrors.length)
    parts.push(`<p>Validation errors:</p><ul>${x.validationErrors.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`);
  if (x.triage.length) parts.push(`<h3>Triage</h3><ul>${x.triage.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`);
  if (x.messages) parts.push(messages('Errors', x.messages.errors), messages('Warnings', x.messages.warnings));
  if (x.messagesSource) parts.push(`<p class="small">Messages read from ${esc(x.messagesSource)}.</p>`);
  return section('Velero restore', parts);
}

function messages(title: string, m: VeleroMessages): string {
  const groups: [string, string[]][] = [
    ['Velero', m.velero],
    ['Cluster', m.cluster],
    ...Object.keys(m.namespaces)
      .sort()
      .map((ns): [string, string[]] => [`namespace ${ns}`, m.namespaces[ns]!]),
  ];
  const rows = groups
    .filter(([, l]) => l.length)
    .map(
      ([where, l]) =>
        `<tr><td>${esc(where)}</td><td>${l.length}</td><td><ul>${l.map((s) => `<li>${esc(s)}</li>`).join('')}</ul></td></tr>`,
    );
  return rows.length ? `<h3>${esc(title)} by namespace</h3>${table(['Where', 'Count', 'Messages'], rows)}` : '';
}

function teardown(r: Report): string {
  const t = r.teardown;
  const parts = [
    `<p>${t.performed ? `Performed: ${t.deleted.length} object(s) deleted.` : `Not performed${t.reason ? `: ${esc(t.reason)}` : '.'}`}</p>`,
  ];
  if (t.deleted.length)
    parts.push(
      `<details><summary>Deleted</summary><ul>${t.deleted.map((s) => `<li><code>${esc(s)}</code></li>`).join('')}</ul></details>`,
    );
  if (t.leftBehind.length) {
    parts.push(
      `<p class="bad">Left behind — remove with <code>dr-drill cleanup --drill-id ${esc(r.drillId)}</code>:</p>`,
      table(
        ['Object', 'Reason'],
        t.leftBehind.map((l) => `<tr><td><code>${esc(l.object)}</code></td><td>${esc(l.reason)}</td></tr>`),
      ),
    );
  }
  return section('Teardown', parts);
}

function warnings(r: Report): string {
  return r.warnings.length
    ? section('Warnings', [`<ul>${r.warnings.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`])
    : '';
}

function evidence(r: Report): string {
  const prev =
    r.evidence.previousDrillId || r.evidence.previousReportSha256
      ? `drill <code>${esc(r.evidence.previousDrillId ?? '?')}</code>, report.json SHA-256 <code class="hash">${esc(r.evidence.previousReportSha256 ?? '?')}</code>`
      : 'none (first drill of this scenario in this report dir)';
  return section('Evidence', [
    `<ul><li>Scenario file ${esc(r.scenario.file ?? NONE)}, SHA-256 <code class="hash">${esc(r.scenario.sha256 ?? NONE)}</code></li>`,
    `<li>Previous drill: ${prev}</li>`,
    ...ranByLines(r).map((l) => `<li>${esc(l)}</li>`),
    r.evidence.signedBy
      ? `<li>Signed: Ed25519 key <code class="hash">sha256:${esc(r.evidence.signedBy.publicKeySha256)}</code> (<code>SHA256SUMS.sig</code>)</li>`
      : '<li>Signed: no (run --sign-key signs the folder)</li>',
    '<li>Every file of the report folder is listed in <code>SHA256SUMS</code>: check with <code>sha256sum -c SHA256SUMS</code> or <code>dr-drill report verify &lt;folder&gt;</code>.</li></ul>',
    `<p class="small">Drill duration ${esc(formatSeconds(r.phases.reduce((s, p) => s + (p.durationSeconds ?? 0), 0)))}; the report data is embedded in this page as JSON (<code>#report-data</code>).</p>`,
  ]);
}

function section(title: string, parts: string[]): string {
  return `<section><h2>${esc(title)}</h2>\n${parts.filter(Boolean).join('\n')}\n</section>`;
}

function table(head: string[], rows: string[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const CSS = `
:root{--pass:#2e7d32;--fail:#c62828;--error:#ef6c00;--ink:#1d2330;--mute:#5f6b7a;--line:#d9dee5;--bg:#fff}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1040px;margin:0 auto;padding:20px}
.banner{display:flex;gap:20px;align-items:center;padding:16px 20px;border-radius:8px;color:#fff}
.banner.pass{background:var(--pass)}.banner.fail{background:var(--fail)}.banner.error{background:var(--error)}
.verdict{font-size:40px;font-weight:800;letter-spacing:1px}.banner h1{margin:0;font-size:22px}.banner ul,.banner p{margin:4px 0 0}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:14px 0}.facts dt{color:var(--mute)}.facts dd{margin:0}
section{margin:22px 0;break-inside:avoid-page}h2{font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px}h3{font-size:15px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
thead th{background:#f3f5f8}td ul{margin:0;padding-left:18px}.obs{font-family:ui-monospace,Consolas,monospace;font-size:12px;word-break:break-word}
.ok,.passed,.succeeded{color:var(--pass);font-weight:600}.bad,.failed,.error{color:var(--fail);font-weight:600}.none,.skipped{color:var(--mute)}
.small{color:var(--mute);font-size:12px}code{font-family:ui-monospace,Consolas,monospace;font-size:12px}.hash{word-break:break-all}
svg{display:block;max-width:100%;height:auto;font-size:11px}svg.trend{max-width:720px}svg .grid{stroke:#eceff3}svg .tick{fill:var(--mute)}svg .label{fill:var(--ink)}svg .label.probe{font-style:italic}
rect.phase.succeeded{fill:#5c8fd6}rect.phase.hook.succeeded{fill:#2a9d8f}rect.phase.failed{fill:var(--fail)}rect.phase.skipped{fill:#c9ced6}rect.phase.interrupted{fill:var(--error)}
rect.sub.queued{fill:#b9a4e0}rect.sub.running{fill:#7e57c2}rect.probe.passed{fill:var(--pass)}rect.probe.failed{fill:var(--fail)}rect.probe.error{fill:var(--error)}rect.probe.skipped{fill:#c9ced6}
rect.noncritical{opacity:.55}line.objective{stroke:var(--fail);stroke-width:2;stroke-dasharray:6 4}line.achieved{stroke:var(--ink);stroke-width:2}
polyline.rto{fill:none;stroke:#5c8fd6;stroke-width:2}circle.pt{stroke:#fff;stroke-width:1.5}circle.pass{fill:var(--pass)}circle.fail{fill:var(--fail)}circle.error,circle.none{fill:var(--error)}
.legend .k{display:inline-block;width:12px;height:10px;margin:0 4px 0 10px;vertical-align:middle;background:#ccc}
.k.succeeded{background:#5c8fd6}.k.failed{background:var(--fail)}.k.skipped{background:#c9ced6}.k.queued{background:#b9a4e0}.k.running{background:#7e57c2}.k.passed{background:var(--pass)}.k.hook{background:#2a9d8f}
.k.objective{height:2px;background:var(--fail)}.k.achieved{height:2px;background:var(--ink)}
footer{margin-top:30px;color:var(--mute);font-size:12px}
@media print{main{max-width:none;padding:0}.banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}svg rect,.legend .k{-webkit-print-color-adjust:exact;print-color-adjust:exact}details>*{display:block}a{color:inherit}}
`.trim();
