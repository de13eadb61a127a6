import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditedRequests, auditLogFiles, roleDiff, tokenId } from '../support/rbac-proof.js';
import type { PolicyRule } from '../support/api-recorder.js';

const JTI = '05ae1e11-b303-418c-9c1b-5dcc91b0b661';
const OTHER = '9f0e0000-0000-0000-0000-000000000000';

/** An audit.k8s.io/v1 Event line as kube-apiserver writes it at Metadata level. */
const event = (o: { id: string; stage?: string; verb: string; jti?: string; ref?: object; code?: number }) =>
  JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: o.id,
    stage: o.stage ?? 'ResponseComplete',
    verb: o.verb,
    user: {
      username: 'system:serviceaccount:dr-drill:dr-drill-runner',
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${o.jti ?? JTI}`] },
    },
    ...(o.ref ? { objectRef: o.ref } : {}),
    responseStatus: { metadata: {}, code: o.code ?? 200 },
  });

describe('RBAC proof: requests read from the API server audit log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dr-drill-audit-'));
  const log = join(dir, 'audit.log');
  // kube-apiserver's rotated file: older, beside the live one.
  writeFileSync(
    join(dir, 'audit-2026-11-30T05-00-00.000.log'),
    event({ id: 'a0', verb: 'create', ref: { resource: 'restores', apiGroup: 'velero.io', namespace: 'velero' } }) +
      '\n',
  );
  writeFileSync(
    log,
    [
      event({ id: 'a1', stage: 'ResponseStarted', verb: 'watch', ref: { resource: 'namespaces', apiVersion: 'v1' } }),
      event({ id: 'a1', verb: 'watch', ref: { resource: 'namespaces', apiVersion: 'v1' } }),
      event({
        id: 'a2',
        verb: 'get',
        ref: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-1' },
      }),
      event({ id: 'a3', verb: 'list', ref: { resource: 'secrets', namespace: 'shop' }, code: 403 }),
      event({ id: 'a4', verb: 'get' }), // /version: no objectRef
      event({ id: 'a5', verb: 'delete', jti: OTHER, ref: { resource: 'namespaces', name: 'shop' } }),
      '',
    ].join('\n'),
  );

  it('reads the live log and its rotated files, one request per audit id, only the token asked for', () => {
    const files = auditLogFiles(log);
    expect(files.map((f) => f.slice(dir.length + 1))).to.deep.equal(['audit-2026-11-30T05-00-00.000.log', 'audit.log']);
    expect(auditedRequests(files, JTI)).to.deep.equal([
      { verb: 'create', group: 'velero.io', resource: 'restores', namespace: 'velero', name: null, status: 200 },
      { verb: 'watch', group: '', resource: 'namespaces', namespace: null, name: null, status: 200 },
      { verb: 'get', group: '', resource: 'pods/exec', namespace: 'shop', name: 'web-1', status: 200 },
      { verb: 'list', group: '', resource: 'secrets', namespace: 'shop', name: null, status: 403 },
    ]);
    expect(auditedRequests(files, OTHER).map((r) => `${r.verb} ${r.resource}`)).to.deep.equal(['delete namespaces']);
    expect(auditLogFiles(join(dir, 'missing', 'audit.log'))).to.deep.equal([]);
  });

  it('compares them with a role: denied, ungranted, unused and stale grants (made, or no longer granted) are each named', () => {
    const rules: PolicyRule[] = [
      { apiGroups: ['velero.io'], resources: ['restores'], verbs: ['create', 'delete'] },
      { apiGroups: [''], resources: ['namespaces'], verbs: ['watch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['patch'] },
    ];
    const made = auditedRequests(auditLogFiles(log), JTI);
    expect(
      roleDiff(rules, made, {
        'patch /configmaps': 'a canary carrier that already exists',
        'watch /namespaces': 'listed, but made: out of date',
        'get /nodes': 'listed, but no longer granted: out of date',
        'delete /configmaps': 'listed, not granted, made only on failure: out of date all the same',
      }),
    ).to.deep.equal({
      denied: ['list /secrets'],
      ungranted: ['get /pods/exec', 'list /secrets'],
      unused: ['delete velero.io/restores'],
      stale: ['delete /configmaps', 'get /nodes', 'watch /namespaces'],
    });
  });

  it('names a token by its jti claim', () => {
    const jwt = ['e30', Buffer.from(JSON.stringify({ jti: JTI, sub: 'x' })).toString('base64url'), 'sig'].join('.');
    expect(tokenId(jwt)).to.equal(JTI);
    expect(() => tokenId('e30.e30.sig')).to.throw(/no jti/);
  });
});
