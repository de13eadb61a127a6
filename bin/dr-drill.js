#!/usr/bin/env node
// Launcher: runs the built CLI (dist/, made by `npm run build`, which `npm ci` runs through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'bin.js');
if (!existsSync(built)) {
  process.stderr.write(`dr-drill: ${built} is missing; run 'npm run build' (npm ci does it through 'prepare')\n`);
  process.exit(3);
}
await import(pathToFileURL(built).href);
