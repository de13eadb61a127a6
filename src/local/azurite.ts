/**
 * Azurite (npm `azurite`, blob service only) on loopback with TLS, persisting under the state dir so that
 * backups survive a restart of the environment's processes.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { infraError } from '../errors.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, BSL_CONTAINER, PORTS, type LocalLayout } from './layout.js';
import { managedProcess, runningPid, startDetached, type ManagedProcess } from './processes.js';

/** The Azurite process of a layout. */
export function azuriteProcess(layout: LocalLayout): ManagedProcess {
  return managedProcess(layout.pidDir, layout.logsDir, 'azurite', `--blobPort ${PORTS.azurite}`);
}

function azuriteBlobMain(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('azurite/package.json');
  } catch {
    throw infraError(
      'LOCAL_AZURITE_MISSING',
      'the npm package azurite is not installed',
      'run `npm ci` in the dr-drill checkout',
    );
  }
  return join(dirname(pkg), 'dist', 'src', 'blob', 'main.js');
}

/** Starts Azurite unless it already runs; waits until it answers over TLS; creates the BSL container. */
export async function ensureAzurite(layout: LocalLayout): Promise<{ pid: number; started: boolean }> {
  const proc = azuriteProcess(layout);
  let pid = runningPid(proc);
  const started = pid === null;
  if (pid === null) {
    mkdirSync(layout.azuriteData, { recursive: true });
    pid = startDetached(
      proc,
      process.execPath,
      [
        azuriteBlobMain(),
        '--blobHost',
        '127.0.0.1',
        '--blobPort',
        String(PORTS.azurite),
        '--location',
        layout.azuriteData,
        '--cert',
        layout.serverCert,
        '--key',
        layout.serverKey,
        '--skipApiVersionCheck',
        '--loose',
        '--disableTelemetry',
        '--silent',
      ],
      { cwd: layout.azuriteData },
    );
  }
  const deadline = Date.now() + 30_000;
  let last = '';
  for (;;) {
    const r = await azuriteRequest(layout, 'PUT', `/${AZURITE_ACCOUNT}/${BSL_CONTAINER}`, { restype: 'container' });
    if (r.status === 201 || r.status === 409) return { pid, started };
    last = r.error ?? `HTTP ${r.status} ${r.body.slice(0, 200)}`;
    if (Date.now() > deadline) {
      throw infraError(
        'LOCAL_AZURITE_DOWN',
        `Azurite did not answer on 127.0.0.1:${PORTS.azurite}: ${last}`,
        `see ${proc.logFile}; is the port used by another process?`,
      );
    }
    await sleep(300);
  }
}

/** Result of one request to Azurite. */
export interface AzuriteResponse {
  status: number;
  body: string;
  error?: string;
}

/**
 * One SharedKey-signed request to Azurite, trusting only the environment's CA. Small on purpose: the
 * environment needs only "create container" and "list containers", and @azure/storage-blob cannot be
 * given a CA per client in Node 20 (it reads NODE_EXTRA_CA_CERTS at process start).
 */
export function azuriteRequest(
  layout: LocalLayout,
  method: string,
  path: string,
  query: Record<string, string> = {},
  timeoutMs = 5000,
): Promise<AzuriteResponse> {
  const headers: Record<string, string> = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': '2021-12-02' };
  const canonHeaders = Object.keys(headers)
    .sort()
    .map((k) => `${k}:${headers[k]}\n`)
    .join('');
  const canonResource =
    `/${AZURITE_ACCOUNT}${path}` +
    Object.keys(query)
      .sort()
      .map((k) => `\n${k}:${query[k]}`)
      .join('');
  const toSign = [method, '', '', '', '', '', '', '', '', '', '', ''].join('\n') + '\n' + canonHeaders + canonResource;
  const sig = createHmac('sha256', Buffer.from(AZURITE_KEY, 'base64')).update(toSign, 'utf8').digest('base64');
  const qs = new URLSearchParams(query).toString();
  return new Promise((resolve) => {
    let ca: Buffer;
    try {
      ca = readFileSync(layout.caCert);
    } catch (e) {
      resolve({ status: 0, body: '', error: String(e) });
      return;
    }
    const req = request(
      {
        host: '127.0.0.1',
        port: PORTS.azurite,
        method,
        path: path + (qs ? `?${qs}` : ''),
        ca,
        servername: 'localhost',
        headers: { ...headers, Authorization: `SharedKey ${AZURITE_ACCOUNT}:${sig}`, 'Content-Length': '0' },
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
    req.end();
  });
}
