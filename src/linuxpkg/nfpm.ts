import { CrossgoError, UsageError } from '../errors.js';
import { run } from '../exec/run.js';
import type { LinuxPackageFormat } from './arch.js';
import { DOLLAR_VARIABLE } from './nfpmConfig.js';

/**
 * nfpm, run as `go run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2`: go fetches and builds it
 * once and, since Go 1.24, keeps the linked executable in GOCACHE, so a later run starts it in
 * about 0.7 s (a cold GOCACHE builds it in about 50 s on a 2-core machine). CROSSGO_NFPM names an
 * nfpm executable to run instead (a trusted setting, like PATH: crossgo runs what it names).
 */
export const NFPM_VERSION = 'v2.45.2';
export const NFPM_PACKAGE = `github.com/goreleaser/nfpm/v2/cmd/nfpm@${NFPM_VERSION}`;
export const NFPM_VARIABLE = 'CROSSGO_NFPM';

/** nfpm failed: its own last lines (never a passphrase). */
export class PackagerError extends CrossgoError {
  override name = 'PackagerError';
}

/** What go (and only go) needs from the user's environment to fetch and build a module. */
const PASSED = [
  'PATH',
  'HOME',
  'USER',
  'TMPDIR',
  'XDG_CACHE_HOME',
  'XDG_CONFIG_HOME',
  'GOENV',
  'GOCACHE',
  'GOMODCACHE',
  'GOPATH',
  'GOROOT',
  'GOPROXY',
  'GONOPROXY',
  'GOPRIVATE',
  'GONOSUMDB',
  'GOSUMDB',
  'GOINSECURE',
  'GOAUTH',
  'GOVCS',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/**
 * nfpm's environment, built explicitly: go's own settings from the user's (so the user's GOCACHE
 * and proxy are used), GOFLAGS=-mod=mod and GOWORK=off (a user's GOFLAGS=-mod=vendor or a go.work
 * cannot reach `go run pkg@version`; these variables win over the go env file, whose GOPROXY and GOPRIVATE still apply), CGO_ENABLED=0 (nfpm is pure Go: no C compiler needed),
 * GOTOOLCHAIN=auto unless the user said local or path (nfpm v2.45.2 needs Go 1.25: an older go
 * fetches that toolchain, as go does for any module), the "$" of escapeDollars, and `extra` (the
 * signing passphrases). Nothing else: the config's text cannot read a variable nfpm does not have.
 */
export function nfpmEnvironment(env: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const child: NodeJS.ProcessEnv = {};
  for (const name of PASSED) if (env[name] !== undefined) child[name] = env[name];
  const toolchain = env.GOTOOLCHAIN;
  child.GOTOOLCHAIN = toolchain === 'local' || toolchain === 'path' ? toolchain : 'auto';
  child.GOFLAGS = '-mod=mod';
  child.GOWORK = 'off';
  child.CGO_ENABLED = '0';
  child[DOLLAR_VARIABLE] = '$';
  return { ...child, ...extra };
}

export interface NfpmRun {
  format: LinuxPackageFormat;
  /** The nfpm config file. */
  config: string;
  /** The package file nfpm writes. */
  target: string;
  /** A private folder outside the module: nfpm's working folder. */
  cwd: string;
  /** The package's file name, for messages. */
  shown: string;
  env: NodeJS.ProcessEnv;
  /** NFPM_*_PASSPHRASE values: for nfpm's environment, masked in any message. */
  secrets: Record<string, string>;
  signal: AbortSignal;
}

/** The command and arguments that run nfpm: CROSSGO_NFPM, else go run of the pinned version. */
export function nfpmCommand(env: NodeJS.ProcessEnv): { command: string; args: string[] } {
  const named = env[NFPM_VARIABLE];
  if (named !== undefined && named !== '') {
    if (!named.startsWith('/'))
      throw new UsageError(
        `${NFPM_VARIABLE}=${JSON.stringify(named)}: name the nfpm executable by its absolute path`,
      );
    return { command: named, args: [] };
  }
  return { command: 'go', args: ['run', NFPM_PACKAGE] };
}

export async function runNfpm(options: NfpmRun): Promise<void> {
  const { command, args } = nfpmCommand(options.env);
  const result = await run(
    command,
    [
      ...args,
      'package',
      '--config',
      options.config,
      '--packager',
      options.format,
      '--target',
      options.target,
    ],
    {
      cwd: options.cwd,
      env: nfpmEnvironment(options.env, options.secrets),
      signal: options.signal,
      missingHint:
        command === 'go'
          ? 'install Go (crossgo runs nfpm with go run), or name an nfpm executable in CROSSGO_NFPM'
          : `${NFPM_VARIABLE} names a program that does not exist`,
      umask: 0o022,
    },
  );
  if (result.exitCode !== 0) {
    let text = result.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/^using \w+ packager/.test(l) && l !== 'exit status 1')
      .slice(-3)
      .join('; ');
    for (const secret of Object.values(options.secrets)) if (secret) text = text.split(secret).join('***');
    throw new PackagerError(
      `nfpm ${NFPM_VERSION} could not make ${options.shown}: ${text || `exit code ${result.exitCode}`}`,
    );
  }
}
