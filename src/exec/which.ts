import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** The full path of an executable on the environment's PATH (or a path given as is), or null. */
export function which(command: string, env: NodeJS.ProcessEnv): string | null {
  if (command.includes('/')) return isExecutable(command) ? path.resolve(command) : null;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
