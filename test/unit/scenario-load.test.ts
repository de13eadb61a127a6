import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkScenarioText, loadScenario, formatProblem } from '../../src/scenario/index.js';

/** A valid scenario; cases break one line of it so expected positions are easy to read. */
const VALID = `apiVersion: dr-drill/v1
kind: Scenario
metadata:
  name: shop
spec:
  objectives:
    rto: 10m
    rpo: 1h
  backup:
    fromSchedule: shop-hourly
  target:
    namespace: {}
  probes:
    - name: web
      kind: workload
      ref: { kind: Deployment, namespace: shop, name: web }
`;

const lines = (text: string) => checkScenarioText(text, 's.yaml').problems.map(formatProblem);
const edit = (from: string, to: string) => {
  if (!VALID.includes(from)) throw new Error(`fixture has no ${from}`);
  return VALID.replace(from, to);
};

describe('scenario loader', () => {
  it('accepts the valid fixture', () => expect(lines(VALID)).to.deep.equal([]));

  const cases: Array<{ name: string; text: string; expected: string[] }> = [
    {
      name: 'YAML syntax error',
      text: edit('    rpo: 1h\n', '    rpo: [1h\n'),
      expected: [
        's.yaml:9:3 (root): YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ],
    },
    {
      name: 'duplicate key',
      text: edit('  name: shop\n', '  name: shop\n  name: again\n'),
      expected: ['s.yaml:5:3 (root): YAML syntax: Map keys must be unique'],
    },
    {
      name: 'unknown field',
      text: edit('    rpo: 1h\n', '    rpo: 1h\n    mttr: 5m\n'),
      expected: ['s.yaml:9:5 spec.objectives.mttr: unknown field `mttr` (expected one of rto, rpo)'],
    },
    {
      name: 'wrong probe kind',
      text: edit('      kind: workload', '      kind: ping'),
      expected: [
        's.yaml:15:13 spec.probes[0].kind: expected one of workload, resource, pvc, exec, http, job, checksum, canary, got "ping"',
      ],
    },
    {
      name: 'errors of the probe kind written, not of the others',
      text: edit('kind: Deployment, namespace: shop, name: web', 'kind: Pod, namespace: shop'),
      expected: [
        's.yaml:16:7 spec.probes[0].ref: missing required field `name`',
        's.yaml:16:20 spec.probes[0].ref.kind: expected one of Deployment, StatefulSet, DaemonSet, got "Pod"',
      ],
    },
    {
      name: 'missing objectives',
      text: edit('  objectives:\n    rto: 10m\n    rpo: 1h\n', ''),
      expected: ['s.yaml:5:1 spec: missing required field `objectives`'],
    },
    {
      name: 'bad duration',
      text: edit('rto: 10m', 'rto: 10 minutes'),
      expected: ['s.yaml:7:10 spec.objectives.rto: expected a duration such as 90s, 15m, 4h, 1h30m, got "10 minutes"'],
    },
    {
      name: 'empty duration',
      text: edit('rto: 10m', 'rto:'),
      expected: ['s.yaml:7:5 spec.objectives.rto: expected a duration such as 90s, 15m, 4h, 1h30m, got nothing'],
    },
    {
      name: 'bad union: two backup selections',
      text: edit('    fromSchedule: shop-hourly\n', '    fromSchedule: shop-hourly\n    name: b1\n'),
      expected: [
        's.yaml:9:3 spec.backup: expected exactly one of name, fromSchedule, create, found name and fromSchedule',
      ],
    },
    {
      name: 'bad union: no backup selection',
      text: edit('    fromSchedule: shop-hourly\n', '    maxAge: 2h\n'),
      expected: ['s.yaml:9:3 spec.backup: expected exactly one of name, fromSchedule, create'],
    },
    {
      name: 'bad union: errors inside the branch meant',
      text: edit('    fromSchedule: shop-hourly\n', '    create: { includedNamespaces: [] }\n'),
      expected: ['s.yaml:10:35 spec.backup.create.includedNamespaces: expected at least 1 entry'],
    },
    {
      name: 'bad union: target not a mapping',
      text: edit('    namespace: {}\n', '    gke: {}\n'),
      expected: ['s.yaml:11:3 spec.target: expected exactly one of namespace, cluster, aks'],
    },
    {
      name: 'enum lists the allowed values',
      text: VALID + '  teardown: { when: sometimes }\n',
      expected: ['s.yaml:17:21 spec.teardown.when: expected one of always, on-pass, never, got "sometimes"'],
    },
    {
      name: 'const and name pattern',
      text: edit('apiVersion: dr-drill/v1', 'apiVersion: dr-drill/v2').replace('name: shop\n', 'name: Shop\n'),
      expected: [
        's.yaml:1:13 apiVersion: expected "dr-drill/v1", got "dr-drill/v2"',
        's.yaml:4:9 metadata.name: expected lower-case letters, digits and dashes, starting and ending with a letter or digit, got "Shop"',
      ],
    },
    {
      name: 'placeholders and variables',
      text: edit('    namespace: {}\n', '    namespace: { kubeContext: "${ctx}", suffix: "-{{id}}" }\n'),
      expected: [
        's.yaml:12:31 spec.target.namespace.kubeContext: malformed variable `${ctx}`: expected ${NAME} with NAME of A-Z, 0-9 and _, not starting with a digit',
        's.yaml:12:49 spec.target.namespace.suffix: unknown placeholder `{{id}}`: the only placeholder is {{drillId}}',
      ],
    },
    {
      name: 'semantic: duplicate probe names, name and selector',
      text: VALID + '    - { name: web, kind: pvc, ref: { namespace: shop, name: a, selector: b=c } }\n',
      expected: [
        's.yaml:17:15 spec.probes[1].name: duplicate probe name "web" (also spec.probes[0])',
        's.yaml:17:31 spec.probes[1].ref: expected name or selector, not both',
      ],
    },
    {
      name: 'semantic: a cluster target that is the source',
      text: edit(
        '  target:\n    namespace: {}\n',
        '  source: { kubeContext: prod }\n  target:\n    cluster: { kubeContext: prod }\n',
      ),
      expected: [
        's.yaml:13:29 spec.target.cluster.kubeContext: the target is the source (prod) with no namespaceSuffix: the restore would overwrite the protected workload; use a namespace target or set namespaceSuffix',
      ],
    },
    {
      name: 'vacuous probes: none at all',
      text: VALID.slice(0, VALID.indexOf('    - name: web')).replace('  probes:\n', '  probes: []\n'),
      expected: [
        's.yaml:13:11 spec.probes: expected at least one critical probe: a drill without one proves nothing about the restored copy',
      ],
    },
    {
      name: 'vacuous probes: none critical',
      text: edit('      kind: workload\n', '      kind: workload\n      critical: false\n'),
      expected: [
        's.yaml:14:5 spec.probes: expected at least one critical probe (every probe here is critical: false): a drill without one proves nothing about the restored copy',
      ],
    },
    {
      name: 'vacuous probes: minCount 0 passes on nothing',
      text: edit(
        '      ref: { kind: Deployment, namespace: shop, name: web }\n',
        '      ref: { kind: Deployment, namespace: shop, name: web }\n    - name: cm\n      kind: resource\n      ref: { apiVersion: v1, kind: ConfigMap, namespace: shop }\n      minCount: 0\n',
      ),
      expected: ['s.yaml:20:17 spec.probes[1].minCount: expected a number >= 1, got 0'],
    },
    {
      name: 'vacuous probes: a selector alone on a cluster-scoped kind would match the source too',
      text: edit(
        '      ref: { kind: Deployment, namespace: shop, name: web }\n',
        '      ref: { kind: Deployment, namespace: shop, name: web }\n    - name: roles\n      kind: resource\n      ref: { apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, selector: app=shop }\n',
      ),
      expected: [
        's.yaml:19:7 spec.probes[1].ref: expected name: ClusterRole is cluster-scoped, so a selector alone would match objects anywhere in the cluster, the source included (a namespaced kind without a namespace is looked for in the restored namespaces)',
      ],
    },
    {
      name: 'a selector without namespace on a namespaced kind is valid: it is scoped to the restored namespaces',
      text: edit(
        '      ref: { kind: Deployment, namespace: shop, name: web }\n',
        '      ref: { kind: Deployment, namespace: shop, name: web }\n    - name: cm\n      kind: resource\n      ref: { apiVersion: v1, kind: ConfigMap, selector: app=shop }\n',
      ),
      expected: [],
    },
    {
      name: 'an empty file',
      text: '',
      expected: ['s.yaml:1:1 (root): expected a mapping, got nothing'],
    },
    {
      name: 'JSON input',
      text: '{\n  "apiVersion": "dr-drill/v1",\n  "kind": "Scenario",\n  "metadata": { "name": "x" },\n  "spec": { "bogus": 1 }\n}\n',
      expected: [
        's.yaml:5:3 spec: missing required fields `objectives`, `backup`, `target`, `probes`',
        's.yaml:5:13 spec.bogus: unknown field `bogus` (expected one of objectives, source, storage, backup, target, restore, probes, teardown, hooks, report)',
      ],
    },
  ];
  for (const c of cases) it(c.name, () => expect(lines(c.text)).to.deep.equal(c.expected));

  it('reports a missing file at 1:1', async () => {
    const r = await loadScenario('does/not/exist.yaml');
    expect(r.scenario).to.equal(null);
    expect(r.problems.map(formatProblem)).to.deep.equal(['does/not/exist.yaml:1:1 (root): file not found']);
  });

  it('hashes the file it read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-load-'));
    const file = join(dir, 'shop.yaml');
    writeFileSync(file, VALID);
    const r = await loadScenario(file);
    expect(r.problems).to.deep.equal([]);
    expect(r.scenario?.metadata.name).to.equal('shop');
    expect(r.sha256).to.match(/^[0-9a-f]{64}$/);
  });
});
