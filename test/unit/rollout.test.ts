import { expect } from 'chai';
import type { KubeObject } from '../../src/kube/types.js';
import { daemonSetRollout, deploymentRollout, statefulSetRollout, type Rollout } from '../../src/probes/rollout.js';

/** A workload object: generation 2 unless given, the spec and status as written. */
const workload = (
  kind: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  generation = 2,
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name: 'api', namespace: 'shop', generation },
  spec,
  status,
});

type Case = { name: string; obj: KubeObject; ready: boolean; failed?: boolean; message: RegExp };

const expectRollout = (r: Rollout, c: Case) => {
  expect(r.ready, r.message).to.equal(c.ready);
  expect(Boolean(r.failed)).to.equal(Boolean(c.failed));
  expect(r.message).to.match(c.message);
};

describe('rollout rules (kubectl rollout status)', () => {
  const done = { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 };
  const deployments: Case[] = [
    {
      name: 'rolled out',
      obj: workload('Deployment', { replicas: 3 }, done),
      ready: true,
      message: /successfully rolled out \(3\/3 available\)/,
    },
    {
      name: 'observedGeneration lags the spec',
      obj: workload('Deployment', { replicas: 3 }, { ...done, observedGeneration: 1 }),
      ready: false,
      message: /spec update to be observed/,
    },
    {
      name: 'no status yet',
      obj: workload('Deployment', { replicas: 1 }, {}),
      ready: false,
      message: /spec update to be observed/,
    },
    {
      name: 'fewer updated than wanted',
      obj: workload('Deployment', { replicas: 3 }, { ...done, updatedReplicas: 1 }),
      ready: false,
      message: /1 out of 3 new replicas have been updated/,
    },
    {
      name: 'old replicas pending termination',
      obj: workload('Deployment', { replicas: 3 }, { ...done, replicas: 5 }),
      ready: false,
      message: /2 old replicas are pending termination/,
    },
    {
      name: 'fewer available than updated',
      obj: workload('Deployment', { replicas: 3 }, { ...done, availableReplicas: 2 }),
      ready: false,
      message: /2 of 3 updated replicas are available/,
    },
    {
      name: 'replicas defaults to 1',
      obj: workload('Deployment', {}, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }),
      ready: true,
      message: /1\/1 available/,
    },
    {
      name: 'ProgressDeadlineExceeded is a definite failure',
      obj: workload(
        'Deployment',
        { replicas: 3 },
        {
          ...done,
          availableReplicas: 0,
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        },
      ),
      ready: false,
      failed: true,
      message: /exceeded its progress deadline/,
    },
  ];
  for (const c of deployments) it(`Deployment: ${c.name}`, () => expectRollout(deploymentRollout(c.obj), c));

  const sts = {
    observedGeneration: 2,
    replicas: 3,
    readyReplicas: 3,
    updatedReplicas: 3,
    currentRevision: 'r2',
    updateRevision: 'r2',
  };
  const statefulSets: Case[] = [
    {
      name: 'rolled out',
      obj: workload('StatefulSet', { replicas: 3 }, sts),
      ready: true,
      message: /rolling update complete 3 pods ready/,
    },
    {
      name: 'not observed yet',
      obj: workload('StatefulSet', { replicas: 3 }, { ...sts, observedGeneration: 1 }),
      ready: false,
      message: /spec update to be observed/,
    },
    {
      name: 'no observedGeneration at all',
      obj: workload('StatefulSet', { replicas: 3 }, { readyReplicas: 3 }),
      ready: false,
      message: /spec update to be observed/,
    },
    {
      name: 'pods not ready',
      obj: workload('StatefulSet', { replicas: 3 }, { ...sts, readyReplicas: 1 }),
      ready: false,
      message: /Waiting for 2 pods .* to be ready \(1\/3\)/,
    },
    {
      name: 'revision still rolling',
      obj: workload('StatefulSet', { replicas: 3 }, { ...sts, currentRevision: 'r1' }),
      ready: false,
      message: /rolling update to complete/,
    },
    {
      name: 'partition: updated below replicas - partition',
      obj: workload(
        'StatefulSet',
        { replicas: 4, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
        { ...sts, readyReplicas: 4, updatedReplicas: 1, currentRevision: 'r1' },
      ),
      ready: false,
      message: /1 out of 2 new pods have been updated/,
    },
    {
      name: 'partition: the partitioned part updated',
      obj: workload(
        'StatefulSet',
        { replicas: 4, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
        { ...sts, readyReplicas: 4, updatedReplicas: 2, currentRevision: 'r1' },
      ),
      ready: true,
      message: /partitioned roll out of "api" complete/,
    },
    {
      name: 'OnDelete: all ready is enough (kubectl refuses, a fresh restore has no rollout)',
      obj: workload(
        'StatefulSet',
        { replicas: 2, updateStrategy: { type: 'OnDelete' } },
        { ...sts, readyReplicas: 2, currentRevision: 'r1' },
      ),
      ready: true,
      message: /OnDelete/,
    },
    {
      name: 'OnDelete: still needs every replica ready',
      obj: workload('StatefulSet', { replicas: 2, updateStrategy: { type: 'OnDelete' } }, { ...sts, readyReplicas: 1 }),
      ready: false,
      message: /1\/2/,
    },
  ];
  for (const c of statefulSets) it(`StatefulSet: ${c.name}`, () => expectRollout(statefulSetRollout(c.obj), c));

  const ds = { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 };
  const daemonSets: Case[] = [
    {
      name: 'rolled out',
      obj: workload('DaemonSet', {}, ds),
      ready: true,
      message: /successfully rolled out \(3\/3 available\)/,
    },
    {
      name: 'not observed yet',
      obj: workload('DaemonSet', {}, { ...ds, observedGeneration: 1 }),
      ready: false,
      message: /spec update to be observed/,
    },
    {
      name: 'not all updated',
      obj: workload('DaemonSet', {}, { ...ds, updatedNumberScheduled: 2 }),
      ready: false,
      message: /2 out of 3 new pods have been updated/,
    },
    {
      name: 'not all available',
      obj: workload('DaemonSet', {}, { ...ds, numberAvailable: 1 }),
      ready: false,
      message: /1 of 3 updated pods are available/,
    },
    {
      name: 'OnDelete ignores updated count',
      obj: workload('DaemonSet', { updateStrategy: { type: 'OnDelete' } }, { ...ds, updatedNumberScheduled: 0 }),
      ready: true,
      message: /3\/3 available/,
    },
  ];
  for (const c of daemonSets) it(`DaemonSet: ${c.name}`, () => expectRollout(daemonSetRollout(c.obj), c));
});
