import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

let goBin: string | null = null;

/** Where `go install` puts tools: GOBIN, else GOPATH's first entry's bin (scripts/setup.sh). */
function goBinDir(): string {
  if (goBin === null) {
    const [gobin = '', gopath = ''] = execFileSync('go', ['env', 'GOBIN', 'GOPATH'], {
      encoding: 'utf8',
    }).split('\n');
    goBin = gobin || path.join(gopath.split(path.delimiter)[0] ?? '', 'bin');
  }
  return goBin;
}

/** The absolute path of a Go-written tool scripts/setup.sh installs (versitygw, actionlint): PATH, then go's bin. */
export function goTool(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), goBinDir()];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  throw new Error(`${name} is not installed: npm run setup (scripts/setup.sh) installs it with go install`);
}
