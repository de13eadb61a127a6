/**
 * Writes the published JSON Schemas from their typebox sources (npm run schemas):
 * schemas/scenario.v1.schema.json from src/scenario/schema.ts and schemas/report.v2.schema.json from
 * src/report/schema.ts. A unit test fails when the committed files differ from what this produces.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Scenario } from '../src/scenario/schema.js';
import { Report } from '../src/report/schema.js';

/** The repository root (this file lives in scripts/). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Published file (relative to the repository root) → its exact content: pretty JSON and a trailing newline. */
export function publishedSchemas(): Record<string, string> {
  // JSON.stringify drops typebox's symbol keys, leaving plain JSON Schema.
  const render = (schema: unknown) => JSON.stringify(schema, null, 2) + '\n';
  return {
    'schemas/scenario.v1.schema.json': render(Scenario),
    'schemas/report.v2.schema.json': render(Report),
  };
}

function main(): void {
  for (const [file, content] of Object.entries(publishedSchemas())) {
    const path = join(REPO_ROOT, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    process.stdout.write(`wrote ${file}\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
