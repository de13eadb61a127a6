/** Where a hook's command would be found, for `plan`: the same lookup the kernel's execvp does, without running it. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** The executable a command resolves to, or null: a name with a slash is a path (relative to cwd), else PATH is searched. */
export function findExecutable(command: string, cwd: string, path = process.env.PATH ?? ''): string | null {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) {
        accessSync(c, constants.X_OK);
        return c;
      }
    } catch {
      // not this one
    }
  }
  return null;
}
