/**
 * One ready-to-review scenario per Velero Schedule (`dr-drill init`), as YAML text with comments that say where
 * each value came from. Pure: the inventory in, the file text out. The objectives come from the schedule's
 * cadence; the probes from what its namespaces hold; the data probe is a FILL-IN placeholder that `validate`
 * refuses until a person writes what proves their data (no tool can guess which query proves an app's data).
 */
import type { ScheduleInventory, InventoryNamespace } from './schedule-inventory.js';
import { scheduleCadence, type Cadence } from '../velero/schedule-cadence.js';
import { FILL_IN } from '../scenario/fill-in-checks.js';
import { SCENARIO_MODELINE } from '../scenario/modeline.js';

/** How `init` writes one scenario for a Schedule: the source context, the target context, when. */
export interface InitOptions {
  /** The kube context the schedules were read from: the drill's source. */
  context: string;
  /** Restore into this context's cluster instead of a scratch namespace next to the source. */
  targetContext: string | null;
  /** When the file was written (UTC), for its header. */
  now: Date;
}

/** A scenario `init` would write, or why it writes none for this schedule. */
export type InitResult =
  | {
      ok: true;
      schedule: string;
      /** The scenario name, also the file name without `.yaml`. */
      name: string;
      text: string;
      rpoSeconds: number;
      rtoSeconds: number;
      /** What a reviewer should know: paused schedule, missing namespace, no volume data. */
      warnings: string[];
    }
  | { ok: false; schedule: string; reason: string };

const DEFAULT_RTO_SECONDS = 30 * 60;
const MIN_GRACE_SECONDS = 15 * 60;
const NAME_MAX = 63;

/** A duration a scenario accepts, rounded up to whole minutes: `26h`, `1h15m`, `45m`. */
export function scenarioDuration(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h && m ? `${h}h${m}m` : h ? `${h}h` : `${m}m`;
}

/** A DNS-label-like name from any Kubernetes name (Velero allows dots, scenario and probe names do not). */
export function labelName(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '');
  return s.slice(0, NAME_MAX).replace(/-+$/, '') || 'x';
}

/**
 * The RPO objective of a schedule: the longest gap between two runs (the newest backup can be that old when
 * disaster strikes just before the next run), plus a grace for the next backup to run, the larger of a twelfth
 * of the gap, 15 minutes and the longest backup of this schedule so far.
 */
export function rpoFromCadence(
  cadence: Cadence,
  longestBackupSeconds: number | null,
): { seconds: number; why: string } {
  const gap = cadence.longestGapSeconds;
  const grace = Math.max(gap / 12, MIN_GRACE_SECONDS, longestBackupSeconds ?? 0);
  const regular = cadence.shortestGapSeconds === gap;
  const gapText = `${regular ? 'runs every' : 'runs at most'} ${scenarioDuration(gap)}${regular ? '' : ' apart (its longest gap)'}`;
  const backup = longestBackupSeconds === null ? 'none yet' : scenarioDuration(longestBackupSeconds);
  return {
    seconds: Math.ceil((gap + grace) / 60) * 60,
    why: `"${cadence.expression}" ${gapText}, plus ${scenarioDuration(grace)} for a backup to complete (the larger of a twelfth of the gap, 15m and this schedule's longest backup so far: ${backup})`,
  };
}

/** YAML scalar: plain when safe, else double-quoted (JSON strings are YAML). */
function q(s: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/=-]*$/.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s)
    ? s
    : JSON.stringify(s);
}

function wrapComment(text: string, indent: string): string[] {
  const width = 118 - indent.length;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(`${indent}# ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(`${indent}# ${line}`);
  return lines;
}

function uniqueNames(): (wanted: string) => string {
  const used = new Set<string>();
  return (wanted) => {
    let name = labelName(wanted);
    for (let i = 2; used.has(name); i++) name = `${labelName(wanted).slice(0, NAME_MAX - 1 - String(i).length)}-${i}`;
    used.add(name);
    return name;
  };
}

function probeLines(namespaces: InventoryNamespace[], unique: (n: string) => string): string[] {
  const out: string[] = [];
  for (const ns of namespaces) {
    for (const w of ns.workloads)
      out.push(
        `    - name: ${unique(`${w.kind.toLowerCase()}-${w.name}`)}`,
        '      kind: workload',
        `      ref: { kind: ${w.kind}, namespace: ${q(ns.name)}, name: ${q(w.name)} }`,
      );
    if (ns.pvcs.length)
      out.push(
        `    - name: ${unique(`volumes-${ns.name}`)}`,
        '      kind: pvc',
        `      ref: { namespace: ${q(ns.name)} }`,
        `      minCount: ${ns.pvcs.length}  # ${ns.pvcs.join(', ')}`.slice(0, 118),
      );
  }
  return out;
}

function dataProbeLines(namespaces: InventoryNamespace[], unique: (n: string) => string): string[] {
  const present = namespaces.filter((n) => n.exists);
  const holder =
    present.flatMap((n) => n.workloads.filter((w) => w.holdsData).map((w) => ({ ns: n.name, w })))[0] ??
    present.flatMap((n) => n.workloads.map((w) => ({ ns: n.name, w })))[0] ??
    null;
  const ns = holder?.ns ?? namespaces[0]!.name;
  const selector = holder?.w.selector ?? `${FILL_IN}: a label selector of the pod that can read the data`;
  return [
    ...wrapComment(
      `The data probe: prove the restored data is there and usable (a query only your data answers, a checksum, a canary; see docs/probes.md). \`dr-drill validate\` refuses every ${FILL_IN} until you replace it.`,
      '    ',
    ),
    `    - name: ${unique('data-present')}`,
    '      kind: exec',
    `      pod: { namespace: ${q(ns)}, selector: ${q(selector)} }`,
    `      command: [${q(`${FILL_IN}: a command that reads your data, e.g. psql -tAc 'select count(*) from orders'`)}]`,
    '      expect:',
    `        stdout: ${q(`${FILL_IN}: a regular expression its output must match, e.g. ^[1-9]`)}`,
  ];
}

/** The scenario for one schedule. */
export function renderInitScenario(inv: ScheduleInventory, opts: InitOptions): InitResult {
  const s = inv.schedule;
  if (s.includedNamespaces === null)
    return {
      ok: false,
      schedule: s.name,
      reason:
        'it backs up every namespace; a drill restores named namespaces, so write its scenarios by hand (one per application)',
    };
  const cadence = scheduleCadence(s.expression);
  if (!cadence.ok) return { ok: false, schedule: s.name, reason: cadence.message };
  const rpo = rpoFromCadence(cadence.cadence, inv.longestBackupSeconds);
  const name = labelName(s.name);
  const warnings: string[] = [];
  if (s.paused) warnings.push('the schedule is paused: its newest backup will age past maxAge and the drill FAIL');
  for (const ns of inv.namespaces)
    if (!ns.exists) warnings.push(`namespace ${ns.name} does not exist in ${opts.context}: no probes for it`);
  const hasClaims = inv.namespaces.some((n) => n.pvcs.length > 0);
  if (hasClaims && !s.volumeData)
    warnings.push(
      'its backups take neither volume snapshots nor file-system backups: restored claims come back without their data',
    );
  if (cadence.cadence.timeZone)
    warnings.push(`gaps computed in UTC; ${cadence.cadence.timeZone} daylight-saving shifts can add an hour`);

  const unique = uniqueNames();
  const namespaces = inv.namespaces.map((n) => q(n.name)).join(', ');
  const lines = [
    SCENARIO_MODELINE,
    ...wrapComment(
      `Written by \`dr-drill init\` on ${opts.now.toISOString().slice(0, 10)} from Velero Schedule ${s.veleroNamespace}/${s.name} in context ${opts.context}. Review it before the first drill: the objectives, the probes (from what the namespaces held then), and the data probe at the end.`,
      '',
    ),
    ...warnings.flatMap((w) => wrapComment(`Note: ${w}.`, '')),
    'apiVersion: dr-drill/v1',
    'kind: Scenario',
    'metadata:',
    `  name: ${name}`,
    `  description: ${q(`${inv.namespaces.map((n) => n.name).join(', ')} can be restored from the newest backup of Velero Schedule ${s.name}.`)}`,
    '  labels:',
    `    velero-schedule: ${q(name)}`,
    'spec:',
    '  objectives:',
    ...wrapComment(`RPO: ${rpo.why}.`, '    '),
    `    rpo: ${scenarioDuration(rpo.seconds)}`,
    ...wrapComment('RTO is not in the schedule: 30m is a starting point; write the time you promised.', '    '),
    `    rto: ${scenarioDuration(DEFAULT_RTO_SECONDS)}`,
    '  source:',
    `    kubeContext: ${q(opts.context)}`,
    `    veleroNamespace: ${q(s.veleroNamespace)}`,
    '  backup:',
    `    fromSchedule: ${q(s.name)}`,
    `    maxAge: ${scenarioDuration(rpo.seconds)}  # a newest backup older than the RPO fails the drill before any restore`,
    '  target:',
    ...(opts.targetContext === null
      ? [
          '    namespace:  # a scratch copy next to the source, removed after the drill',
          '      suffix: "-drill-{{drillId}}"',
        ]
      : ['    cluster:', `      kubeContext: ${q(opts.targetContext)}`]),
    '  restore:',
    `    includedNamespaces: [${namespaces}]`,
    `    restorePVs: ${hasClaims ? 'true' : 'false'}`,
    '  probes:',
    ...probeLines(inv.namespaces, unique),
    ...dataProbeLines(inv.namespaces, unique),
    '  teardown:',
    '    when: always',
    '',
  ];
  return {
    ok: true,
    schedule: s.name,
    name,
    text: lines.join('\n'),
    rpoSeconds: rpo.seconds,
    rtoSeconds: DEFAULT_RTO_SECONDS,
    warnings,
  };
}
