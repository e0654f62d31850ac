import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, crossgo, fixtureRepo, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

/**
 * One interface (issue 13, must have 6): every `--help`, read through the real CLI, ends with two
 * or three real examples, spells the shared options one way, and leaves defaults to the parser.
 */

/** Commands that read or write the output folder, read the config, take targets. */
const OUT = ['build', 'package', 'verify', 'repro', 'bench', 'merge', 'image'];
const CONFIG = [
  'build',
  'package',
  'repro',
  'bench',
  'test',
  'doctor',
  'changelog',
  'ci',
  'dockerfile',
  'image',
];
const TARGETS = ['build', 'repro', 'bench', 'test', 'doctor', 'image'];

interface Help {
  text: string;
  /** Each option entry, its wrapped lines joined: "-o, --out <dir>  output folder (default: dist)". */
  options: string[];
  examples: string[];
}

async function help(args: string[]): Promise<Help> {
  const result = await crossgo([...args, '--help'], { env: testEnv({ COLUMNS: '80' }) });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toBe('');
  const text = result.stdout;
  const section = (title: string) => {
    const start = text.indexOf(`\n${title}:\n`);
    if (start < 0) return [];
    const body = text.slice(start + title.length + 3).split(/\n(?=\S)/)[0] ?? '';
    return body.split('\n').filter((l) => l.trim() !== '');
  };
  const options: string[] = [];
  for (const line of section('Options')) {
    if (/^ {2}-/.test(line)) options.push(line.trim());
    else options[options.length - 1] += ` ${line.trim()}`;
  }
  return { text, options, examples: section('Examples').map((l) => l.trim()) };
}

async function commandNames(): Promise<string[]> {
  const top = await help([]);
  const start = top.text.indexOf('\nCommands:\n');
  const lines = (top.text.slice(start + '\nCommands:\n'.length).split('\n\n')[0] ?? '').split('\n');
  return lines
    .map((l) => /^ {2}([a-z]+) /.exec(l)?.[1])
    .filter((name): name is string => name !== undefined && name !== 'help');
}

describe('every command speaks one interface', async () => {
  const names = await commandNames();

  it('lists every command the issue names', () => {
    for (const name of new Set([...OUT, ...CONFIG, ...TARGETS, 'inspect', 'targets']))
      expect(names).toContain(name);
  });

  it('crossgo --help ends with two or three crossgo examples', async () => {
    const top = await help([]);
    expect(top.text.trimEnd().split('\n\n').at(-1)).toMatch(/^Examples:\n/);
    expect(top.examples.length).toBeGreaterThanOrEqual(2);
    expect(top.examples.length).toBeLessThanOrEqual(3);
    for (const line of top.examples) expect(line).toMatch(/^crossgo /);
  });

  for (const name of names) {
    describe(name, () => {
      it('--help ends with an Examples block of two or three real commands', async () => {
        const { text, examples } = await help([name]);
        expect(text.trimEnd().split('\n\n').at(-1), `crossgo ${name} --help`).toMatch(/^Examples:\n/);
        expect(examples.length).toBeGreaterThanOrEqual(2);
        expect(examples.length).toBeLessThanOrEqual(3);
        for (const line of examples) expect(line).toMatch(new RegExp(`^crossgo ${name}( |$)`));
      });

      it('spells the output folder, the config and the targets one way', async () => {
        const { options } = await help([name]);
        const has = (flags: string) => options.some((o) => o.startsWith(flags));
        expect(has('-o, --out <dir>'), '-o, --out <dir>').toBe(OUT.includes(name));
        expect(has('--config <file>'), '--config <file>').toBe(CONFIG.includes(name));
        expect(has('-t, --targets <list>'), '-t, --targets <list>').toBe(TARGETS.includes(name));
        // The old spellings of the same ideas are gone from the interface.
        for (const old of ['--output', '--dist', '--out-dir', '--target ']) {
          expect(
            options.some((o) => o.includes(old)),
            old,
          ).toBe(false);
        }
      });

      it('shows defaults through the parser, never in prose', async () => {
        const { options } = await help([name]);
        for (const option of options) {
          // Commander puts "(default: …)" last; a "default" anywhere else was typed by hand.
          const prose = option.replace(/ \(default: [^()]*(\([^()]*\)[^()]*)*\)$/, '');
          expect(prose, option).not.toMatch(/\bdefault\b/i);
        }
      });
    });
  }
});

describe('a default shown in --help never outranks the config', () => {
  it('doctor --config reads that file, and its targets win over the default -t shows', async () => {
    const { dir } = await fixtureRepo('greet');
    await writeFile(path.join(dir, 'ci.yaml'), 'targets: [linux/riscv64, freebsd/arm64]\n');
    await writeFile(path.join(dir, 'crossgo.yaml'), 'targets: [linux/386]\n');
    const chosen = async (args: string[]) => {
      const result = await crossgo(['doctor', '--json', ...args], { cwd: dir, env: testEnv() });
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as { targets: { target: string }[] }).targets.map((t) => t.target);
    };
    expect(await chosen(['--config', 'ci.yaml'])).toEqual(['linux/riscv64', 'freebsd/arm64']);
    expect(await chosen([])).toEqual(['linux/386']);
    expect(await chosen(['--config', 'ci.yaml', '-t', 'linux/arm'])).toEqual(['linux/arm']);
    const missing = await crossgo(['doctor', '--config', 'nope.yaml'], { cwd: dir, env: testEnv() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^crossgo: --config \S+\/nope\.yaml: no such file /);
  });
});
