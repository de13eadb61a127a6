/**
 * Mocha global fixture: one in-memory Azurite blob service for the whole run (global fixtures run once, also
 * under --parallel). Tests read the connection string from DR_DRILL_TEST_AZURITE_CS and make their own
 * containers with newTestContainer().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
export const AZURITE_ENV = 'DR_DRILL_TEST_AZURITE_CS';

let child: ChildProcess | null = null;

export async function mochaGlobalSetup(): Promise<void> {
  if (process.env[AZURITE_ENV]) return;
  const require = createRequire(import.meta.url);
  const main = require.resolve('azurite/dist/src/blob/main.js');
  const proc = spawn(
    process.execPath,
    [
      main,
      '--inMemoryPersistence',
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--skipApiVersionCheck',
      '--loose',
      '--disableTelemetry',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child = proc;
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within 20s: ${out}${err}`)), 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listens on https?:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}: ${out}${err}`));
    });
  });
  // Keep draining output so that a full pipe never blocks Azurite.
  proc.stdout!.resume();
  proc.stderr!.resume();
  process.env[AZURITE_ENV] =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
}

export async function mochaGlobalTeardown(): Promise<void> {
  const proc = child;
  child = null;
  if (!proc || proc.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

/** The Azurite connection string (throws when the global fixture did not run). */
export function azuriteConnectionString(): string {
  const cs = process.env[AZURITE_ENV];
  if (!cs) throw new Error(`${AZURITE_ENV} is not set: is test/support/azurite.ts in .mocharc.json "require"?`);
  return cs;
}

/** A fresh, uniquely named container in Azurite. */
export async function newTestContainer(label = 'test'): Promise<ContainerClient> {
  const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
  const c = service.getContainerClient(`${label}-${randomBytes(4).toString('hex')}`.toLowerCase());
  await c.create();
  return c;
}
