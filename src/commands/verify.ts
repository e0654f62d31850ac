import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { runPool } from '../exec/pool.js';
import { confine, relativePathProblem } from '../fs/confine.js';
import { readManifest } from '../pipeline/readManifest.js';
import type { Expectation } from '../stages/verify/checks.js';
import {
  expectationFromManifest,
  leakNeedles,
  parseExpectedTarget,
  parseSize,
} from '../stages/verify/expect.js';
import { type VerifyReport, verifyFile, verifyReleaseFile } from '../stages/verify/verifyFile.js';
import { findGo } from '../toolchain/go.js';

export interface VerifyOptions {
  /** Files to verify; with a manifest, a subset of its artifacts (default: all of them). */
  files?: readonly string[];
  /** A crossgo manifest: each artifact is checked against what it records. */
  manifest?: string;
  /** The output folder whose manifest.json to read (files, if named, are among its artifacts); default dist when no file is named. */
  out?: string;
  /** goos/goarch[/variant] every file must be. */
  expect?: string;
  stripped?: boolean;
  /** Require a static binary (no interpreter, no libraries beyond the platform's), cgo or not. */
  static?: boolean;
  minGo?: string;
  /** A size limit: bytes, or "20MB", "15MiB". */
  maxSize?: number | string;
  cwd?: string;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export type { VerifyReport };

const DEFAULT_MANIFEST = path.join('dist', 'manifest.json');

/**
 * How many files verify reads at once: enough to keep the disk and the cores busy, few enough
 * that 20,000 artifacts hold 16 descriptors and 16 one-MiB buffers, not 20,000 of each.
 */
export function verifyWidth(cores = os.availableParallelism()): number {
  return Math.max(2, Math.min(16, 2 * cores));
}

/** Checks artifacts against what they claim to be; a report per file, `ok` false when any check failed. */
export async function verify(options: VerifyOptions): Promise<VerifyReport[]> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const files = options.files ?? [];
  const signal = options.signal;
  // An output folder named means its manifest (files then pick among its artifacts); else
  // dist/manifest.json when no file is named and it exists.
  const manifestPath =
    options.manifest ??
    (options.out !== undefined
      ? path.join(options.out, 'manifest.json')
      : files.length === 0 && existsSync(path.join(cwd, DEFAULT_MANIFEST))
        ? DEFAULT_MANIFEST
        : undefined);
  if (!manifestPath && files.length === 0) {
    throw new UsageError(
      'nothing to verify: name files, or --manifest dist/manifest.json (run crossgo build first)',
    );
  }
  const extra: Expectation = {
    stripped: options.stripped,
    static: options.static,
    minGo: options.minGo,
    maxSize: typeof options.maxSize === 'string' ? parseSize(options.maxSize) : options.maxSize,
  };
  const target = options.expect ? parseExpectedTarget(options.expect) : undefined;
  // The manifest first: a bad one is reported before go is asked anything. readManifest opens
  // it without blocking (a FIFO is refused).
  const manifestFile = manifestPath ? path.resolve(cwd, manifestPath) : '';
  const manifest = manifestPath ? await readManifest(manifestFile, manifestPath) : null;
  if (manifestPath && !manifest)
    throw new UsageError(`${manifestPath}: no such file: run crossgo build first`);
  if (manifest?.artifacts.length === 0)
    throw new UsageError(
      `${manifestPath} lists no artifacts: nothing to verify (its build made none; see its failures)`,
    );
  const needles = await buildPathNeedles(cwd, options.environment ?? process.env, signal);

  if (!manifest) {
    return inPool(files, (f) =>
      verifyFile(path.resolve(cwd, f), f, { ...extra, target }, needles, { signal }),
    );
  }
  const root = path.dirname(manifestFile);
  const shownRoot = path.relative(cwd, root) || '.';
  const what = `artifact path in ${manifestPath}`;
  const wanted = new Set(files.map((f) => path.resolve(cwd, f)));
  // Only to match names: each path is confined to the manifest's folder when it is read.
  const located = (rel: unknown) => path.join(root, typeof rel === 'string' ? rel : '');
  const chosen = manifest.artifacts.filter((a) => wanted.size === 0 || wanted.has(located(a.path)));
  for (const f of wanted) {
    if (!chosen.some((a) => located(a.path) === f)) {
      throw new UsageError(`${path.relative(cwd, f)} is not an artifact of ${manifestPath}`);
    }
  }
  // A binary against everything its record says; another file (archive, checksums, signature,
  // SBOM, universal binary) for being there with the recorded bytes.
  return inPool(chosen, async (a) => {
    const shown = shownPath(shownRoot, a.path);
    if (a.kind !== 'binary') {
      const file = await confined(
        root,
        a.path,
        { what: `release file in ${manifestPath}`, shownRoot },
        shown,
      );
      if (typeof file !== 'string') return { ...file, target: a.target ?? null };
      return verifyReleaseFile(file, shown, a, { follow: false, signal });
    }
    const base = expectationFromManifest(manifest, a);
    const expect = {
      ...base,
      ...definedOnly(extra),
      stripped: extra.stripped ?? base.stripped,
      static: extra.static ?? base.static,
      target: target ?? base.target,
      sha256: a.sha256 ?? null,
    };
    const file = await confined(root, a.path, { what, shownRoot }, shown, expect.target);
    if (typeof file !== 'string') return file;
    return verifyFile(file, shown, expect, needles, { follow: false, signal });
  });

  /** Runs `task` over items, verifyWidth() at a time, in order; the signal ends the run. */
  async function inPool<I>(items: readonly I[], task: (item: I) => Promise<VerifyReport>) {
    const outcomes = await runPool(items, verifyWidth(), task, signal);
    if (signal?.aborted) throw signal.reason;
    return outcomes.map((o) => {
      if (!o.ok) throw o.error;
      return o.value;
    });
  }
}

/** `rel` inside `root`, checked now (relative, no "..", no symbolic link on the way), or a failed report. */
async function confined(
  root: string,
  rel: unknown,
  options: { what: string; shownRoot: string },
  shown: string,
  target?: { goos: string; goarch: string; variant: string | null },
): Promise<string | VerifyReport> {
  try {
    return await confine(root, rel, { ...options, leaf: 'any' });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return {
      file: shown,
      target: target ? [target.goos, target.goarch, target.variant].filter(Boolean).join('/') : null,
      ok: false,
      checks: [{ name: 'path', status: 'fail', detail: error.message }],
    };
  }
}

/**
 * A manifest path as the user sees it from cwd; a hostile one quoted as it is written (not
 * normalised, and no control character reaches the terminal).
 */
function shownPath(shownRoot: string, rel: unknown): string {
  if (relativePathProblem(rel)) return `${shownRoot}/${JSON.stringify(rel) ?? String(rel)}`;
  return path.join(shownRoot, rel as string);
}

function definedOnly(e: Expectation): Expectation {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as Expectation;
}

/** The build paths to look for: from go env when go is here, else just $HOME. */
async function buildPathNeedles(cwd: string, env: NodeJS.ProcessEnv, signal?: AbortSignal) {
  try {
    const go = await findGo({ cwd, env, signal });
    const gomod = go.env.GOMOD;
    const moduleDir = gomod && gomod !== '/dev/null' ? path.dirname(gomod) : undefined;
    return leakNeedles({
      moduleDir,
      gopath: go.env.GOPATH,
      goroot: go.env.GOROOT,
      gomodcache: go.env.GOMODCACHE,
    });
  } catch {
    return leakNeedles({});
  }
}
