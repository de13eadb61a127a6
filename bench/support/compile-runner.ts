/**
 * Compiles the readiness runner to one plain-JS file so that it runs under plain `node`, as an installed dr-drill
 * does (from dist/). Under tsx the loader thread alone adds ~100 MB of RSS, which would be charged to the runner.
 * Only our own TypeScript is bundled; packages stay imports, resolved from the repository's node_modules (the
 * output lives in node_modules/.cache, which git ignores).
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export async function compileRunner(): Promise<string> {
  const entry = fileURLToPath(new URL('./readiness-runner.ts', import.meta.url));
  const outfile = fileURLToPath(
    new URL('../../node_modules/.cache/dr-drill-bench/readiness-runner.mjs', import.meta.url),
  );
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
  return outfile;
}
