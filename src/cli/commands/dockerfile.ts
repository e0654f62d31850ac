import path from 'node:path';
import { dockerfile } from '../../commands/dockerfile.js';
import type { CliContext } from '../context.js';

export interface DockerfileFlagsCli {
  file?: string;
  config?: string;
  force?: boolean;
  stdout?: boolean;
}

/** `crossgo dockerfile`: writes the Dockerfile (or prints it); notes and the outcome on stderr. */
export async function dockerfileCommand(flags: DockerfileFlagsCli, cli: CliContext): Promise<number> {
  const result = await dockerfile({
    file: flags.file,
    configFile: flags.config,
    force: flags.force,
    stdout: flags.stdout,
    cwd: cli.cwd,
    signal: cli.signal,
  });
  if (result.file === null) process.stdout.write(result.text);
  for (const note of result.notes) process.stderr.write(`crossgo: note: ${note}\n`);
  const shown = result.file === null ? '' : path.relative(cli.cwd, result.file) || result.file;
  const line = {
    printed: 'printed the Dockerfile',
    created: `wrote ${shown}`,
    replaced: `rewrote ${shown}`,
    unchanged: `unchanged: ${shown}`,
  }[result.outcome];
  process.stderr.write(
    `crossgo: ${line}: ${result.plan.fixed.binary} from golang:${result.plan.goVersion} on $BUILDPLATFORM, final stage ${result.plan.image.base ?? 'scratch'}\n`,
  );
  return 0;
}
