/**
 * What the data probes (exec, http, job, checksum, canary) need beyond their schema: where they name a source
 * namespace, and the combinations a JSON Schema cannot refuse (a drill-written canary needs a backup the drill
 * takes; continuous mode needs a duration; a pod is chosen by name or selector).
 */
import type { ScenarioProbe, Scenario } from './schema.js';
import type { PathSegment } from './problems.js';

/** The source namespace a probe looks in and where the file says so; undefined for cluster-scoped references. */
export function probeNamespace(p: ScenarioProbe): { namespace: string | undefined; path: PathSegment[] } {
  switch (p.kind) {
    case 'workload':
    case 'resource':
    case 'pvc':
      return { namespace: p.ref.namespace, path: ['ref', 'namespace'] };
    case 'exec':
    case 'checksum':
      return { namespace: p.pod.namespace, path: ['pod', 'namespace'] };
    case 'http':
      return { namespace: p.target.namespace, path: ['target', 'namespace'] };
    case 'job':
      return { namespace: p.namespace, path: ['namespace'] };
    case 'canary':
      return 'configMap' in p.carrier
        ? { namespace: p.carrier.configMap.namespace, path: ['carrier', 'configMap', 'namespace'] }
        : { namespace: p.carrier.file.pod.namespace, path: ['carrier', 'file', 'pod', 'namespace'] };
  }
}

/** Problems of one probe as (path inside the probe, message) pairs; the caller locates them. */
export function dataProbeProblems(
  p: ScenarioProbe,
  spec: Scenario['spec'],
): Array<{ path: PathSegment[]; message: string; key?: boolean }> {
  const out: Array<{ path: PathSegment[]; message: string; key?: boolean }> = [];
  const takesBackup = 'create' in spec.backup;
  if (p.mode === 'continuous' && p.duration === undefined)
    out.push({ path: ['mode'], message: 'mode continuous needs a duration (how long the probe is sampled)' });
  if (p.mode !== 'continuous' && (p.duration !== undefined || p.minSuccessRatio !== undefined)) {
    out.push({
      path: [p.duration !== undefined ? 'duration' : 'minSuccessRatio'],
      message: 'only meaningful with mode: continuous',
    });
  }
  const pod =
    p.kind === 'exec' || p.kind === 'checksum'
      ? p.pod
      : p.kind === 'canary' && 'file' in p.carrier
        ? p.carrier.file.pod
        : null;
  if (pod && (pod.name === undefined) === (pod.selector === undefined)) {
    out.push({
      path: p.kind === 'canary' ? ['carrier', 'file', 'pod'] : ['pod'],
      message: 'expected name or selector (exactly one)',
      key: true,
    });
  }
  if (
    p.kind === 'http' &&
    [p.target.pod, p.target.selector, p.target.service].filter((x) => x !== undefined).length !== 1
  ) {
    out.push({ path: ['target'], message: 'expected exactly one of pod, selector or service', key: true });
  }
  if (p.kind === 'canary' && (p.writer ?? 'drill') === 'drill' && !takesBackup) {
    out.push({
      path: ['writer'],
      message:
        'writer drill needs backup.create (the drill writes the marker just before it takes the backup); use writer: heartbeat with an existing or scheduled backup',
      key: p.writer === undefined,
    });
  }
  if (p.kind === 'checksum' && (p.against ?? 'source') === 'source' && !takesBackup) {
    out.push({
      path: ['against'],
      message:
        'against source needs backup.create (the source manifest is taken just before the backup); give against.manifestFile otherwise',
      key: p.against === undefined,
    });
  }
  return out;
}
