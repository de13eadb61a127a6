/**
 * Azurite (npm `azurite`, blob service only) on loopback with TLS, persisting under the state dir so that
 * backups survive a restart of the environment's processes.
 */
import { createHmac } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { request } from 'node:https';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { infraError } from '../util/errors.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, BSL_CONTAINER, PORTS, type LocalLayout } from './layout.js';
import { managedProcess, runningPid, startDetached, type ManagedProcess } from './processes.js';

/** The Azurite process of a layout. */
export function azuriteProcess(layout: LocalLayout): ManagedProcess {
  return managedProcess(layout.pidDir, layout.logsDir, 'azurite', `--blobPort ${PORTS.azurite}`);
}

/** The azurite version the environment is tested with (the devDependency in package.json). */
export const AZURITE_VERSION = '3.35.0';

/** Where the environment found Azurite's blob service: a script run with this Node. */
export interface AzuriteInstall {
  blobMain: string;
  /** How it was found, for the progress line. */
  foundBy: 'package' | 'working directory' | 'PATH';
}

/**
 * Azurite is a development dependency, so an installed dr-drill does not pull in its ~170 MB. It is looked
 * for, in order: beside dr-drill (a checkout after `npm ci`, or `npm i -g azurite` next to a global dr-drill),
 * in the working directory's node_modules, and as `azurite-blob` on PATH. Nothing is downloaded behind the
 * user's back: when none is found the error says which command installs it.
 */
export function findAzurite(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
  from: string = import.meta.url,
): AzuriteInstall {
  for (const [base, foundBy] of [
    [from, 'package'],
    [pathToFileURL(join(cwd, 'package.json')).href, 'working directory'],
  ] as const) {
    try {
      const pkg = createRequire(base).resolve('azurite/package.json');
      const blobMain = join(dirname(pkg), 'dist', 'src', 'blob', 'main.js');
      if (existsSync(blobMain)) return { blobMain, foundBy };
    } catch {
      // not resolvable from here; try the next place
    }
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const bin = join(dir, 'azurite-blob');
    try {
      accessSync(bin, constants.X_OK);
      return { blobMain: realpathSync(bin), foundBy: 'PATH' };
    } catch {
      // not in this PATH entry
    }
  }
  throw infraError(
    'LOCAL_AZURITE_MISSING',
    'the local environment needs Azurite (blob storage for Velero), and the npm package azurite is not installed',
    `install it next to dr-drill with \`npm i -g azurite@${AZURITE_VERSION}\` (or \`npm i azurite@${AZURITE_VERSION}\` in ` +
      'this directory); in a checkout of the repository `npm ci` installs it',
  );
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
        findAzurite().blobMain,
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
