import { createHash } from 'node:crypto';
import { closeSync, read } from 'node:fs';
import { promisify } from 'node:util';
import { FileSource } from '../../binary/fileSource.js';
import { inspectSource, unreadable } from '../../binary/inspect.js';
import type { BinaryFacts } from '../../binary/types.js';
import { openRegularSync } from '../../fs/open.js';
import { type CheckResult, checkFacts, type Expectation } from './checks.js';
import { type LeakNeedle, LeakScanner } from './leaks.js';

export interface VerifyReport {
  file: string;
  target: string | null;
  ok: boolean;
  checks: CheckResult[];
}

/**
 * What a file is checked against. `sha256`: undefined when nothing recorded one (a file named
 * on the command line); a manifest's value otherwise, which must be a sha256 (null or anything
 * else fails the check: an artifact without a recorded hash proves nothing).
 */
export type FileExpectation = Expectation & { sha256?: unknown };

export interface VerifyFileOptions {
  /** Follow a symbolic link as the last component (a file the user named); false for manifest paths. */
  follow?: boolean;
  /** Stops reading between chunks once aborted (the run ends with the signal's reason). */
  signal?: AbortSignal;
}

const SHA256 = /^[0-9a-f]{64}$/;
const CHUNK = 1 << 20;
const readAt = promisify(read);

/**
 * Reads one artifact with crossgo's readers and runs every check on it. One descriptor serves
 * the readers and the one pass that hashes the file and looks for leaked paths, so the bytes
 * checked are the bytes hashed, and each file in flight holds one descriptor and one buffer.
 */
export async function verifyFile(
  absolute: string,
  shown: string,
  expect: FileExpectation,
  needles: readonly LeakNeedle[],
  options: VerifyFileOptions = {},
): Promise<VerifyReport> {
  const target = expect.target
    ? [expect.target.goos, expect.target.goarch, expect.target.variant].filter(Boolean).join('/')
    : null;
  const failed = (message: string): VerifyReport => ({
    file: shown,
    target,
    ok: false,
    checks: [{ name: 'readable', status: 'fail', detail: message }],
  });
  let fd: number;
  try {
    fd = openRegularSync(absolute, { shown, follow: options.follow }).fd;
  } catch (error) {
    const outcome = unreadable(shown, error);
    return failed(outcome.ok ? '' : outcome.error.message);
  }
  try {
    const source = FileSource.fromDescriptor(fd);
    const outcome = inspectSource(source, shown, false);
    if (!outcome.ok) return failed(outcome.error.message);
    const facts = outcome.inspection as unknown as BinaryFacts;
    const leaks = new LeakScanner(needles);
    const sha256 = await scan(fd, leaks, options.signal);
    const checks: CheckResult[] = [];
    if (expect.sha256 !== undefined) checks.push(sha256Check(sha256, expect.sha256));
    checks.push(...checkFacts(facts, outcome.inspection.size, expect));
    checks.push(leaks.result(expect.buildPaths));
    return { file: shown, target, ok: checks.every((c) => c.status !== 'fail'), checks };
  } finally {
    closeSync(fd);
  }
}

/** The file's sha256, feeding every chunk to the leak scanner on the way. */
async function scan(fd: number, leaks: LeakScanner, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (let position = 0; ; ) {
    if (signal?.aborted) throw signal.reason;
    const { bytesRead } = await readAt(fd, buffer, 0, CHUNK, position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    hash.update(chunk);
    leaks.update(chunk);
    position += bytesRead;
  }
  return hash.digest('hex');
}

/** A release file the manifest lists (archive, checksums, signature, SBOM, universal): there, and the same bytes. */
export async function verifyReleaseFile(
  absolute: string,
  shown: string,
  record: { kind: string; sha256: unknown; target?: string },
  options: VerifyFileOptions = {},
): Promise<VerifyReport> {
  const report = (checks: CheckResult[]): VerifyReport => ({
    file: shown,
    target: record.target ?? null,
    ok: checks.every((c) => c.status !== 'fail'),
    checks,
  });
  let fd: number;
  try {
    fd = openRegularSync(absolute, { shown, follow: options.follow }).fd;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return report([
        {
          name: 'exists',
          status: 'fail',
          detail: `the manifest lists this ${record.kind}, but it is missing`,
        },
      ]);
    }
    const outcome = unreadable(shown, error);
    return report([{ name: 'exists', status: 'fail', detail: outcome.ok ? '' : outcome.error.message }]);
  }
  try {
    const sha256 = await scan(fd, new LeakScanner([]), options.signal);
    return report([
      { name: 'exists', status: 'pass', detail: record.kind },
      sha256Check(sha256, record.sha256),
    ]);
  } finally {
    closeSync(fd);
  }
}

function sha256Check(got: string, expected: unknown): CheckResult {
  if (typeof expected !== 'string' || !SHA256.test(expected)) {
    return {
      name: 'sha256',
      status: 'fail',
      detail: `the manifest records no sha256 for it (${expected === undefined || expected === null ? 'none' : 'not 64 hex digits'}): nothing proves these are the bytes built`,
    };
  }
  return got === expected
    ? { name: 'sha256', status: 'pass', detail: `${got.slice(0, 12)}… as the manifest says` }
    : {
        name: 'sha256',
        status: 'fail',
        detail: `${got.slice(0, 12)}…, the manifest says ${expected.slice(0, 12)}…`,
      };
}
