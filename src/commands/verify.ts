import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { readManifest } from '../pipeline/manifest.js';
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

/** Checks artifacts against what they claim to be; a report per file, `ok` false when any check failed. */
export async function verify(options: VerifyOptions): Promise<VerifyReport[]> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const files = options.files ?? [];
  const manifestPath =
    options.manifest ??
    (files.length === 0 && existsSync(path.join(cwd, DEFAULT_MANIFEST)) ? DEFAULT_MANIFEST : undefined);
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
  // The manifest first: a bad one is reported before go is asked anything.
  const manifestFile = manifestPath ? path.resolve(cwd, manifestPath) : '';
  const manifest = manifestPath ? await readManifest(manifestFile, manifestPath) : null;
  if (manifestPath && !manifest)
    throw new UsageError(`--manifest ${manifestPath}: no such file: run crossgo build first`);
  if (manifest?.artifacts.length === 0)
    throw new UsageError(
      `${manifestPath} lists no artifacts: nothing to verify (its build made none; see its failures)`,
    );
  const needles = await buildPathNeedles(cwd, options.environment ?? process.env, options.signal);

  if (!manifest) {
    return Promise.all(files.map((f) => verifyFile(path.resolve(cwd, f), f, { ...extra, target }, needles)));
  }
  const root = path.dirname(manifestFile);
  const wanted = new Set(files.map((f) => path.resolve(cwd, f)));
  const artifacts = manifest.artifacts.filter(
    (a) => wanted.size === 0 || wanted.has(path.join(root, a.path)),
  );
  for (const f of wanted) {
    if (!artifacts.some((a) => path.join(root, a.path) === f)) {
      throw new UsageError(`${path.relative(cwd, f)} is not an artifact of ${manifestPath}`);
    }
  }
  const releaseFiles = wanted.size === 0 ? (manifest.release?.files ?? []) : [];
  const binaries = await Promise.all(
    artifacts.map((a) => {
      const base = expectationFromManifest(manifest, a);
      const expect = {
        ...base,
        ...definedOnly(extra),
        stripped: extra.stripped ?? base.stripped,
        static: extra.static ?? base.static,
        target: target ?? base.target,
        sha256: a.sha256,
      };
      return verifyFile(
        path.join(root, a.path),
        path.relative(cwd, path.join(root, a.path)),
        expect,
        needles,
      );
    }),
  );
  const release = await Promise.all(
    releaseFiles.map((f) =>
      verifyReleaseFile(path.join(root, f.path), path.relative(cwd, path.join(root, f.path)), f),
    ),
  );
  return [...binaries, ...release];
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
