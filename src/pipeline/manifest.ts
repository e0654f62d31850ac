import type { CgoRecord } from '../cgo/plan.js';
import { CrossgoError, IoError, ManifestError, UsageError } from '../errors.js';
import { readRegular } from '../fs/open.js';
import { findJsonSyntaxError } from './jsonSyntax.js';
import { checkManifest } from './manifestSchema.js';

/**
 * dist/manifest.json: the typed list of what a run produced and how. Every later
 * command (verify, package, repro, report) starts from it, so it records everything
 * a rebuild needs and nothing machine-specific (no absolute paths).
 */
export interface Manifest {
  schemaVersion: 1;
  crossgo: string;
  /** False when the run was interrupted or targets failed: only `artifacts` exist. */
  complete: boolean;
  /** True when every artifact was verified and passed (false with --no-verify). */
  verified: boolean;
  project: {
    module: string;
    /** The package argument as given, relative to the module root when it was a path. */
    package: string;
    importPath: string;
    name: string;
  };
  toolchain: {
    goVersion: string;
    hostOs: string;
    hostArch: string;
    /** go settings that change the output (from the environment or the go env file), empty when unset. */
    goflags: string;
    goexperiment: string;
    /** The release crossgo asked go to switch to (GOTOOLCHAIN, from --go), empty when none. */
    gotoolchain: string;
  };
  source: {
    version: string;
    commit: string;
    date: string;
    dateSource: 'SOURCE_DATE_EPOCH' | 'commit' | 'none';
    dirty: boolean;
  };
  settings: {
    trimpath: boolean;
    strip: boolean;
    outputTemplate: string;
  };
  artifacts: ArtifactRecord[];
  failures: FailureRecord[];
  /** What `crossgo package` made from the artifacts (absent until it runs). */
  release?: ReleaseRecord;
}

/** The kinds of file a release holds besides the binaries (which are `artifacts`, kind binary). */
export type ReleaseFileKind = 'archive' | 'checksums' | 'signature' | 'sbom' | 'universal';

export interface ReleaseFile {
  kind: ReleaseFileKind;
  /** Relative to the output folder, forward slashes. */
  path: string;
  size: number;
  sha256: string;
  /** The target it belongs to (an archive, an SBOM; darwin/universal), if any. */
  target?: string;
  /** The files it is made from, describes or signs, relative to the output folder. */
  of: string[];
}

export interface ReleaseRecord {
  /** The archive mtime (ISO 8601) and where it came from. */
  mtime: string;
  mtimeSource: 'SOURCE_DATE_EPOCH' | 'commit' | 'none';
  checksum: 'sha256' | 'sha512';
  signature: 'gpg' | 'ssh' | null;
  files: ReleaseFile[];
}

export interface ArtifactRecord {
  kind: 'binary';
  target: string;
  goos: string;
  goarch: string;
  variant: string | null;
  /** Relative to the output folder, forward slashes. */
  path: string;
  size: number;
  sha256: string;
  durationMs: number;
  goVersion: string;
  /** The go command as run; the -o operand is the final path relative to the module root. */
  argv: string[];
  /** Every variable crossgo set for this build (the rest is inherited). */
  env: Record<string, string>;
  /** Whether cgo was on, why, and which C compiler (kind, command, version, zig triple, flags). */
  cgo: CgoRecord;
  /** What crossgo verify found, when the build verified its artifacts. */
  verification?: {
    ok: boolean;
    checks: { name: string; status: 'pass' | 'fail' | 'skip'; detail: string }[];
  };
}

export interface FailureRecord {
  target: string;
  /** The last lines of go's error output. */
  excerpt: string;
  exitCode: number | null;
  argv: string[];
  env: Record<string, string>;
  cgo: CgoRecord;
}

export const MANIFEST_FILE = 'manifest.json';
export const CHECKSUMS_FILE = 'SHA256SUMS';

/** Larger than any manifest crossgo writes (20000 artifacts), small enough to read whole. */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/**
 * Reads and checks a manifest: null only when the file does not exist. Anything else that is not
 * a manifest as crossgo writes it (a FIFO or folder, too large, not UTF-8, not JSON, not matching
 * schema/manifest.schema.json) throws a one-line error naming `shown` (default: the path) and,
 * for a schema problem, the JSON pointer of the first bad value (a ManifestError).
 */
export async function readManifest(file: string, shown: string = file): Promise<Manifest | null> {
  let bytes: Buffer;
  try {
    bytes = await readRegular(file, { maxBytes: MAX_MANIFEST_BYTES, shown });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOENT') return null;
    if (error instanceof CrossgoError || typeof code !== 'string') throw error;
    throw new IoError('read', shown, code, '', { cause: error });
  }
  // The file may have grown between the size check and the read.
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new UsageError(`${shown} is over the limit of ${MAX_MANIFEST_BYTES} bytes for a manifest`);
  }
  return parseManifest(bytes, shown);
}

/** Parses and checks manifest bytes (see readManifest); `shown` names the file in errors. */
export function parseManifest(bytes: Uint8Array | string, shown: string): Manifest {
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ManifestError(shown, '(top level)', 'not UTF-8 text');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const problem = findJsonSyntaxError(text);
    throw new ManifestError(
      shown,
      problem ? `line ${problem.line}, column ${problem.column}` : '(top level)',
      `not valid JSON: ${problem?.reason ?? 'JSON.parse refused it'}`,
    );
  }
  return checkManifest(data, shown);
}
