import { ConfigError } from '../../errors.js';
import { nearest } from '../../targets/suggest.js';

/*
 * The config's `flags` (GoReleaser's builds[].flags): further go build flags, each checked here.
 * Only flags that leave crossgo's job to crossgo are taken: the output path, the linker and
 * compiler flags, build tags and -trimpath have keys of their own (so that the record, the
 * inputs digest and repro read them in one place), and -C, -toolexec and -exec would run the
 * build somewhere else or through another program.
 */

/** Flags that take no value (a value, -race=true, is allowed as go allows it). */
const BOOLEAN = ['a', 'asan', 'cover', 'linkshared', 'modcacherw', 'msan', 'race', 'v', 'work', 'x'];
/** Flags that take a value, written -name=value. */
const VALUED = [
  'asmflags',
  'buildmode',
  'buildvcs',
  'covermode',
  'coverpkg',
  'mod',
  'modfile',
  'overlay',
  'pgo',
];

/** Flags crossgo sets itself, or that would hand the build to another program: what to use instead. */
const REFUSED: Record<string, string> = {
  o: 'crossgo names each output: use the `template` key (or --template)',
  ldflags: 'use the `ldflags` key',
  tags: 'use the `tags` key',
  gcflags: 'use the `gcflags` key',
  trimpath: 'use `trimpath: true` (the default)',
  C: 'use `main` (a package path) or run crossgo -C',
  toolexec: 'crossgo does not run go build through another program',
  exec: 'crossgo does not run go build through another program',
};

/** Checks a build's `flags`, one word each; throws ConfigError naming the word's key path and the fix. */
export function checkGoFlags(words: readonly string[] | undefined, file: string, key: string): string[] {
  const checked: string[] = [];
  for (const [i, word] of (words ?? []).entries()) {
    const at = `${key}[${i}]`;
    const fail = (problem: string): never => {
      throw new ConfigError(file, at, `${JSON.stringify(word)}: ${problem}`);
    };
    const m = /^-([A-Za-z][A-Za-z0-9]*)(=(.*))?$/s.exec(word);
    if (!m) fail('expected a go build flag such as -v, -race or -mod=readonly (one flag per item)');
    const name = m?.[1] as string;
    const hasValue = m?.[2] !== undefined;
    const refusal = REFUSED[name];
    if (refusal) fail(`crossgo sets -${name} itself: ${refusal}`);
    if (BOOLEAN.includes(name)) {
      if (hasValue && !/^(true|false)$/.test(m?.[3] ?? '')) fail(`-${name} takes no value (or true/false)`);
    } else if (VALUED.includes(name)) {
      if (!hasValue || m?.[3] === '') fail(`-${name} takes a value: write it as one item, -${name}=VALUE`);
    } else {
      const known = [...BOOLEAN, ...VALUED];
      const guess = nearest(name, known);
      fail(
        `not a go build flag crossgo passes on${guess ? `, did you mean -${guess}?` : ''} (allowed: ${known.map((f) => `-${f}`).join(' ')})`,
      );
    }
    checked.push(word);
  }
  return checked;
}
