/** report.md: the report for a human reviewer (pull request, wiki, audit folder). */
import { formatSeconds } from '../../util/duration.js';
import { redactDeep } from '../../util/redact.js';
import type { Report, VeleroMessages } from '../schema.js';
import { NONE, objectiveLines, ranByLines, secs, sinceT0 } from './format.js';
import type { ReportRenderer } from './renderer.js';

/** Renders report.md. */
export const markdownRenderer: ReportRenderer = {
  fileName: 'report.md',
  render: (input) => renderMarkdown(redactDeep(input)),
};

function renderMarkdown(r: Report): string {
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines);

  push(`# Drill ${r.scenario.name}: ${r.verdict}`, '');
  push(
    ...table(
      ['Drill', r.verdict],
      [
        ['Drill id', code(r.drillId)],
        ['Scenario', `${r.scenario.name}${r.scenario.file ? ` (${code(r.scenario.file)})` : ''}`],
        ['Started', r.startedAt],
        ['Sealed', r.endedAt ?? NONE],
        ['T0', `${r.t0} (${r.t0Basis})`],
        ['Source', `${r.source.kubeContext ?? NONE} / ${r.source.veleroNamespace ?? NONE}`],
        ['Target', `${r.target.kind} in ${r.target.kubeContext ?? NONE} / ${r.target.veleroNamespace ?? NONE}`],
        ['Namespaces', mapping(r.target.namespaceMapping)],
        ...(r.target.veleroInstall ? [['Velero install', inline(r.target.veleroInstall.reason)]] : []),
        ...(r.target.veleroInstall?.dataPath
          ? [['Volume data path', inline(dataPathLine(r.target.veleroInstall.dataPath))]]
          : []),
        ['Tool', `${r.tool.name} ${r.tool.version}`],
      ],
    ),
    '',
  );

  push(`## Verdict: ${r.verdict}`, '');
  if (r.negativeControl) push('> This run was a deliberate **negative control**: it is expected not to pass.', '');
  const nc = r.negativeControlResult;
  if (nc) push(`> Negative control **${nc.conclusive ? 'conclusive' : 'not conclusive'}**: ${inline(nc.reason)}`, '');
  // Said before the reasons: a PASS here proves the objects came back, not the data on the volumes.
  if (r.restore.volumeData === 'metadata-only')
    push(
      `> **Volume data not checked** (restore.volumeData: metadata-only): ${r.restore.volumes?.length ?? 0} restored volume(s) were not required to have their data back.`,
      '',
    );
  if (r.reasons.length === 0) push(r.verdict === 'PASS' ? 'Recovery proven within objectives.' : 'No reason recorded.');
  else push(...r.reasons.map((s) => `- ${inline(s)}`));
  push('');

  push('## Objectives', '');
  push(
    ...table(
      ['', 'Objective', 'Achieved', 'Status', 'Margin'],
      objectiveLines(r).map((o) => [o.label, o.objective, o.achieved, o.status, o.margin]),
    ),
  );
  push('');
  const basis =
    r.rpo.basis === 'canary'
      ? 'RPO basis: canary — the newest data read back from the restored copy.'
      : r.rpo.basis === 'backup-start'
        ? "RPO basis: backup-start — the backup's start time, a conservative bound (no canary probe)."
        : 'RPO was not measured.';
  push(`${basis}${r.rpo.recoveryPoint ? ` Recovery point: ${r.rpo.recoveryPoint}.` : ''}`, '');
  // Optional chaining: reports sealed before v2 have no reason or clocks.
  for (const [what, o] of [
    ['RTO', r.rto],
    ['RPO', r.rpo],
  ] as const)
    if (o.reason) push(`- ${what}: ${inline(o.reason)}`);
  const clocks = [
    ['source', r.clocks?.source],
    ['target', r.clocks?.target],
  ] as const;
  const read = clocks.filter(([, c]) => c);
  if (read.length)
    push(
      `- Clocks against the runner's: ${read.map(([w, c]) => `${w} ${c!.offsetSeconds >= 0 ? '+' : ''}${c!.offsetSeconds} s ± ${c!.uncertaintySeconds} s`).join(', ')}.`,
    );
  push('');

  push('## Backup', '');
  push(
    ...table(
      ['Name', 'Phase', 'Schedule', 'Started', 'Completed', 'Location', 'Taken by drill'],
      [
        [
          r.backup.name ?? NONE,
          r.backup.phase ?? NONE,
          r.backup.schedule ?? NONE,
          r.backup.startTimestamp ?? NONE,
          r.backup.completionTimestamp ?? NONE,
          r.backup.storageLocation ?? NONE,
          r.backup.takenByDrill ? 'yes (kept)' : 'no',
        ],
      ],
    ),
    '',
  );

  push('## Restore', '');
  const x = r.restore;
  const items =
    x.itemsRestored === null && x.totalItems === null ? NONE : `${x.itemsRestored ?? '?'}/${x.totalItems ?? '?'}`;
  push(
    ...table(
      ['Name', 'Phase', 'Warnings', 'Errors', 'Items', 'Queued', 'Running'],
      [
        [
          x.name ?? NONE,
          x.phase ?? NONE,
          String(x.warnings ?? NONE),
          String(x.errors ?? NONE),
          items,
          secs(x.queuedSeconds),
          secs(x.runningSeconds),
        ],
      ],
    ),
    '',
  );
  if (x.failureReason) push(`Failure reason: ${inline(x.failureReason)}`, '');
  if (x.validationErrors.length) push('Validation errors:', '', ...x.validationErrors.map((s) => `- ${inline(s)}`), '');
  if (x.triage.length) push('### Triage', '', ...x.triage.map((s) => `- ${inline(s)}`), '');
  if (x.crossRegion) push(...crossRegion(x.crossRegion));
  if (x.volumes?.length)
    push(
      '### Volumes',
      '',
      ...table(
        ['Volume', 'Backed up by', 'Restored by', 'Phase', 'Bytes', 'Took', 'Snapshot', 'Data restored', 'How we know'],
        x.volumes.map((v) => [
          inline(`${v.namespace}/${v.pvc ?? `${v.pod}/${v.volume}`}`),
          v.backupMethod,
          v.restoreMethod,
          v.phase ?? NONE,
          v.bytes === null ? NONE : String(v.bytes),
          secs(v.durationSeconds),
          v.snapshotId ? code(v.snapshotId) : NONE,
          v.dataRestored ? 'yes' : x.volumeData === 'metadata-only' ? 'not checked' : '**no**',
          inline(v.reason),
        ]),
      ),
      '',
    );
  if (x.messages) {
    push(...messages('Warnings', x.messages.warnings), ...messages('Errors', x.messages.errors));
    if (x.messagesSource) push(`_Messages read from ${x.messagesSource}._`, '');
  }

  push('## Phases', '');
  push(
    ...table(
      ['Phase', 'Outcome', 'Start', 'Duration', 'Split', 'Reason'],
      r.phases.map((p) => [
        p.name,
        p.outcome,
        sinceT0(p.startSeconds),
        secs(p.durationSeconds),
        p.subphases.map((s) => `${s.name} ${secs(s.durationSeconds)}`).join(', ') || NONE,
        p.reason ?? NONE,
      ]),
    ),
    '',
  );
  const events = r.phases.flatMap((p) => p.events.map((e) => ({ ...e, phase: p.name })));
  if (events.length) {
    push('### Events', '');
    push(
      ...table(
        ['At', 'Phase', 'Level', 'Message'],
        events.map((e) => [sinceT0(e.atSeconds), e.phase, e.level, e.message]),
      ),
      '',
    );
  }

  push('## Probes', '');
  if (r.probes.length === 0) push('No probes ran.', '');
  else
    push(
      ...table(
        ['Probe', 'Kind', 'Critical', 'Outcome', 'Passed at', 'Duration', 'Subject', 'Last observation'],
        r.probes.map((p) => [
          p.name,
          p.kind,
          p.critical ? 'yes' : 'no',
          p.outcome,
          sinceT0(p.passedAtSeconds),
          secs(p.durationSeconds),
          p.subject,
          p.lastObservation ?? NONE,
        ]),
      ),
      '',
    );

  if (r.hooks?.length) {
    push('## Runbook hooks', '');
    push(
      ...table(
        ['Hook', 'At', 'Command', 'Outcome', 'Exit', 'Duration', 'In RTO', 'Log', 'Reason'],
        r.hooks.map((h) => [
          h.name,
          h.at,
          code(h.command.join(' ')),
          h.outcome,
          h.exitCode === null ? NONE : String(h.exitCode),
          secs(h.durationSeconds),
          h.countedInRto ? 'yes' : 'no',
          h.outputFile ? code(h.outputFile) : NONE,
          h.reason ?? NONE,
        ]),
      ),
      '',
    );
  }

  push('## Teardown', '');
  const t = r.teardown;
  push(
    t.performed
      ? `Performed: ${t.deleted.length} object(s) deleted.`
      : `Not performed${t.reason ? `: ${inline(t.reason)}` : '.'}`,
    '',
  );
  if (t.leftBehind.length) {
    push(`Left behind (remove with \`dr-drill cleanup --drill-id ${r.drillId}\`):`, '');
    push(...t.leftBehind.map((l) => `- ${code(l.object)}: ${inline(l.reason)}`), '');
  }

  push(...blastRadius(r), ...isolation(r));

  if (r.rehearsal) {
    const h = r.rehearsal;
    push(
      '## Rehearsal (run --step)',
      '',
      `RTO as lived ${r.rto.achievedSeconds === null ? NONE : formatSeconds(r.rto.achievedSeconds)} includes ${formatSeconds(h.operatorSeconds)} of operator time; machine RTO ${h.machineRtoSeconds === null ? NONE : formatSeconds(h.machineRtoSeconds)}.`,
      '',
      ...h.pauses.map((p) => `- paused ${formatSeconds(p.seconds)} before ${p.beforePhase}`),
      '',
    );
  }
  if (r.warnings.length) push('## Warnings', '', ...r.warnings.map((s) => `- ${inline(s)}`), '');

  push('## Evidence', '');
  push(`- Scenario file SHA-256: ${r.scenario.sha256 ? code(r.scenario.sha256) : NONE}`);
  push(
    r.evidence.previousDrillId || r.evidence.previousReportSha256
      ? `- Previous drill: ${code(r.evidence.previousDrillId ?? '?')}, report.json SHA-256 ${code(r.evidence.previousReportSha256 ?? '?')}`
      : '- Previous drill: none (first drill of this scenario in this report dir)',
  );
  push(...ranByLines(r).map((l) => `- ${inline(l)}`));
  push(
    r.evidence.signedBy
      ? `- Signed: Ed25519 key ${code(`sha256:${r.evidence.signedBy.publicKeySha256}`)} (${code('SHA256SUMS.sig')})`
      : '- Signed: no (run --sign-key signs the folder)',
  );
  push(
    '- Every file in this folder is listed in `SHA256SUMS`: check with `sha256sum -c SHA256SUMS` or `dr-drill report verify <folder>`.',
  );
  return out.join('\n') + '\n';
}

function messages(title: string, m: VeleroMessages): string[] {
  const out: string[] = [];
  const add = (where: string, list: string[]) => {
    for (const s of list) out.push(`- ${where}: ${inline(s)}`);
  };
  add('Velero', m.velero);
  add('Cluster', m.cluster);
  for (const ns of Object.keys(m.namespaces).sort()) add(`Namespace ${code(ns)}`, m.namespaces[ns]!);
  return out.length ? [`### ${title}`, '', ...out, ''] : [];
}

function mapping(m: Record<string, string>): string {
  const keys = Object.keys(m).sort();
  return keys.length ? keys.map((k) => `${code(k)} → ${code(m[k]!)}`).join(', ') : NONE;
}

function table(head: string[], rows: string[][]): string[] {
  const row = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [row(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(row)];
}

// Table cells cannot hold pipes or line breaks.
function cell(s: string): string {
  return inline(s).replace(/\|/g, '\\|');
}

function inline(s: string): string {
  return s.replace(/\r?\n/g, ' ').trim();
}

function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

/** The cross-region configuration the restore ran with (report.restore.crossRegion). */
function crossRegion(c: NonNullable<Report['restore']['crossRegion']>): string[] {
  const pairs = (m: Record<string, string>) =>
    Object.entries(m)
      .map(([a, b]) => `${a} → ${b}`)
      .join(', ') || NONE;
  const sc = c.storageClassConfigMap;
  const rm = c.resourceModifierConfigMap;
  return [
    '### Cross-region configuration',
    '',
    ...table(
      ['Setting', 'Value'],
      [
        [
          'Storage classes',
          sc
            ? `${inline(pairs(sc.mapping))} (ConfigMap ${sc.name}${sc.ownedByDrill ? ', created by the drill' : ", existing, not the drill's"})`
            : NONE,
        ],
        ['Zones', inline(pairs(c.zoneMap))],
        ['Drop node affinity', c.dropNodeAffinity ? 'yes' : 'no'],
        [
          'Resource modifiers',
          rm
            ? `ConfigMap ${rm.name}: ${rm.generatedRules} generated zone rule(s), ${rm.scenarioRules} from the scenario`
            : NONE,
        ],
      ],
    ),
    '',
  ];
}

/** report.blastRadius: what the drill proved it left alone. Absent in reports sealed before it existed. */
function blastRadius(r: Report): string[] {
  const b = r.blastRadius;
  if (b === undefined) return [];
  if (b === null) return ['## Blast radius', '', 'Not checked: no restore was attempted.', ''];
  const out = ['## Blast radius', ''];
  out.push(
    b.changed.length
      ? `${b.checked} pre-existing object(s) checked, ${b.changed.length} changed: the drill changed objects it does not own.`
      : `${b.checked} pre-existing object(s) checked, none changed.`,
    '',
  );
  if (b.changed.length)
    out.push(
      ...table(
        ['Object', 'What changed'],
        b.changed.map((c) => [`${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`, c.what]),
      ),
      '',
    );
  if (b.notChecked.length) out.push('Not checked:', '', ...b.notChecked.map((s) => `- ${inline(s)}`), '');
  return out;
}

/** report.isolation: what a scratch copy had neutralised. */
function isolation(r: Report): string[] {
  const i = r.isolation;
  if (!i) return [];
  if (i.mode === 'none')
    return ['## Isolation', '', 'None (target.isolation none): restored as the backup holds it.', ''];
  const list = (xs: string[]) => (xs.length ? xs.map(code).join(', ') : NONE);
  const psa = Object.entries(i.podSecurityLabels)
    .filter(([, l]) => Object.keys(l).length)
    .map(
      ([ns, l]) =>
        `${code(ns)}: ${Object.entries(l)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`,
    );
  return [
    '## Isolation',
    '',
    ...table(
      ['Neutralised', 'Objects'],
      [
        ['Default-deny NetworkPolicy', list(i.networkPolicies)],
        ['CronJobs suspended', list(i.cronJobsSuspended)],
        ['LoadBalancer Services made ClusterIP', list(i.servicesMadeClusterIP)],
        ['Ingresses left out', list(i.ingressesLeftOut)],
        ['Pod Security labels copied', psa.join('; ') || NONE],
      ],
    ),
    '',
    ...i.notes.map((n) => `- ${inline(n)}`),
    ...(i.notes.length ? [''] : []),
  ];
}

/** What the drill cluster's Velero got for the backup's volume data, in one line. */
function dataPathLine(d: NonNullable<NonNullable<Report['target']['veleroInstall']>['dataPath']>): string {
  const parts = [
    d.nodeAgent ? `node-agent${d.privilegedNodeAgent ? ' (privileged)' : ''}` : 'no node-agent',
    ...(d.features.length ? [`--features=${d.features.join(',')}`] : []),
    ...(d.repositoryPasswordFrom ? [`repository password from ${d.repositoryPasswordFrom}`] : []),
    ...(d.volumeSnapshotLocations.length ? [`snapshot locations ${d.volumeSnapshotLocations.join(', ')}`] : []),
  ];
  return `${d.volumeData}: ${parts.join(', ')}`;
}
