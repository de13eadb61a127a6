import { expect } from 'chai';
import { ApiException } from '@kubernetes/client-node';
import { isConflict, isNotFound, kubeError } from '../../src/kube/errors.js';

const status = (code: number, reason: string, message: string) =>
  new ApiException(
    code,
    `HTTP ${code}`,
    JSON.stringify({ kind: 'Status', status: 'Failure', reason, message, code }),
    {},
  );
const what = { verb: 'create', resource: 'Namespace', context: 'dr' };

describe('kube errors', () => {
  it('a 409 is KUBE_CONFLICT with a hint, and still answers isConflict', () => {
    const e = kubeError(status(409, 'AlreadyExists', 'namespaces "shop" already exists'), what);
    expect(e.code).to.equal('KUBE_CONFLICT');
    expect(e.message).to.equal(
      'context dr: create Namespace failed with 409 AlreadyExists: namespaces "shop" already exists',
    );
    expect(e.hint).to.contain('dr-drill cleanup');
    expect(isConflict(e)).to.equal(true);
    expect(isNotFound(e)).to.equal(false);
  });

  it('keeps the status on other API errors and names the denied verb on 403', () => {
    const gone = kubeError(status(410, 'Gone', 'too old resource version'), { ...what, verb: 'watch' });
    expect(gone.code).to.equal('KUBE_API_ERROR');
    expect((gone as unknown as { statusCode: number }).statusCode).to.equal(410);
    const denied = kubeError(status(403, 'Forbidden', 'nope'), { ...what, namespace: 'velero' });
    expect(denied.code).to.equal('KUBE_FORBIDDEN');
    expect(denied.message).to.contain('permission denied to create Namespace in namespace velero');
  });

  it('a 403 names the rule to add, from the details the API server sends', () => {
    const body = {
      kind: 'Status',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
      message:
        'restores.velero.io is forbidden: User "system:serviceaccount:dr-drill:nobody" cannot create resource "restores" in API group "velero.io" in the namespace "velero"',
      details: { group: 'velero.io', kind: 'restores' },
    };
    const e = kubeError(new ApiException(403, 'HTTP 403', JSON.stringify(body), {}), {
      verb: 'create',
      resource: 'Restore',
      namespace: 'velero',
      context: 'dr',
    });
    expect(e.message).to.contain('permission denied to create Restore in namespace velero');
    expect(e.hint).to.contain('{ apiGroups: ["velero.io"], resources: ["restores"], verbs: ["create"] }');
    const core = kubeError(
      new ApiException(
        403,
        'HTTP 403',
        JSON.stringify({ ...body, message: 'nope', details: { kind: 'configmaps' } }),
        {},
      ),
      { verb: 'patch', resource: 'ConfigMap', context: 'dr' },
    );
    expect(core.hint).to.contain('{ apiGroups: [""], resources: ["configmaps"], verbs: ["patch"] }');
    // A subresource: the message names it, the details do not.
    const exec = kubeError(
      new ApiException(
        403,
        'HTTP 403',
        JSON.stringify({
          ...body,
          message:
            'pods "api-0" is forbidden: User "x" cannot get resource "pods/exec" in API group "" in the namespace "shop"',
          details: { kind: 'pods', name: 'api-0' },
        }),
        {},
      ),
      { verb: 'exec', resource: 'Pod', namespace: 'shop', context: 'dr' },
    );
    expect(exec.hint).to.contain('{ apiGroups: [""], resources: ["pods/exec"], verbs: ["get"] }');
  });

  it('a transport failure carries no status', () => {
    const e = kubeError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
      what,
    );
    expect(e.code).to.equal('KUBE_UNREACHABLE');
    expect(isConflict(e)).to.equal(false);
  });
});
