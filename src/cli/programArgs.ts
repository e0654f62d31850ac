import type { Command, Option } from 'commander';

export interface SeparatedArgv {
  /** crossgo's own words, for commander. */
  argv: string[];
  /** The words after `--` of a command that hands them to the program it runs; null without `--`. */
  programArgs: string[] | null;
}

/**
 * Keeps a value word with its option and a `--` tail with its program, before commander reads
 * the line. commander matches the root's own flags (--version, -V, -C, --help) anywhere on the
 * line, even as the value of a subcommand's option, so `bench --args --version` printed crossgo's
 * version. A value word that starts with "-" is therefore bound to its option (`--args=--version`,
 * `-t-x`), as commander reads those forms. And commander drops a `--` when no unknown flag
 * precedes it (Command.parseOptions), so for the commands in `passThrough` the words after the
 * first `--` are taken off here and returned apart; other commands keep `--` as it is.
 */
export function separateProgramArgs(
  argv: readonly string[],
  program: Command,
  passThrough: readonly string[],
): SeparatedArgv {
  const out: string[] = [];
  let command: Command | undefined;
  const find = (flag: string): Option | undefined =>
    [...program.options, ...(command?.options ?? [])].find((o) => o.short === flag || o.long === flag);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      if (command && passThrough.includes(command.name()))
        return { argv: out, programArgs: argv.slice(i + 1) };
      out.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('-')) {
      const option = find(arg);
      const value = argv[i + 1];
      if (option?.required && value !== undefined) {
        i++;
        if (!value.startsWith('-')) out.push(arg, value);
        else out.push(arg.startsWith('--') ? `${arg}=${value}` : `${arg}${value}`);
        continue;
      }
      out.push(arg);
      continue;
    }
    out.push(arg);
    command ??= program.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
  }
  return { argv: out, programArgs: null };
}
