import { type Command, Option } from 'commander';
import { CONFIG_NAMES } from '../config/load.js';
import { DEFAULT_TARGETS } from '../targets/parse.js';

/**
 * The options every command spells the same way, and the help layout every command shares:
 * one name per idea (README "One name per idea"), defaults shown by commander, and an
 * "Examples:" block at the end of each `--help`.
 *
 * A default given here is for the reader of `--help`: the library resolves the real one (the
 * config's value, else its own), so an action must pass on only what the user typed — read the
 * flags with `given(command)`, never `command.opts()`, or a default would outrank the config.
 */

/** `-o, --out <dir>`: the output folder, for every command that reads or writes it. */
export function outOption(description = 'output folder'): Option {
  return new Option('-o, --out <dir>', description).default(
    'dist',
    "the config's out, else dist in the module root",
  );
}

/** `--config <file>`: for every command that reads the config. */
export function configOption(): Option {
  return new Option('--config <file>', 'config file').default(
    CONFIG_NAMES[0],
    `${CONFIG_NAMES.join(', ')} in the module root, if there`,
  );
}

/** `-t, --targets <list>`: target syntax as in the README's "Target syntax". */
export function targetsOption(
  description = 'goos/goarch[/variant] list, sets all and first-class, wildcards, !exclusions',
): Option {
  return new Option('-t, --targets <list>', description).default(
    DEFAULT_TARGETS,
    `the config's targets, else ${DEFAULT_TARGETS}`,
  );
}

/**
 * Ends the command's `--help` with two or three commands a user can paste, each with why one
 * would run it. Each must start with `crossgo <this command>` (`crossgo` alone for the program).
 */
export function examples(cmd: Command, lines: readonly (readonly [command: string, why: string])[]): Command {
  if (lines.length < 2 || lines.length > 3) throw new Error(`${cmd.name()}: give two or three examples`);
  // The whole command path: `crossgo lint dockerfile` for a subcommand.
  const names: string[] = [];
  for (let at: Command | null = cmd; at?.parent; at = at.parent) names.unshift(at.name());
  const prefix = ['crossgo', ...names].join(' ');
  for (const [line] of lines) {
    if (line !== prefix && !line.startsWith(`${prefix} `))
      throw new Error(`example "${line}" is not ${prefix}`);
  }
  const width = Math.max(...lines.map(([line]) => line.length));
  const body = lines.map(([line, why]) => `  ${line.padEnd(width)}  # ${why}`).join('\n');
  return cmd.addHelpText('after', `\nExamples:\n${body}\n`);
}

/**
 * The options the user set (on the command line or through an env-backed option), without the
 * defaults commander fills in for `--help`: those are the library's to decide. A negated flag
 * (`--no-trimpath`) is kept only when given, so `flags.trimpath === false` means "asked for".
 */
export function given<T extends object>(cmd: Command): T {
  const opts = cmd.opts<Record<string, unknown>>();
  return Object.fromEntries(
    Object.entries(opts).filter(([key]) => {
      const source = cmd.getOptionValueSource(key);
      return source !== 'default';
    }),
  ) as T;
}
