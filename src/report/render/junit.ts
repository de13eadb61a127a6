/**
 * junit.xml: one testsuite for the drill, one testcase per phase, per objective and per probe, so CI systems
 * (GitHub Actions, Azure Pipelines, GitLab) show a drill like a test run. Hand-written: the format is small
 * and a builder library would bring lodash and xmlbuilder along.
 */
import { redactDeep } from '../../util/redact.js';
import type { Report } from '../schema.js';
import { objectiveLines, sinceT0 } from './format.js';
import type { ReportRenderer } from './renderer.js';

/** Renders junit.xml. */
export const junitRenderer: ReportRenderer = {
  fileName: 'junit.xml',
  render: (input) => renderJunit(redactDeep(input)),
};

interface Case {
  classname: string;
  name: string;
  seconds: number;
  result: { tag: 'failure' | 'error' | 'skipped'; type: string; message: string } | null;
  out: string;
}

function renderJunit(r: Report): string {
  const cls = `dr-drill.${r.scenario.name}`;
  const cases: Case[] = [];
  for (const p of r.phases) {
    // An ERROR verdict means recovery was not exercised: CI shows it as an error, not as a failed test.
    const tag =
      p.outcome === 'failed'
        ? r.verdict === 'ERROR'
          ? 'error'
          : 'failure'
        : p.outcome === 'interrupted'
          ? 'error'
          : p.outcome === 'skipped'
            ? 'skipped'
            : null;
    // A runbook hook is a testcase of its own class, with its command, exit code and log file.
    const hook = p.name.startsWith('hook:') ? r.hooks?.find((h) => `hook:${h.name}` === p.name) : undefined;
    const events = p.events.map((e) => `[${e.at} ${sinceT0(e.atSeconds)}] ${e.level}: ${e.message}`);
    cases.push({
      classname: hook ? `${cls}.hook` : `${cls}.phase`,
      name: hook ? hook.name : p.name,
      seconds: p.durationSeconds ?? 0,
      result: tag && { tag, type: p.outcome, message: p.reason ?? p.outcome },
      out: (hook
        ? [
            `${hook.at}: ${hook.command.join(' ')}`,
            `exit code ${hook.exitCode ?? 'none'}; log ${hook.outputFile ?? 'none'}`,
            ...events,
          ]
        : events
      ).join('\n'),
    });
  }
  for (const o of objectiveLines(r)) {
    const text = `${o.label} achieved ${o.achieved}, objective ${o.objective}, margin ${o.margin}`;
    cases.push({
      classname: `${cls}.objective`,
      name: o.label,
      seconds: 0,
      out: text,
      result:
        o.met === false
          ? { tag: 'failure', type: 'objective-missed', message: text }
          : o.met === null
            ? { tag: 'skipped', type: 'not-measured', message: `${o.label} not measured` }
            : null,
    });
  }
  for (const p of r.probes) {
    const seen = p.lastObservation ?? p.outcome;
    // A non-critical probe does not count toward the verdict, so it must not turn the CI run red either.
    const result: Case['result'] =
      p.outcome === 'passed'
        ? null
        : p.outcome === 'skipped'
          ? { tag: 'skipped', type: 'skipped', message: seen }
          : !p.critical
            ? { tag: 'skipped', type: `non-critical-${p.outcome}`, message: `non-critical probe ${p.outcome}: ${seen}` }
            : { tag: p.outcome === 'error' ? 'error' : 'failure', type: p.outcome, message: seen };
    cases.push({
      classname: `${cls}.probe`,
      name: p.name,
      seconds: p.durationSeconds ?? 0,
      result,
      out: `${p.kind} ${p.subject}${p.lastObservation ? `\n${p.lastObservation}` : ''}`,
    });
  }

  const count = (tag: string) => cases.filter((c) => c.result?.tag === tag).length;
  // Probes run inside the verify phase: the drill's time is its phases', not the sum of every case.
  const total = r.phases.reduce((s, p) => s + (p.durationSeconds ?? 0), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dr-drill" tests="${cases.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}" time="${sec(total)}">`,
    `  <testsuite name="${x(`${r.scenario.name} drill ${r.drillId}`)}" tests="${cases.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}" time="${sec(total)}" timestamp="${x(r.startedAt)}">`,
    '    <properties>',
    ...[
      ['drillId', r.drillId],
      ['verdict', r.verdict],
      ['t0', r.t0],
      ...r.reasons.map((s, i) => [`reason.${i}`, s]),
    ].map(([k, v]) => `      <property name="${x(k!)}" value="${x(v!)}"/>`),
    '    </properties>',
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${x(c.classname)}" name="${x(c.name)}" time="${sec(c.seconds)}"`;
    if (!c.result && !c.out) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (c.result) {
      const attrs = `message="${x(c.result.message)}"${c.result.tag === 'skipped' ? '' : ` type="${x(c.result.type)}"`}`;
      lines.push(
        c.result.tag === 'skipped'
          ? `      <skipped ${attrs}/>`
          : `      <${c.result.tag} ${attrs}>${x(c.result.message)}</${c.result.tag}>`,
      );
    }
    if (c.out) lines.push(`      <system-out>${x(c.out)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}

/** Seconds with at most millisecond precision, as JUnit readers expect. */
function sec(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** XML-escapes text for attributes and content, dropping characters XML 1.0 cannot hold at all. */
export function xmlEscape(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(
        /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
        '',
      )
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}
const x = xmlEscape;
