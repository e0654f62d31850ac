import path from 'node:path';
import { merge } from '../../commands/merge.js';
import { binaries } from '../../pipeline/manifest.js';
import type { CliContext } from '../context.js';
import { parseDuration } from '../duration.js';
import { stderrLogger } from '../render/logger.js';

export interface MergeFlagsCli {
  out?: string;
  wait?: string;
}

/** `crossgo merge DIR… -o dist`: one line of what was merged. */
export async function mergeCommand(dirs: string[], flags: MergeFlagsCli, cli: CliContext): Promise<number> {
  const result = await merge({
    dirs,
    out: flags.out,
    cwd: cli.cwd,
    waitMs: flags.wait === undefined ? undefined : parseDuration(flags.wait, '--wait'),
    signal: cli.signal,
    log: stderrLogger,
  });
  const n = binaries(result.manifest).length;
  const how = [
    result.linked > 0 ? `${result.linked} linked` : '',
    result.copied > 0 ? `${result.copied} copied` : '',
  ]
    .filter((s) => s !== '')
    .join(', ');
  const where = path.relative(cli.cwd, result.out) || '.';
  process.stdout.write(
    `merged ${dirs.length} shards: ${n} binaries${how ? ` (${how})` : ''} → ${where}/ (manifest.json, SHA256SUMS)\n`,
  );
  return 0;
}
