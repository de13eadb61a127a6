/**
 * The node stand-in's part in Velero's restore handshake (restoreWaitStep): node-agent accepts a PodVolumeRestore
 * only while the restored pod's `restore-wait` init container runs, and looks again only on a later event of the
 * pod. kwok's pod-ready stage ends every init container, and it plays that stage once per event that reached it
 * before its own patch (4 plays in parallel), so a play from an older copy of the pod can land right after the
 * stand-in's "running". The statuses below are the ones kwok's template and the stand-in write.
 */
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import { restoreWaitStep } from '../../src/local/node-stand-in.js';

type InitState = NonNullable<NonNullable<V1Pod['status']>['initContainerStatuses']>[number]['state'];

function restoredPod(state: InitState | null, extra: Partial<V1Pod['status']> = { podIP: '10.0.0.7' }): V1Pod {
  return {
    metadata: { name: 'db-0', namespace: 'shop', uid: 'u-1' },
    spec: {
      nodeName: 'node-000001',
      initContainers: [{ name: 'restore-wait', image: 'velero/velero-restore-helper', args: ['restore-uid'] }],
      containers: [{ name: 'postgres', image: 'postgres' }],
    },
    status: {
      ...extra,
      initContainerStatuses: state
        ? [{ name: 'restore-wait', image: 'x', imageID: '', ready: false, restartCount: 0, state }]
        : undefined,
    },
  };
}

const kwokEnded: InitState = {
  terminated: { exitCode: 0, reason: 'Completed', startedAt: new Date(), finishedAt: new Date() },
};
const running: InitState = { running: { startedAt: new Date() } };
const standInEnded: InitState = {
  terminated: { exitCode: 0, reason: 'RestoreComplete', startedAt: new Date(), finishedAt: new Date() },
};

describe('local stand-in: restore-wait handshake', () => {
  it('says restore-wait runs once kwok has placed the pod (its podIP) and ended every init container', () => {
    expect(restoreWaitStep(restoredPod(kwokEnded), false, false)).to.equal('run');
    expect(restoreWaitStep(restoredPod(null, {}), false, false)).to.equal('none');
  });

  it('says it again when a late kwok status ends the restore-wait it holds running (no restore waits for ever)', () => {
    expect(restoreWaitStep(restoredPod(kwokEnded), true, false)).to.equal('run-again');
  });

  it('keeps waiting on a restore-wait that runs, whether it set it or an earlier stand-in process did', () => {
    expect(restoreWaitStep(restoredPod(running), true, false)).to.equal('wait');
    expect(restoreWaitStep(restoredPod(running), false, false)).to.equal('wait');
  });

  it('never opens again a restore-wait it ended, even when a late kwok status says Completed', () => {
    expect(restoreWaitStep(restoredPod(standInEnded), false, false)).to.equal('none');
    expect(restoreWaitStep(restoredPod(kwokEnded), false, true)).to.equal('none');
  });

  it('leaves alone pods Velero did not restore and pods being deleted', () => {
    const plain = restoredPod(kwokEnded);
    plain.spec!.initContainers = [{ name: 'migrate', image: 'x' }];
    expect(restoreWaitStep(plain, false, false)).to.equal('none');
    const deleting = restoredPod(kwokEnded);
    deleting.metadata!.deletionTimestamp = new Date();
    expect(restoreWaitStep(deleting, true, false)).to.equal('none');
  });
});
