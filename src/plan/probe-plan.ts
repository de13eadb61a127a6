/**
 * Compiled probes: what a probe kind runs. One member per kind, discriminated by `kind`, every default filled by
 * plan/probe-compile.ts. Probes read these types only, never the scenario file's shapes, so a default lives in one
 * place (the compiler) and the scenario format can change without the probes noticing.
 */

/** What every compiled probe has, whatever its kind. */
export interface ProbePlanCommon {
  /** Unique within the plan; the report's probe name. */
  name: string;
  /** Counts toward RTO and the verdict. */
  critical: boolean;
  /** How long the probe may take to pass. */
  timeoutMs: number;
  /** Time between attempts of polling kinds (exec, http, canary, checksum) and between continuous samples. */
  intervalMs: number;
  /** mode continuous: after the first pass, sampled for durationMs; passes when the share of passing samples ≥ minSuccessRatio. */
  continuous?: { durationMs: number; minSuccessRatio: number };
}

/** A pod to run in: by name, or the first Ready pod matching a selector; namespace as in the source. */
export interface PodRefPlan {
  namespace: string;
  name?: string;
  selector?: string;
  /** Absent: the pod's first container. */
  container?: string;
}

/** A value at a dotted JSON path of a response or of stdout. */
export interface JsonExpectation {
  path: string;
  /** The value must equal this (partial match for objects). */
  equals?: unknown;
  /** The value, as text, must match this regular expression. */
  matches?: string;
}

/** A Deployment, StatefulSet or DaemonSet rolls out. */
export interface WorkloadProbePlan extends ProbePlanCommon {
  kind: 'workload';
  ref: { kind: 'Deployment' | 'StatefulSet' | 'DaemonSet'; namespace: string; name: string };
}

/** Objects of any kind exist and contain a partial object. */
export interface ResourceProbePlan extends ProbePlanCommon {
  kind: 'resource';
  /** Absent namespace: the restored namespaces (a namespaced kind) or none (a named cluster-scoped object). */
  ref: { apiVersion: string; kind: string; namespace?: string; name?: string; selector?: string };
  /** null: existing is enough. */
  match: Record<string, unknown> | null;
  minCount: number;
}

/** PersistentVolumeClaims are Bound. */
export interface PvcProbePlan extends ProbePlanCommon {
  kind: 'pvc';
  ref: { namespace: string; name?: string; selector?: string };
  minCount: number;
}

/** A command run in a restored pod gives the expected result. */
export interface ExecProbePlan extends ProbePlanCommon {
  kind: 'exec';
  pod: PodRefPlan;
  command: string[];
  /** null: not checked. */
  expect: { exitCode: number; stdout: string | null; json: JsonExpectation | null };
}

/** An HTTP request through a port-forward answers as expected. */
export interface HttpProbePlan extends ProbePlanCommon {
  kind: 'http';
  target: { namespace: string; pod?: string; selector?: string; service?: string; port: number };
  method: string;
  path: string;
  /** Values are credentials: never reported. */
  headers: Record<string, string>;
  body: string | null;
  /** null: not checked. */
  expect: { status: number; body: string | null; json: JsonExpectation | null };
}

/** A verification Job run in a restored namespace completes. */
export interface JobProbePlan extends ProbePlanCommon {
  kind: 'job';
  namespace: string;
  image: string;
  command: string[];
  /** Values are never reported. */
  env: Record<string, string>;
  volumes: Array<{ claim: string; mountPath: string; readOnly: boolean }>;
  /** null: the namespace's default ServiceAccount. */
  serviceAccountName: string | null;
}

/** The files under a path of the restored copy match a manifest. */
export interface ChecksumProbePlan extends ProbePlanCommon {
  kind: 'checksum';
  pod: PodRefPlan;
  path: string;
  /** source: the manifest the drill takes just before its backup; or a stored manifest file. */
  against: 'source' | { manifestFile: string };
  /** Globs of relative paths left out. */
  ignore: string[];
}

/** The newest canary marker read back from the restored copy. */
export interface CanaryProbePlan extends ProbePlanCommon {
  kind: 'canary';
  carrier: { configMap: { namespace: string; name: string } } | { file: { pod: PodRefPlan; path: string } };
  /** drill: the drill writes a marker before its backup; heartbeat: a workload writes them. */
  writer: 'drill' | 'heartbeat';
  /** The marker required; null: the one the drill wrote (heartbeat: the newest). */
  nonce: string | null;
}

/** A compiled probe: one member per kind. */
export type ProbePlan =
  | WorkloadProbePlan
  | ResourceProbePlan
  | PvcProbePlan
  | ExecProbePlan
  | HttpProbePlan
  | JobProbePlan
  | ChecksumProbePlan
  | CanaryProbePlan;

/** The probe kind names, as the plan knows them (the probe registry must implement exactly these). */
export type ProbeKindName = ProbePlan['kind'];

/** The compiled probe of one kind. */
export type ProbePlanOf<K extends ProbeKindName> = Extract<ProbePlan, { kind: K }>;
