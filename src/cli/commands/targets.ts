import { targets } from '../../commands/targets.js';
import type { CliContext } from '../context.js';
import { formatTable } from '../render/format.js';

export interface TargetsFlagsCli {
  json?: boolean;
  firstClass?: boolean;
  cgo?: boolean;
  broken?: boolean;
}

/** `crossgo targets`: the ports of the active toolchain. */
export async function targetsCommand(flags: TargetsFlagsCli, cli: CliContext): Promise<number> {
  const result = await targets({
    cwd: cli.cwd,
    firstClass: flags.firstClass,
    cgo: flags.cgo,
    broken: flags.broken,
    signal: cli.signal,
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result.ports, null, 2)}\n`);
    return 0;
  }
  const rows = result.ports.map((p) => [
    `${p.goos}/${p.goarch}`,
    p.firstClass ? 'yes' : '',
    p.cgoSupported ? 'yes' : '',
    p.broken ? 'broken' : '',
  ]);
  process.stdout.write(`${formatTable(['target', 'first-class', 'cgo', 'status'], rows)}\n`);
  process.stdout.write(`\n${result.ports.length} targets in ${result.goVersion}\n`);
  return 0;
}
