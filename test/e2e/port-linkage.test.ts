import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src/stages/verify/verifyFile.js';
import { linkageFor } from '../../src/targets/linkage.js';
import { type Port, parseDistList } from '../../src/targets/ports.js';
import { cleanupTemps, crossgo, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { type CorpusSpec, corpusBinary } from '../helpers/corpus.js';

/**
 * src/targets/linkage.ts checked against executables the installed go links, every port that
 * links without cgo, read by tools that are not crossgo: readelf (PT_INTERP, DT_NEEDED),
 * llvm-readobj --coff-imports (PE), llvm-objdump --macho (LC_LOAD_DYLINKER, the dylibs) and
 * Go's own XCOFF reader (src/internal/xcoff, copied out of GOROOT: llvm-readobj 14 prints no
 * XCOFF loader imports). Two programs: greet (fmt and os) and syslibs, which reaches every part
 * of the standard library that imports a system library, so that on the ports that link libraries
 * it must link exactly the ones the data allows, and on the others still none.
 */

const execFileAsync = promisify(execFile);

interface Linked {
  interpreter: string | null;
  libraries: string[];
}

interface Built {
  port: Port;
  fixture: 'greet' | 'syslibs';
  file: string;
  linked: Linked | null;
}

/** Ports whose linkage the syslibs program proves (every library-linking port, one of each other kind). */
const SYSLIBS = new Set([
  'aix',
  'darwin',
  'openbsd',
  'solaris',
  'illumos',
  'windows',
  'android',
  'linux/amd64',
  'freebsd/amd64',
  'netbsd/amd64',
  'dragonfly/amd64',
]);

let ports: Port[];
const built: Built[] = [];
let xcoffOracle: string;

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

async function tool(command: string, args: string[]): Promise<string> {
  const result = await runTool(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/**
 * Go's XCOFF reader as a command that prints a file's imported libraries (ImportedLibraries:
 * the loader section's import IDs). internal/xcoff cannot be imported from outside GOROOT, so
 * its two files (and internal/saferio, which it uses) are copied into a module of their own.
 */
async function buildXcoffOracle(): Promise<string> {
  const goroot = (await execFileAsync('go', ['env', 'GOROOT'])).stdout.trim();
  const dir = await tempDir('crossgo-xcoff-oracle-');
  await mkdir(path.join(dir, 'xcoff'));
  await mkdir(path.join(dir, 'saferio'));
  for (const name of ['file.go', 'xcoff.go']) {
    const source = await readFile(path.join(goroot, 'src/internal/xcoff', name), 'utf8');
    await writeFile(path.join(dir, 'xcoff', name), source.replace('"internal/saferio"', '"oracle/saferio"'));
  }
  await copyFile(path.join(goroot, 'src/internal/saferio/io.go'), path.join(dir, 'saferio/io.go'));
  await writeFile(path.join(dir, 'go.mod'), 'module oracle\n\ngo 1.22\n');
  await writeFile(
    path.join(dir, 'main.go'),
    `package main

import (
	"fmt"
	"os"

	"oracle/xcoff"
)

func main() {
	f, err := xcoff.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, l := range libs {
		fmt.Println(l)
	}
}
`,
  );
  const binary = path.join(dir, 'xcoff-imports');
  await execFileAsync('go', ['build', '-o', binary, '.'], {
    cwd: dir,
    env: { ...process.env, GOENV: 'off', GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
  });
  return binary;
}

/** What the independent tools say a file links; null for the formats that link nothing (plan9, wasm). */
async function linkedBy(goos: string, file: string): Promise<Linked | null> {
  if (goos === 'plan9' || goos === 'js' || goos === 'wasip1') return null;
  if (goos === 'windows') {
    const text = await tool('llvm-readobj', ['--coff-imports', file]);
    return {
      interpreter: null,
      libraries: [...text.matchAll(/^\s+Name: (\S+\.dll)$/gim)].map((m) => m[1] as string),
    };
  }
  if (goos === 'darwin' || goos === 'ios') {
    const headers = await tool('llvm-objdump', ['--macho', '--private-headers', file]);
    const dylinker =
      /cmd LC_LOAD_DYLINKER\n\s+cmdsize \d+\n\s+name (\S+) \(offset \d+\)/.exec(headers)?.[1] ?? null;
    const dylibs = await tool('llvm-objdump', ['--macho', '--dylibs-used', file]);
    return {
      interpreter: dylinker,
      libraries: dylibs
        .split('\n')
        .slice(1)
        .map((l) => /^\s+(\S+) \(compatibility version/.exec(l)?.[1])
        .filter((l): l is string => l !== undefined),
    };
  }
  if (goos === 'aix') {
    // Go's own spelling, "libc.a/shr_64.o"; AIX's tools (and the data) write "libc.a(shr_64.o)".
    const text = await tool(xcoffOracle, [file]);
    return {
      interpreter: null,
      libraries: text
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/^(.*\.a)\/(.*\.o)$/, '$1($2)')),
    };
  }
  const text = await tool('readelf', ['-W', '-l', '-d', file]);
  return {
    interpreter: /\[Requesting program interpreter: (.*)\]/.exec(text)?.[1] ?? null,
    libraries: [...text.matchAll(/\(NEEDED\)\s+Shared library: \[(.*)\]/g)].map((m) => m[1] as string),
  };
}

beforeAll(async () => {
  const started = Date.now();
  ports = parseDistList(
    (
      await execFileAsync('go', ['tool', 'dist', 'list', '-json', '-broken'], {
        env: { ...process.env, GOENV: 'off' },
      })
    ).stdout,
  ).filter((p) => !p.broken && linkageFor(p.goos, p.goarch).externalLinking === null);
  xcoffOracle = await buildXcoffOracle();
  const jobs = ports.flatMap((port) => {
    const id = `${port.goos}/${port.goarch}`;
    const fixtures: Built['fixture'][] =
      SYSLIBS.has(port.goos) || SYSLIBS.has(id) ? ['greet', 'syslibs'] : ['greet'];
    return fixtures.map((fixture) => ({ port, fixture }));
  });
  // crossgo's defaults (-trimpath -s -w), except for AIX: Go's XCOFF reader needs a symbol table.
  const files = await mapLimit(jobs, 2, ({ port, fixture }) => {
    const spec: CorpusSpec = { goos: port.goos, goarch: port.goarch, fixture, strip: port.goos !== 'aix' };
    return corpusBinary(spec);
  });
  const linked = await mapLimit(
    jobs.map((job, i) => ({ ...job, file: files[i] as string })),
    4,
    async (job) => ({ ...job, linked: await linkedBy(job.port.goos, job.file) }),
  );
  built.push(...linked);
  console.log(
    `port-linkage: ${jobs.length} executables for ${ports.length} ports in ${Date.now() - started} ms`,
  );
}, 1_800_000);

afterAll(cleanupTemps);

describe('what each port links, read by independent tools', () => {
  it('covers every port the toolchain links without cgo (42 with go1.26)', () => {
    expect(ports.length).toBeGreaterThanOrEqual(42);
    for (const p of ports) expect(built.some((b) => b.port === p && b.fixture === 'greet')).toBe(true);
  });

  it('names exactly the interpreter the data says, or none', () => {
    for (const b of built) {
      if (!b.linked) continue;
      const id = `${b.port.goos}/${b.port.goarch} (${b.fixture})`;
      expect(b.linked.interpreter, id).toBe(linkageFor(b.port.goos, b.port.goarch).interpreter);
    }
  });

  it('links only libraries the data allows; syslibs links every one of them', () => {
    for (const b of built) {
      if (!b.linked) continue;
      const id = `${b.port.goos}/${b.port.goarch} (${b.fixture})`;
      const allowed = [...linkageFor(b.port.goos, b.port.goarch).libraries].sort();
      const linked = b.linked.libraries.map((l) => (b.port.goos === 'windows' ? l.toLowerCase() : l)).sort();
      if (b.fixture === 'syslibs') expect(linked, id).toEqual(allowed);
      else for (const library of linked) expect(allowed, id).toContain(library);
    }
  });

  it('plan9 and wasm executables link nothing: the data allows nothing', () => {
    for (const b of built.filter((x) => x.linked === null)) {
      expect(linkageFor(b.port.goos, b.port.goarch)).toMatchObject({ interpreter: null, libraries: [] });
    }
  });

  it("crossgo verify's static check passes every one of them", async () => {
    const byFile = new Map(built.map((b) => [b.file, b]));
    const reports: VerifyReport[] = [];
    // One verify per port (the expectation names it); the files of a port share it.
    for (const port of ports) {
      const files = built.filter((b) => b.port === port).map((b) => b.file);
      const result = await crossgo(
        ['verify', '--json', '--expect', `${port.goos}/${port.goarch}`, ...files],
        {
          env: testEnv(),
        },
      );
      reports.push(...(JSON.parse(result.stdout) as VerifyReport[]));
    }
    expect(reports).toHaveLength(built.length);
    for (const report of reports) {
      const b = byFile.get(report.file) as Built;
      const id = `${b.port.goos}/${b.port.goarch} (${b.fixture})`;
      const readable = report.checks.find((c) => c.name === 'readable');
      expect(readable, `${id}: ${readable?.detail}`).toBeUndefined();
      expect(
        report.checks.find((c) => c.name === 'static'),
        id,
      ).toMatchObject({ status: 'pass' });
    }
  });
});
