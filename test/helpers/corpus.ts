import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FIXTURES } from './cli.js';

const execFileAsync = promisify(execFile);

/** One binary of the reader corpus, built with the real toolchain straight from `go build`. */
export interface CorpusSpec {
  goos: string;
  goarch: string;
  /** Extra environment, e.g. { GOARM: '6' } or { CC: 'x86_64-linux-gnu-gcc' }. */
  env?: Record<string, string>;
  /** Link with -s -w. */
  strip?: boolean;
  /** -buildmode=… (e.g. pie). */
  buildmode?: string;
  /** Extra -ldflags words, e.g. ['-H', 'windowsgui']. */
  ldflags?: string[];
  cgo?: boolean;
  /** The fixture to build (test/fixtures/<name>); default greet. */
  fixture?: string;
}

const CORPUS_DIR = path.join(os.tmpdir(), 'crossgo-corpus');

/**
 * Builds (once per machine and spec: the file is reused while it exists) a real binary for the
 * readers' tests, and returns its path. Written under a temporary name and renamed, so test
 * files building the same spec at once do not see half a file.
 */
export async function corpusBinary(spec: CorpusSpec): Promise<string> {
  const goVersion = (await execFileAsync('go', ['env', 'GOVERSION'])).stdout.trim();
  const key = createHash('sha256')
    .update(JSON.stringify({ goVersion, ...spec }))
    .digest('hex')
    .slice(0, 16);
  const name = `${spec.fixture ?? 'greet'}-${spec.goos}-${spec.goarch}${spec.strip ? '-stripped' : ''}${spec.buildmode ? `-${spec.buildmode}` : ''}${spec.cgo ? '-cgo' : ''}-${key}`;
  const file = path.join(CORPUS_DIR, name);
  if (existsSync(file)) return file;
  await mkdir(CORPUS_DIR, { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  const ldflags = [...(spec.strip ? ['-s', '-w'] : []), ...(spec.ldflags ?? [])];
  const args = ['build', '-trimpath', '-o', temp];
  if (ldflags.length > 0) args.push(`-ldflags=${ldflags.join(' ')}`);
  if (spec.buildmode) args.push(`-buildmode=${spec.buildmode}`);
  args.push('.');
  const env = {
    ...process.env,
    GOENV: 'off',
    GOFLAGS: '-buildvcs=false',
    GOOS: spec.goos,
    GOARCH: spec.goarch,
    CGO_ENABLED: spec.cgo ? '1' : '0',
    ...spec.env,
  };
  try {
    await execFileAsync('go', args, {
      cwd: path.join(FIXTURES, spec.fixture ?? 'greet'),
      env,
      maxBuffer: 16 << 20,
    });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return file;
}
