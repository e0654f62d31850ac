import path from 'node:path';
import { init } from '../../commands/init.js';
import type { CliContext } from '../context.js';

export interface InitFlagsCli {
  from?: string;
  file?: string;
  force?: boolean;
  stdout?: boolean;
}

/** `crossgo init [--from .goreleaser.yaml]`: writes crossgo.yaml; the notes go to stderr, one line each. */
export async function initCommand(flags: InitFlagsCli, cli: CliContext): Promise<number> {
  const result = await init({
    cwd: cli.cwd,
    from: flags.from,
    file: flags.file,
    force: flags.force,
    stdout: flags.stdout,
  });
  if (result.file === null) process.stdout.write(result.text);
  for (const note of result.notes) process.stderr.write(`crossgo: note: ${note}\n`);
  const where =
    result.file === null ? 'printed' : `wrote ${path.relative(cli.cwd, result.file) || result.file}`;
  const source =
    result.from === null ? 'a starter config' : `the translation of ${path.relative(cli.cwd, result.from)}`;
  const notes =
    result.from === null
      ? ''
      : result.notes.length === 0
        ? ': every key translated'
        : `: ${result.notes.length} note${result.notes.length === 1 ? '' : 's'} above (untranslated or lossy keys; also # note: lines in the file)`;
  process.stderr.write(`crossgo: ${where}: ${source}${notes}\n`);
  if (result.file !== null) {
    const shown = path.relative(cli.cwd, result.file) || result.file;
    // A new, uncommitted crossgo.yaml makes the tree dirty: build --package would refuse it.
    process.stderr.write(
      `crossgo: next: commit ${shown}, then crossgo build --package (a release of a dirty tree is refused; --snapshot tries it now)\n`,
    );
  }
  return 0;
}
