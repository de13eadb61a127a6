/** Golden files: compare rendered text with test/golden/<name>; UPDATE_GOLDEN=1 rewrites them instead. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');

/** Asserts `actual` equals the golden file (path relative to test/golden). */
export function expectGolden(name: string, actual: string): void {
  const path = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`golden file ${path} is missing (run the tests with UPDATE_GOLDEN=1)`);
  expect(actual, `${name} differs from its golden file (UPDATE_GOLDEN=1 to accept)`).to.equal(
    readFileSync(path, 'utf8'),
  );
}
