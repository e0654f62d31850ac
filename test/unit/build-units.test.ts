import { describe, expect, it } from 'vitest';
import type { CrossgoConfig } from '../../src/config/types.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { mergeFlags } from '../../src/stages/build/flags.js';
import { planUnitSpecs, selectUnits, type UnitSpec } from '../../src/stages/build/plan/units.js';

const FILE = 'crossgo.yaml';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

/** A build's own flags before the command line and overrides: its base sets merged. */
const baseOf = (spec: UnitSpec) => mergeFlags(spec.base.map((s) => s.flags));

describe('planUnitSpecs: the builds of a config', () => {
  it('is one build of main (default ".") without a builds list, with the top level as its own', () => {
    const [one, ...rest] = planUnitSpecs(
      { main: './cmd/x', binary: 'x', flags: ['-v'], ldflags: '-s' },
      FILE,
      undefined,
      undefined,
    );
    expect(rest).toEqual([]);
    expect(one).toMatchObject({ key: '', main: './cmd/x', binary: 'x', goFlags: ['-v'], ownStamps: true });
    expect(one?.hooks.pre.source).toEqual({ file: FILE, key: 'hooks.pre' });
    expect(planUnitSpecs({}, FILE, undefined, undefined)[0]).toMatchObject({ main: '.', ownStamps: false });
  });

  it('takes top-level flags as defaults: a key a build gives replaces it, env merges by variable', () => {
    const cfg: CrossgoConfig = {
      tags: ['top'],
      ldflags: ['-X main.top=1'],
      env: { A: 'top', B: 'top' },
      cgo: 'on',
      builds: [
        { main: './cmd/a', tags: ['own'], env: { B: 'own' } },
        { main: './cmd/b', ldflags: [], cgo: 'off' },
      ],
    };
    const [a, b] = planUnitSpecs(cfg, FILE, undefined, undefined) as [UnitSpec, UnitSpec];
    expect(baseOf(a)).toMatchObject({
      tags: ['own'],
      ldflags: ['-X main.top=1'],
      env: { A: 'top', B: 'own' },
      cgo: 'on',
    });
    expect(baseOf(b)).toMatchObject({ tags: ['top'], ldflags: [], cgo: 'off' });
    // Config ldflags anywhere (even an empty list) replace the default stamps.
    expect([a.ownStamps, b.ownStamps]).toEqual([true, true]);
    expect(a.base.map((s) => s.source.key)).toEqual(['', 'builds[0]']);
    expect(b.overrides.map((o) => o.source.key)).toEqual(['overrides', 'builds[1].overrides']);
  });

  it('leaves out skipped builds, and a command-line package replaces the list with one build', () => {
    const cfg: CrossgoConfig = {
      builds: [
        { main: './cmd/a', skip: true },
        { main: './cmd/b', binary: 'bee' },
      ],
    };
    expect(planUnitSpecs(cfg, FILE, undefined, undefined).map((u) => u.main)).toEqual(['./cmd/b']);
    const [one] = planUnitSpecs(cfg, FILE, './cmd/c', undefined);
    expect(one).toMatchObject({ main: './cmd/c', binary: undefined, key: '' });
    expect(
      thrown(() => planUnitSpecs({ builds: [{ skip: true }] }, FILE, undefined, undefined)).message,
    ).toBe('crossgo.yaml: builds: every build is skipped (skip: true): nothing to build');
  });

  it.each(['main', 'binary', 'flags', 'hooks'] as const)(
    'refuses a top-level %s beside a builds list',
    (key) => {
      const value = key === 'flags' ? ['-v'] : key === 'hooks' ? { pre: ['true'] } : 'x';
      const error = thrown(() =>
        planUnitSpecs({ [key]: value, builds: [{}] } as CrossgoConfig, FILE, undefined, undefined),
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(
        `crossgo.yaml: ${key}: is a build's key, and the config has a builds list: move it into each build`,
      );
    },
  );

  it("checks each build's flags under its key path", () => {
    const error = thrown(() =>
      planUnitSpecs({ builds: [{}, { flags: ['-v', '-o=x'] }] }, FILE, undefined, undefined),
    );
    expect(error.message).toMatch(/^crossgo\.yaml: builds\[1\]\.flags\[1\]: "-o=x": crossgo sets -o itself/);
  });
});

describe('selectUnits: ids and --build', () => {
  const units = (ids: (string | undefined)[], names: string[]) =>
    planUnitSpecs(
      { builds: ids.map((id, i) => ({ ...(id ? { id } : {}), main: `./cmd/${names[i]}` })) },
      FILE,
      undefined,
      undefined,
    ).map((spec, i) => ({ spec, id: spec.id ?? (names[i] as string) }));

  it('refuses a repeated id naming the second build, whether given or the binary name', () => {
    expect(thrown(() => selectUnits(units(['a', 'a'], ['x', 'y']), FILE, undefined)).message).toBe(
      `crossgo.yaml: builds[1].id: the id "a" is also builds[0]'s: give each build its own id (ids default to the binary's name)`,
    );
    expect(
      thrown(() => selectUnits(units([undefined, undefined], ['x', 'x']), FILE, undefined)).message,
    ).toMatch(/^crossgo\.yaml: builds\[1\]\.binary: the id "x" is also builds\[0\]'s/);
  });

  it('keeps the builds --build names, in config order; an unknown id names the nearest', () => {
    const list = units(['cli', 'server', 'tools'], ['a', 'b', 'c']);
    expect(selectUnits(list, FILE, ['tools', 'cli']).map((u) => u.id)).toEqual(['cli', 'tools']);
    expect(selectUnits(list, FILE, undefined).map((u) => u.id)).toEqual(['cli', 'server', 'tools']);
    const error = thrown(() => selectUnits(list, FILE, ['sever']));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      '--build sever: no build has that id, did you mean server? (builds: cli, server, tools)',
    );
  });
});
