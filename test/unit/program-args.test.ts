import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { separateProgramArgs } from '../../src/cli/programArgs.js';

describe('separateProgramArgs', () => {
  const program = () => {
    const p = new Command('crossgo').version('0.1.0', '-V, --version').option('-C, --chdir <dir>');
    p.command('bench')
      .argument('[package]')
      .option('--args <args>')
      .option('-t, --targets <list>')
      .option('--json');
    p.command('test').argument('[packages...]').option('--run <regexp>');
    return p;
  };
  const separate = (argv: string[]) => separateProgramArgs(argv, program(), ['bench']);

  it('binds a value that starts with "-" to its option, so the root never reads it as its own flag', () => {
    expect(separate(['bench', '--args', '--version'])).toEqual({
      argv: ['bench', '--args=--version'],
      programArgs: null,
    });
    expect(separate(['bench', '-t', '-V', '--json'])).toEqual({
      argv: ['bench', '-t-V', '--json'],
      programArgs: null,
    });
    expect(separate(['-C', '-dir', 'bench', '--args', 'x'])).toEqual({
      argv: ['-C-dir', 'bench', '--args', 'x'],
      programArgs: null,
    });
  });

  it('takes the words after -- off for bench, and leaves -- to other commands', () => {
    expect(separate(['bench', '.', '--', '--version', 'a b'])).toEqual({
      argv: ['bench', '.'],
      programArgs: ['--version', 'a b'],
    });
    expect(separate(['bench', '--args', '--', '--', 'x'])).toEqual({
      argv: ['bench', '--args=--'],
      programArgs: ['x'],
    });
    expect(separate(['test', '--', './pkg'])).toEqual({ argv: ['test', '--', './pkg'], programArgs: null });
  });

  it('and commander then gives bench its own flags and crossgo no --version', async () => {
    const p = program();
    let seen: unknown;
    p.commands[0]?.action((_pkg, flags) => {
      seen = flags;
    });
    p.exitOverride();
    await p.parseAsync(separate(['bench', '--args', '--version', '-t', '-V']).argv, { from: 'user' });
    expect(seen).toEqual({ args: '--version', targets: '-V' });
  });
});
