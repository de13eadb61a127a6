import { main } from '../../src/cli/main.js';
import type { CliLoaders } from '../../src/cli/loaders.js';
import { staticLoaders } from './cli-loaders.js';

/** Run the CLI in-process and capture what it prints. */
export async function runCli(
  args: string[],
  loaders: CliLoaders = staticLoaders,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args, loaders);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
