import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { BinaryFacts } from '../../binary/types.js';
import { inspectOne } from '../../commands/inspect.js';
import { type CheckResult, checkFacts, type Expectation } from './checks.js';
import { checkLeaks, type LeakNeedle } from './leaks.js';

export interface VerifyReport {
  file: string;
  target: string | null;
  ok: boolean;
  checks: CheckResult[];
}

/** Reads one artifact with crossgo's readers and runs every check on it. */
export async function verifyFile(
  absolute: string,
  shown: string,
  expect: Expectation & { sha256?: string },
  needles: readonly LeakNeedle[],
): Promise<VerifyReport> {
  const target = expect.target
    ? [expect.target.goos, expect.target.goarch, expect.target.variant].filter(Boolean).join('/')
    : null;
  const outcome = inspectOne(absolute, shown, false);
  if (!outcome.ok) {
    return {
      file: shown,
      target,
      ok: false,
      checks: [{ name: 'readable', status: 'fail', detail: outcome.error.message }],
    };
  }
  const facts = outcome.inspection as unknown as BinaryFacts;
  const checks: CheckResult[] = [];
  if (expect.sha256) checks.push(await checkSha256(absolute, expect.sha256));
  checks.push(...checkFacts(facts, outcome.inspection.size, expect));
  checks.push(await checkLeaks(absolute, needles));
  return { file: shown, target, ok: checks.every((c) => c.status !== 'fail'), checks };
}

/** A release file the manifest lists (archive, checksums, signature, SBOM, universal): there, and the same bytes. */
export async function verifyReleaseFile(
  absolute: string,
  shown: string,
  record: { kind: string; sha256: string; target?: string },
): Promise<VerifyReport> {
  const exists = await stat(absolute).then(
    (s) => s.isFile(),
    () => false,
  );
  const checks: CheckResult[] = exists
    ? [{ name: 'exists', status: 'pass', detail: record.kind }, await checkSha256(absolute, record.sha256)]
    : [
        {
          name: 'exists',
          status: 'fail',
          detail: `the manifest lists this ${record.kind}, but it is missing`,
        },
      ];
  return { file: shown, target: record.target ?? null, ok: checks.every((c) => c.status !== 'fail'), checks };
}

async function checkSha256(file: string, expected: string): Promise<CheckResult> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const got = hash.digest('hex');
  return got === expected
    ? { name: 'sha256', status: 'pass', detail: `${got.slice(0, 12)}… as the manifest says` }
    : {
        name: 'sha256',
        status: 'fail',
        detail: `${got.slice(0, 12)}…, the manifest says ${expected.slice(0, 12)}…`,
      };
}
