/**
 * A self-signed CA and a server certificate for Azurite (SAN IP:127.0.0.1, DNS:localhost), made with openssl.
 * Velero's signed download URLs are HTTPS-only, so Azurite must speak TLS; the BSL trusts this CA (caCert).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { infraError } from '../util/errors.js';
import type { LocalLayout } from './layout.js';

/** Creates the CA and Azurite's certificate once; later calls reuse them (the BSL has the CA baked in). */
export async function ensureCertificates(layout: LocalLayout): Promise<void> {
  if (existsSync(layout.caCert) && existsSync(layout.serverCert) && existsSync(layout.serverKey)) return;
  mkdirSync(layout.tlsDir, { recursive: true, mode: 0o700 });
  const caKey = join(layout.tlsDir, 'ca-key.pem');
  const csr = join(layout.tlsDir, 'azurite.csr');
  const ext = join(layout.tlsDir, 'azurite-ext.cnf');
  writeFileSync(
    ext,
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  const openssl = async (args: string[]): Promise<void> => {
    try {
      await execa('openssl', args, { stdin: 'ignore' });
    } catch (e) {
      throw infraError(
        'LOCAL_OPENSSL_FAILED',
        `openssl ${args[0]} failed: ${(e as { stderr?: string }).stderr ?? String(e)}`,
        'install openssl (Debian: apt-get install openssl) and run `dr-drill local up` again',
      );
    }
  };
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    layout.caCert,
    '-days',
    '3650',
    '-subj',
    '/CN=dr-drill local CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    layout.serverKey,
    '-out',
    csr,
    '-subj',
    '/CN=localhost',
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    layout.caCert,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    layout.serverCert,
    '-days',
    '825',
    '-extfile',
    ext,
  ]);
  rmSync(csr, { force: true });
}
