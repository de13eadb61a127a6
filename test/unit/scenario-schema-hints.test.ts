/**
 * The scenario schema's `default` and `examples` (editor hints): each one is a valid value of its field, each
 * default stated in a description is also the `default` keyword (and the other way round), and the defaults the
 * compiler applies (plan DEFAULTS, AKS_DEFAULTS) are the ones the schema publishes.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ajvFor } from '../../src/util/published-schema.js';
import { parseDuration } from '../../src/util/duration.js';
import { DEFAULTS } from '../../src/plan/types.js';
import { AKS_DEFAULTS } from '../../src/plan/aks-plan.js';
import { goDuration } from '../../src/plan/compile.js';
import { PROBE_DEFAULTS } from '../../src/plan/probe-compile.js';

type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const schema = JSON.parse(readFileSync('schemas/scenario.v1.schema.json', 'utf8')) as Node;
const nodes: { path: string; node: Node }[] = [];
const walk = (node: Node, path: string): void => {
  nodes.push({ path, node });
  for (const [k, v] of Object.entries(node.properties ?? {})) walk(v as Node, path ? `${path}.${k}` : k);
  for (const key of ['anyOf', 'oneOf', 'allOf']) for (const v of (node[key] ?? []) as Node[]) walk(v, path);
  if (node.items) walk(node.items as Node, `${path}[]`);
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    walk(node.additionalProperties as Node, `${path}.*`);
};
walk(schema, '');

/** A default the description states as one value: `(default 30m)`, `(default "default")`, `Default: none`, `auto (default)`. */
const STATED = /\(default ("[^"]*"|[^;)"]+?)(?:\)|;|: )|Default: ([\w-]+)|([\w-]+) \(default\)/;
/** Defaults a description explains rather than states as a value of the field. */
const EXPLAINED = new Set([
  'spec.target.aks.nodePools', // one System pool of AKS_DEFAULTS' size
  'spec.target.aks.clusterName', // a template, filled with the drill id
  'spec.target.aks.identity', // the object form's type
]);
const shown = (v: unknown) => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

const defaultOf = (path: string): unknown => {
  const found = nodes.filter((n) => n.path === path && 'default' in n.node);
  expect(found, `a default at ${path}`).to.not.have.length(0);
  return found[0]!.node.default;
};

describe('scenario schema: default and examples', () => {
  const hinted = nodes.filter((n) => 'default' in n.node || 'examples' in n.node);

  it('publishes defaults and examples', () => {
    expect(hinted.filter((n) => 'default' in n.node).length).to.be.greaterThan(30);
    expect(hinted.filter((n) => 'examples' in n.node).length).to.be.greaterThan(5);
  });

  it('every default and every example is a valid value of its field', () => {
    const ajv = ajvFor('scenario.v1');
    const bad: string[] = [];
    for (const { path, node } of hinted) {
      const validate = ajv.compile(node);
      const values = [...('default' in node ? [node.default] : []), ...((node.examples as unknown[]) ?? [])];
      for (const v of values) if (!validate(v)) bad.push(`${path}: ${JSON.stringify(v)}`);
    }
    expect(bad).to.deep.equal([]);
  });

  it('a default stated in a description is the default keyword, and a default keyword is stated', () => {
    const out: string[] = [];
    for (const { path, node } of nodes) {
      const m = typeof node.description === 'string' ? STATED.exec(node.description) : null;
      if ('default' in node) {
        if (!m) out.push(`${path}: default ${shown(node.default)} not in its description`);
        else if ((m[1] ?? m[2] ?? m[3])!.replace(/^"|"$/g, '') !== shown(node.default))
          out.push(`${path}: description says ${m[0]}, keyword ${shown(node.default)}`);
      } else if (m && !EXPLAINED.has(path)) out.push(`${path}: description says ${m[0]}, no default keyword`);
    }
    expect(out).to.deep.equal([]);
  });

  // What the compiler fills in, against what the schema tells an editor.
  const compiled: { path: string; applied: unknown; as: (v: string) => unknown }[] = [
    { path: 'spec.source.veleroNamespace', applied: DEFAULTS.veleroNamespace, as: (v) => v },
    { path: 'spec.target.cluster.veleroNamespace', applied: DEFAULTS.veleroNamespace, as: (v) => v },
    { path: 'spec.target.namespace.suffix', applied: DEFAULTS.namespaceSuffix, as: (v) => v },
    { path: 'spec.backup.create.ttl', applied: DEFAULTS.backupTtl, as: (v) => goDuration(parseDuration(v)) },
    { path: 'spec.backup.create.timeout', applied: DEFAULTS.backupTimeoutMs, as: parseDuration },
    { path: 'spec.restore.timeout', applied: DEFAULTS.restoreTimeoutMs, as: parseDuration },
    { path: 'spec.probes[].timeout', applied: DEFAULTS.probeTimeoutMs, as: parseDuration },
    { path: 'spec.probes[].interval', applied: DEFAULTS.probeIntervalMs, as: parseDuration },
    { path: 'spec.probes[].critical', applied: PROBE_DEFAULTS.critical, as: (v) => v },
    { path: 'spec.probes[].minSuccessRatio', applied: PROBE_DEFAULTS.minSuccessRatio, as: (v) => v },
    { path: 'spec.probes[].minCount', applied: PROBE_DEFAULTS.minCount, as: (v) => v },
    { path: 'spec.probes[].expect.exitCode', applied: PROBE_DEFAULTS.exitCode, as: (v) => v },
    { path: 'spec.probes[].method', applied: PROBE_DEFAULTS.httpMethod, as: (v) => v },
    { path: 'spec.probes[].path', applied: PROBE_DEFAULTS.httpPath, as: (v) => v },
    { path: 'spec.probes[].expect.status', applied: PROBE_DEFAULTS.httpStatus, as: (v) => v },
    { path: 'spec.probes[].volumes[].readOnly', applied: PROBE_DEFAULTS.jobVolumeReadOnly, as: (v) => v },
    { path: 'spec.probes[].against', applied: PROBE_DEFAULTS.checksumAgainst, as: (v) => v },
    { path: 'spec.probes[].writer', applied: PROBE_DEFAULTS.canaryWriter, as: (v) => v },
    { path: 'spec.teardown.timeout', applied: DEFAULTS.teardownTimeoutMs, as: parseDuration },
    { path: 'spec.hooks[].timeout', applied: DEFAULTS.hookTimeoutMs, as: parseDuration },
    { path: 'spec.target.aks.expiresAfter', applied: AKS_DEFAULTS.expiresAfterMs, as: parseDuration },
    { path: 'spec.target.aks.provisionTimeout', applied: AKS_DEFAULTS.provisionTimeoutMs, as: parseDuration },
    { path: 'spec.target.aks.costPerNodeHour', applied: AKS_DEFAULTS.costPerNodeHour, as: (v) => v },
    { path: 'spec.target.aks.velero.image', applied: AKS_DEFAULTS.veleroImage, as: (v) => v },
    { path: 'spec.target.aks.velero.pluginImage', applied: AKS_DEFAULTS.pluginImage, as: (v) => v },
    { path: 'spec.target.aks.velero.timeout', applied: AKS_DEFAULTS.bslTimeoutMs, as: parseDuration },
  ];
  for (const c of compiled)
    it(`${c.path}: the published default is what compiling applies`, () =>
      expect(c.as(defaultOf(c.path) as string)).to.equal(c.applied));
});
