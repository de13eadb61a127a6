/**
 * client-node's KubernetesObjectApi serializes a built-in kind through its generated model, reading each field by
 * the model's property name. Where the two differ (a NetworkPolicy rule's `from` is the property `_from`), a plain
 * Kubernetes object loses the field on the way out: a default-deny policy's `ingress: [{ from: [...] }]` reached
 * the API server as `ingress: [{}]`, which allows every source. This renames such fields to the model's names, so
 * that the serializer writes them back under their Kubernetes names.
 */
import * as models from '@kubernetes/client-node';
import type { KubeObject } from './types.js';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
}
type Model = { getAttributeTypeMap?: () => Attribute[] };

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;

function attributes(type: string): Attribute[] | null {
  const m = (models as unknown as Record<string, Model | undefined>)[type];
  return typeof m?.getAttributeTypeMap === 'function' ? m.getAttributeTypeMap() : null;
}

/**
 * `value` with every field the model of `type` names differently renamed to the model's name; anything else
 * (values, fields the model does not know, kinds without a model such as Velero's) as it was. Strings stay strings
 * (a Lease's MicroTime keeps its microseconds): the serializer writes a string it expects as a date unchanged.
 */
function toModel(value: unknown, type: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  const array = ARRAY.exec(type);
  if (array) return Array.isArray(value) ? value.map((v) => toModel(v, array[1]!)) : value;
  const map = MAP.exec(type);
  if (map) return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, toModel(v, map[1]!)]));
  const attrs = attributes(type);
  if (!attrs || Array.isArray(value)) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const a of attrs) {
    if (!(a.baseName in out)) continue;
    const v = toModel(out[a.baseName], a.type);
    delete out[a.baseName];
    out[a.name] = v;
  }
  return out;
}

/** The model type client-node serializes `apiVersion`/`kind` as (its getSerializationType: `<Version><Kind>`). */
function modelType(obj: KubeObject): string {
  const version = (obj.apiVersion ?? 'v1').split('/').pop()!;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${obj.kind ?? ''}`;
}

/** `obj` as KubernetesObjectApi must be handed it for every field to reach the API server. */
export function forClientModel(obj: KubeObject): KubeObject {
  return toModel(obj, modelType(obj)) as KubeObject;
}
