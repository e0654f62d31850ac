import type { HookCommand } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { compileTemplate, type Template, type TemplateScope } from '../template/engine.js';
import { splitWords } from './words.js';

/** The only shell crossgo runs, for a hook that asks for one with `shell: true`. */
export const SHELL = '/bin/sh';

/** The commands of one place in the config and that place's key path (pipeline/plan.ts HookList). */
export interface HookSource {
  commands: readonly HookCommand[];
  source: { file: string; key: string };
}

/** One command, its templates compiled: what runs is decided when it runs, by rendering. */
export interface PreparedHook {
  /** The config file's name, for messages. */
  file: string;
  /** Its key path: before[2], builds[0].hooks.pre[1]. */
  key: string;
  /** The program and its arguments; [/bin/sh, -c, cmd] for a shell hook. */
  argv: readonly Template[];
  /** Where it runs, relative to the module root; null: the module root. */
  dir: Template | null;
  /** Variables added to its environment, values as templates. */
  env: readonly (readonly [string, Template])[];
  /** Its output shown as it runs (info), not only in the debug log. */
  output: boolean;
}

/**
 * Compiles every template of a list of hooks, so that a wrong placeholder, a shell hook given as
 * an array or an unterminated quote is one line naming the file and key path before anything
 * runs. A string is split into words first (quotes group, no shell), then each word is a
 * template: a value with spaces stays one argument.
 */
export function prepareHooks(list: HookSource, scope: TemplateScope): PreparedHook[] {
  const { file } = list.source;
  return list.commands.map((command, i) => {
    const key = `${list.source.key}[${i}]`;
    const compile = (text: string, at: string) => compileTemplate(text, { file, key: at }, { scope });
    const long = typeof command === 'string' || Array.isArray(command) ? null : command;
    const cmd = long ? long.cmd : (command as string | string[]);
    const at = long ? `${key}.cmd` : key;
    let argv: Template[];
    if (long?.shell) {
      if (typeof cmd !== 'string') {
        throw new ConfigError(
          file,
          at,
          'shell: true runs one string with /bin/sh -c: give cmd as a string, or drop shell and keep the argument list',
        );
      }
      argv = [compile(SHELL, at), compile('-c', at), compile(cmd, at)];
    } else {
      const words = typeof cmd === 'string' ? splitWords(cmd, `${file}: ${at}`) : cmd;
      if (words.length === 0 || words[0] === '') {
        throw new ConfigError(file, at, 'the command is empty: name a program first');
      }
      argv = words.map((word, j) => compile(word, typeof cmd === 'string' ? at : `${at}[${j}]`));
    }
    return {
      file,
      key,
      argv,
      dir: long?.dir === undefined ? null : compile(long.dir, `${key}.dir`),
      env: Object.entries(long?.env ?? {}).map(
        ([name, value]) => [name, compile(value, `${key}.env.${name}`)] as const,
      ),
      output: long?.output === true,
    };
  });
}

/** A run's hooks as its plan holds them (pipeline/plan.ts BuildPlan and BuildUnit, structurally). */
export interface PlannedHooks {
  hooks: { before: HookSource; after: HookSource };
  units: readonly { hooks: { pre: HookSource; post: HookSource } }[];
}

/**
 * Compiles every hook a run may run (before, after, each build's pre and post), so that a bad
 * one is refused before the first hook or build starts, not when its turn comes.
 */
export function checkHooks(plans: readonly PlannedHooks[]): void {
  for (const plan of plans) {
    prepareHooks(plan.hooks.before, 'project');
    prepareHooks(plan.hooks.after, 'project');
    for (const unit of plan.units) {
      prepareHooks(unit.hooks.pre, 'target');
      prepareHooks(unit.hooks.post, 'target');
    }
  }
}
