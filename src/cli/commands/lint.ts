import { lintDockerfileFile } from '../../commands/lint.js';
import type { CliContext } from '../context.js';

export interface LintFlagsCli {
  json?: boolean;
}

/** `crossgo lint dockerfile [FILE]`: one line per finding (FILE:LINE: trap: message; fix: …), exit 1 on any. */
export async function lintDockerfileCommand(
  file: string | undefined,
  flags: LintFlagsCli,
  cli: CliContext,
): Promise<number> {
  const result = await lintDockerfileFile({ file, cwd: cli.cwd });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result.findings, null, 2)}\n`);
  } else {
    for (const f of result.findings)
      process.stdout.write(`${f.file}:${f.line}: ${f.trap}: ${f.message}; fix: ${f.fix}\n`);
    const n = result.findings.length;
    process.stderr.write(
      n === 0
        ? `crossgo: ${result.file}: no Go build traps\n`
        : `crossgo: ${result.file}: ${n} Go build trap${n === 1 ? '' : 's'}\n`,
    );
  }
  return result.findings.length === 0 ? 0 : 1;
}
