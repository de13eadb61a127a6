/**
 * Copies a backup that the local environment's real Velero wrote into test/fixtures/velero-<version>/, so the
 * storage tests check dr-drill against Velero's own output and not only against our model of it.
 *   NODE_EXTRA_CA_CERTS=<state>/tls/ca.pem AZURE_STORAGE_CONNECTION_STRING=… tsx scripts/capture-velero-fixture.ts <backup> [restore]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';

const [backup, restore] = process.argv.slice(2);
const cs = process.env.AZURE_STORAGE_CONNECTION_STRING;
if (!backup || !cs) {
  process.stderr.write(
    'usage: AZURE_STORAGE_CONNECTION_STRING=… tsx scripts/capture-velero-fixture.ts <backup> [restore]\n',
  );
  process.exit(2);
}
const out = join(import.meta.dirname, '..', 'test', 'fixtures', 'velero-v1.17.2');
const container = BlobServiceClient.fromConnectionString(cs).getContainerClient('velero');
const prefixes = [`backups/${backup}/`, ...(restore ? [`restores/${restore}/`] : [])];
for (const prefix of prefixes) {
  for await (const b of container.listBlobsFlat({ prefix })) {
    if (b.name.endsWith('-logs.gz')) continue; // logs are best-effort and large; not needed for the checks
    const file = join(out, b.name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, await container.getBlobClient(b.name).downloadToBuffer());
    process.stdout.write(`${b.name} (${b.properties.contentLength} bytes)\n`);
  }
}
