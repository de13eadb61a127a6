/**
 * Scenario probe → ProbePlan: the one place a probe's defaults are applied. The scenario schema publishes the same
 * defaults to editors; test/unit/scenario-schema-hints.test.ts keeps the two equal.
 */
import type { ScenarioProbe } from '../scenario/schema.js';
import { parseDuration } from '../util/duration.js';
import { DEFAULTS } from './types.js';
import type { JsonExpectation, PodRefPlan, ProbePlan, ProbePlanCommon, ProbePlanOf } from './probe-plan.js';

/** The kind-specific defaults a compiled probe gets (timeout and interval are in DEFAULTS). */
export const PROBE_DEFAULTS = {
  critical: true,
  minSuccessRatio: 1,
  minCount: 1,
  exitCode: 0,
  httpMethod: 'GET',
  httpPath: '/',
  httpStatus: 200,
  jobVolumeReadOnly: true,
  checksumAgainst: 'source',
  canaryWriter: 'drill',
} as const;

type Written<K extends ScenarioProbe['kind']> = Extract<ScenarioProbe, { kind: K }>;

function common(p: ScenarioProbe): ProbePlanCommon {
  return {
    name: p.name,
    critical: p.critical ?? PROBE_DEFAULTS.critical,
    timeoutMs: p.timeout === undefined ? DEFAULTS.probeTimeoutMs : parseDuration(p.timeout),
    intervalMs: p.interval === undefined ? DEFAULTS.probeIntervalMs : parseDuration(p.interval),
    ...(p.mode === 'continuous' && p.duration !== undefined
      ? {
          continuous: {
            durationMs: parseDuration(p.duration),
            minSuccessRatio: p.minSuccessRatio ?? PROBE_DEFAULTS.minSuccessRatio,
          },
        }
      : {}),
  };
}

const podRef = (r: PodRefPlan): PodRefPlan => ({ ...r });
const json = (j: JsonExpectation | undefined): JsonExpectation | null => (j === undefined ? null : { ...j });

/** Compiles one schema-valid probe (env already resolved): every default filled, durations in ms. */
export function compileProbe<K extends ScenarioProbe['kind']>(p: Written<K>): ProbePlanOf<K>;
export function compileProbe(p: ScenarioProbe): ProbePlan {
  const c = common(p);
  switch (p.kind) {
    case 'workload':
      return { ...c, kind: p.kind, ref: { ...p.ref } };
    case 'resource':
      return {
        ...c,
        kind: p.kind,
        ref: { ...p.ref },
        match: p.match ?? null,
        minCount: p.minCount ?? PROBE_DEFAULTS.minCount,
      };
    case 'pvc':
      return { ...c, kind: p.kind, ref: { ...p.ref }, minCount: p.minCount ?? PROBE_DEFAULTS.minCount };
    case 'exec':
      return {
        ...c,
        kind: p.kind,
        pod: podRef(p.pod),
        command: [...p.command],
        expect: {
          exitCode: p.expect?.exitCode ?? PROBE_DEFAULTS.exitCode,
          stdout: p.expect?.stdout ?? null,
          json: json(p.expect?.json),
        },
      };
    case 'http':
      return {
        ...c,
        kind: p.kind,
        target: { ...p.target },
        method: p.method ?? PROBE_DEFAULTS.httpMethod,
        path: p.path ?? PROBE_DEFAULTS.httpPath,
        headers: { ...(p.headers ?? {}) },
        body: p.body ?? null,
        expect: {
          status: p.expect?.status ?? PROBE_DEFAULTS.httpStatus,
          body: p.expect?.body ?? null,
          json: json(p.expect?.json),
        },
      };
    case 'job':
      return {
        ...c,
        kind: p.kind,
        namespace: p.namespace,
        image: p.image,
        command: [...p.command],
        env: { ...(p.env ?? {}) },
        volumes: (p.volumes ?? []).map((v) => ({
          claim: v.claim,
          mountPath: v.mountPath,
          readOnly: v.readOnly ?? PROBE_DEFAULTS.jobVolumeReadOnly,
        })),
        serviceAccountName: p.serviceAccountName ?? null,
      };
    case 'checksum':
      return {
        ...c,
        kind: p.kind,
        pod: podRef(p.pod),
        path: p.path,
        against: p.against === undefined || p.against === 'source' ? PROBE_DEFAULTS.checksumAgainst : { ...p.against },
        ignore: [...(p.ignore ?? [])],
      };
    case 'canary':
      return {
        ...c,
        kind: p.kind,
        carrier:
          'configMap' in p.carrier
            ? { configMap: { ...p.carrier.configMap } }
            : { file: { pod: podRef(p.carrier.file.pod), path: p.carrier.file.path } },
        writer: p.writer ?? PROBE_DEFAULTS.canaryWriter,
        nonce: p.nonce ?? null,
      };
  }
}
