/**
 * Checks of spec.restore's cross-region fields that a JSON Schema cannot express: map keys that must be label
 * values or class names (they end up in Velero ConfigMaps and JSON patches), and resource-modifier rules that
 * Velero would reject (it validates them only when the Restore starts, as FailedValidation).
 */
import type { Scenario } from './schema.js';
import type { PathSegment } from './problems.js';

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const CLASS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * A problem in spec.restore, with the path of the field it concerns (`key`: the problem is the key itself, not its
 * value).
 */
export interface RestoreProblem {
  path: PathSegment[];
  message: string;
  key?: boolean;
}

export function restoreConfigProblems(restore: NonNullable<Scenario['spec']['restore']>): RestoreProblem[] {
  const out: RestoreProblem[] = [];
  const base: PathSegment[] = ['spec', 'restore'];
  for (const [from, to] of Object.entries(restore.storageClassMapping ?? {})) {
    if (!CLASS_NAME.test(from) || from.length > 253) {
      out.push({
        path: [...base, 'storageClassMapping', from],
        key: true,
        message: `expected a storage class name (lower-case DNS subdomain), got "${from}"`,
      });
    } else if (from === to) {
      out.push({
        path: [...base, 'storageClassMapping', from],
        message: `maps storage class "${from}" to itself; leave it out`,
      });
    }
  }
  const zones = restore.zones;
  if (zones) {
    if (zones.map === undefined && zones.dropNodeAffinity === undefined) {
      out.push({ path: [...base, 'zones'], key: true, message: 'expected map, dropNodeAffinity or both' });
    }
    for (const [from, to] of Object.entries(zones.map ?? {})) {
      if (!LABEL_VALUE.test(from) || from.length > 63) {
        out.push({
          path: [...base, 'zones', 'map', from],
          key: true,
          message: `expected a zone name (a label value: letters, digits, -, _ and ., at most 63), got "${from}"`,
        });
      } else if (from === to) {
        out.push({ path: [...base, 'zones', 'map', from], message: `maps zone "${from}" to itself; leave it out` });
      }
    }
  }
  (restore.resourceModifiers?.resourceModifierRules ?? []).forEach((rule, i) => {
    const at: PathSegment[] = [...base, 'resourceModifiers', 'resourceModifierRules', i];
    const kinds = (['patches', 'mergePatches', 'strategicPatches'] as const).filter((k) => rule[k] !== undefined);
    if (kinds.length !== 1) {
      out.push({
        path: at,
        key: true,
        message: kinds.length
          ? `expected exactly one of patches, mergePatches, strategicPatches, got ${kinds.join(' and ')}`
          : 'expected one of patches, mergePatches, strategicPatches',
      });
    }
    const regex = rule.conditions.resourceNameRegex;
    if (regex !== undefined) {
      try {
        new RegExp(regex);
      } catch (e) {
        out.push({
          path: [...at, 'conditions', 'resourceNameRegex'],
          message: `expected a regular expression: ${(e as Error).message}`,
        });
      }
    }
    (rule.patches ?? []).forEach((p, j) => {
      if ((p.operation === 'move' || p.operation === 'copy') && p.from === undefined) {
        out.push({ path: [...at, 'patches', j], key: true, message: `expected from with operation ${p.operation}` });
      }
      if ((p.operation === 'add' || p.operation === 'replace' || p.operation === 'test') && p.value === undefined) {
        out.push({ path: [...at, 'patches', j], key: true, message: `expected value with operation ${p.operation}` });
      }
    });
  });
  return out;
}
