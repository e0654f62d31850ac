import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { elfFacts } from '../../src/binary/elf/facts.js';
import { FileSource } from '../../src/binary/fileSource.js';
import { checkFacts } from '../../src/stages/verify/checks.js';
import { externalLinkingReason, linkageFor, unexpectedLinks } from '../../src/targets/linkage.js';
import { type Port, parseDistList } from '../../src/targets/ports.js';
import { FIXTURES } from '../helpers/cli.js';
import { corpusBinary } from '../helpers/corpus.js';

/**
 * src/targets/linkage.ts against the installed toolchain, without linking anything: the
 * libraries the standard library asks for per port (its cgo_import_dynamic pragmas, in the
 * files go list selects for that port), and the ports cmd/go refuses to link without cgo.
 * test/e2e/port-linkage.test.ts checks the same data on built executables.
 */

const execFileAsync = promisify(execFile);
let ports: Port[];

async function go(args: string[], env: Record<string, string>, cwd?: string): Promise<string> {
  const { stdout } = await execFileAsync('go', args, {
    cwd,
    env: { ...process.env, GOENV: 'off', GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0', ...env },
    maxBuffer: 64 << 20,
  });
  return stdout;
}

/** Runs fn over items, `limit` at a time, in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

const PRAGMA = /^\/\/go:cgo_import_dynamic \S+ \S+ "([^"]+)"/gm;

/** The libraries named by cgo_import_dynamic pragmas in the standard library's files for a port. */
async function stdPragmaLibraries(goos: string, goarch: string): Promise<string[]> {
  const list = await go(
    ['list', '-deps', '-f', '{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\\n"}}{{end}}', 'std'],
    { GOOS: goos, GOARCH: goarch },
  );
  const { readFile } = await import('node:fs/promises');
  const found = new Set<string>();
  for (const file of list.split('\n').filter(Boolean)) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(PRAGMA)) found.add(m[1] as string);
  }
  return [...found].sort();
}

/** What cmd/go says when it loads a main package for a port without cgo: its error, or ''. */
async function loadError(goos: string, goarch: string): Promise<string> {
  return (
    await go(
      ['list', '-e', '-f', '{{with .Error}}{{.Err}}{{end}}', '.'],
      { GOOS: goos, GOARCH: goarch },
      path.join(FIXTURES, 'greet'),
    )
  ).trim();
}

/** Go's pragma spelling of an AIX member ("libc.a/shr_64.o") as the data has it ("libc.a(shr_64.o)"). */
const aixSpelling = (name: string) => name.replace(/^(.*\.a)\/(.*\.o)$/, '$1($2)');

const pragmas = new Map<string, string[]>();
const errors = new Map<string, string>();

beforeAll(async () => {
  ports = parseDistList(await go(['tool', 'dist', 'list', '-json', '-broken'], {}));
  await mapLimit(ports, 2, async (p) => {
    const id = `${p.goos}/${p.goarch}`;
    pragmas.set(id, await stdPragmaLibraries(p.goos, p.goarch));
    if (!p.broken) errors.set(id, await loadError(p.goos, p.goarch));
  });
}, 600_000);

describe('the data for every port of go tool dist list', () => {
  it('has an entry with its sources for every port, and names each library once', () => {
    expect(ports.length).toBeGreaterThanOrEqual(47);
    for (const p of ports) {
      const linkage = linkageFor(p.goos, p.goarch);
      expect(linkage.sources.length, `${p.goos}/${p.goarch}`).toBeGreaterThan(0);
      for (const source of linkage.sources) expect(source).toMatch(/^src\/[\w./{},-]+/);
      expect(new Set(linkage.libraries).size).toBe(linkage.libraries.length);
    }
  });

  it("allows exactly the libraries the standard library's cgo_import_dynamic pragmas name for the port", () => {
    for (const p of ports) {
      const id = `${p.goos}/${p.goarch}`;
      const fromGo = (pragmas.get(id) ?? []).map(aixSpelling).sort();
      expect([...linkageFor(p.goos, p.goarch).libraries].sort(), id).toEqual(fromGo);
    }
  });

  it('names an interpreter exactly where Go makes system calls through libc, and on Android', () => {
    for (const p of ports) {
      const linkage = linkageFor(p.goos, p.goarch);
      // The ELF ports with libraries name their loader; AIX (the kernel loads XCOFF), Windows
      // (no interpreter in PE) and the ports without libraries name none, except Android's PIE.
      const elfWithLibraries =
        linkage.libraries.length > 0 && ['openbsd', 'solaris', 'illumos'].includes(p.goos);
      const macho = p.goos === 'darwin' || p.goos === 'ios';
      expect(linkage.interpreter !== null, `${p.goos}/${p.goarch}`).toBe(
        elfWithLibraries || macho || p.goos === 'android',
      );
    }
  });

  it('says which ports go cannot link without cgo, as cmd/go does', () => {
    const external: string[] = [];
    for (const p of ports.filter((q) => !q.broken)) {
      const id = `${p.goos}/${p.goarch}`;
      const said = errors.get(id) ?? '';
      const reason = externalLinkingReason(p.goos, p.goarch);
      expect(said.includes('requires external (cgo) linking'), `${id}: go says "${said}"`).toBe(
        reason !== null,
      );
      if (reason) {
        // go's own words, before its ", but cgo is not enabled".
        expect(said).toContain(reason);
        expect(linkageFor(p.goos, p.goarch).externalLinking).toBe(reason);
        external.push(id);
      }
    }
    // With go1.26: 42 of the 47 ports that are not broken link without cgo.
    expect(external.sort()).toEqual([
      'android/386',
      'android/amd64',
      'android/arm',
      'ios/amd64',
      'ios/arm64',
    ]);
  });
});

describe('unexpectedLinks', () => {
  it('passes what the platform requires and names anything more', () => {
    const openbsd = linkageFor('openbsd', 'amd64');
    expect(unexpectedLinks(openbsd, '/usr/libexec/ld.so', ['libc.so', 'libpthread.so'])).toBeNull();
    expect(unexpectedLinks(openbsd, '/usr/libexec/ld.so', ['libc.so', 'libz.so'])).toEqual({
      interpreter: null,
      libraries: ['libz.so'],
    });
    expect(unexpectedLinks(linkageFor('linux', 'amd64'), '/lib64/ld-linux-x86-64.so.2', [])).toEqual({
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      libraries: [],
    });
  });

  it("reads PE names case-blind and AIX's two spellings of a member as one", () => {
    expect(unexpectedLinks(linkageFor('windows', 'amd64'), null, ['KERNEL32.dll'])).toBeNull();
    expect(unexpectedLinks(linkageFor('windows', 'amd64'), null, ['msvcrt.dll'])?.libraries).toEqual([
      'msvcrt.dll',
    ]);
    expect(
      unexpectedLinks(linkageFor('aix', 'ppc64'), null, ['libc.a/shr_64.o', 'libpthread.a(shr_xpg5_64.o)']),
    ).toBeNull();
  });
});

describe('the static check on real binaries', () => {
  const staticCheck = async (spec: Parameters<typeof corpusBinary>[0]) => {
    const file = await corpusBinary(spec);
    const src = FileSource.open(file);
    try {
      const facts = elfFacts(src);
      return checkFacts(facts, src.size, {
        target: { goos: spec.goos, goarch: spec.goarch, variant: null },
        cgo: false,
      }).find((c) => c.name === 'static');
    } finally {
      src.close();
    }
  };

  it('passes OpenBSD, Solaris and Android binaries that link what their platform requires', async () => {
    expect(await staticCheck({ goos: 'openbsd', goarch: 'arm64', strip: true })).toEqual({
      name: 'static',
      status: 'pass',
      detail:
        'interpreter /usr/libexec/ld.so, libraries: libc.so, libpthread.so (only what openbsd/arm64 requires)',
    });
    expect((await staticCheck({ goos: 'solaris', goarch: 'amd64', strip: true }))?.status).toBe('pass');
    expect(await staticCheck({ goos: 'android', goarch: 'arm64', strip: true })).toMatchObject({
      status: 'pass',
      detail: 'interpreter /system/bin/linker64, no dynamic libraries (only what android/arm64 requires)',
    });
    expect(await staticCheck({ goos: 'freebsd', goarch: 'arm64', strip: true })).toMatchObject({
      status: 'pass',
      detail: 'no dynamic libraries',
    });
  });

  it('fails a pure-Go binary that links one library more, naming only that one', async () => {
    expect(
      await staticCheck({ goos: 'openbsd', goarch: 'amd64', strip: true, fixture: 'dynimport' }),
    ).toEqual({
      name: 'static',
      status: 'fail',
      detail:
        'CGO_ENABLED=0 but it links library libz.so, beyond what openbsd/amd64 requires (interpreter /usr/libexec/ld.so, libc.so, libpthread.so)',
    });
    expect(await staticCheck({ goos: 'linux', goarch: 'amd64', strip: true, fixture: 'dynimport' })).toEqual({
      name: 'static',
      status: 'fail',
      detail:
        'CGO_ENABLED=0 but it links interpreter /lib64/ld-linux-x86-64.so.2 and library libz.so, beyond what linux/amd64 requires (no interpreter, no libraries)',
    });
  });
});
