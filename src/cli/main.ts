import { statSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { asIoError, CrossgoError, exitCodeFor, InterruptedError, UsageError } from '../errors.js';
import { abortOnSignals, FORCE_EXIT_MS } from '../exec/interrupt.js';
import { killAllChildren } from '../exec/run.js';
import { CROSSGO_VERSION } from '../version.js';
import { splitShortAssignments } from './argv.js';
import type { CliContext } from './context.js';

/**
 * The command line: declares commands, loads each lazily, and maps errors to exit codes
 * in one place (0 ok, 1 failed, 2 usage, 128+n on a signal). No logic lives here.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const interrupt = abortOnSignals((signal, why) => {
    killAllChildren();
    process.stderr.write(
      why === 'again'
        ? `crossgo: ${signal} again: stopped at once\n`
        : `crossgo: interrupted by ${signal}; still stopping after ${FORCE_EXIT_MS / 1000} s, so stopped at once\n`,
    );
    process.exit(exitCodeFor(new InterruptedError(signal)));
  });
  let exitCode = 0;
  const program = new Command('crossgo')
    .description('Cross-compile a Go program for many GOOS/GOARCH targets and prove each artifact.')
    .version(CROSSGO_VERSION, '-V, --version')
    .option('-C, --chdir <dir>', 'run as if crossgo was started in <dir>')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      // One line per error: commander puts its "(Did you mean …?)" on a line of its own.
      outputError: (text, write) =>
        write(
          `crossgo: ${text
            .replace(/^error: /, '')
            .trim()
            .replace(/\n\(Did you/, ' (did you')}\n`,
        ),
    });

  const context = (): CliContext => {
    const chdir = program.opts<{ chdir?: string }>().chdir;
    const cwd = path.resolve(chdir ?? '.');
    if (chdir !== undefined && !statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
      throw new UsageError(`-C ${chdir}: no such folder`);
    }
    return { cwd, signal: interrupt.signal };
  };
  const collect = (value: string, previous: string[] = []) => [...previous, value];

  program
    .command('build')
    .description('cross-compile the main package for every target, in parallel')
    .argument('[package]', 'the main package to build', '.')
    .option(
      '-t, --targets <list>',
      'goos/goarch[/variant] list, sets all and first-class, !exclusions (default: linux/amd64,darwin/arm64,windows/386)',
    )
    .option('-o, --out <dir>', 'output folder (default: dist in the module root)')
    .option('-j, --jobs <n>', 'targets built at once (default: cores + 1, capped by free memory)')
    .option('--json', 'print the manifest as JSON and nothing else on stdout')
    .option('--config <file>', 'config file (default: crossgo.yaml, .yml or .json in the module root)')
    .option('--app-version <version>', 'version injected as main.version (default: git describe)')
    .option('--ldflags <flags>', 'extra linker flags (repeatable)', collect)
    .option('--tags <tags>', 'build tags, comma-separated (repeatable)', collect)
    .option('--gcflags <flags>', 'compiler flags (repeatable)', collect)
    .option('--env <KEY=VALUE>', 'environment for go build (repeatable)', collect)
    .option(
      '--template <template>',
      'output file name: {name} {goos} {goarch} {variant} {-variant} {ext} {version}',
    )
    .option('--no-trimpath', 'build without -trimpath')
    .option('--no-strip', 'keep the symbol table and DWARF (no -s -w)')
    .option('--allow-broken', 'allow ports the toolchain marks broken')
    .option('--no-verify', 'do not verify the artifacts after building')
    .option('--no-link-cache', 'do not reuse or store linked binaries in ~/.cache/crossgo/links')
    .option('--force', 'run go build for every target, even those whose inputs are unchanged')
    .option('--cgo <mode>', 'off (default), on, or auto: on where a package imports "C"')
    .option(
      '--cc <compiler>',
      'C compiler for cgo: auto (zig, then Debian cross gcc, then host), zig, cross, host, or a command',
    )
    .option('--cxx <command>', 'C++ compiler command, with an explicit --cc')
    .option('--static', 'link cgo Linux targets statically against musl (through zig)')
    .option('--macos-sdk <path>', 'a MacOSX.sdk, for darwin cgo targets that link Apple frameworks')
    .option('--package', 'then make the release files (see crossgo package; settings from the config)')
    .option('--sign <method>', 'with --package: gpg or ssh')
    .option('--key <key>', 'with --package: the signing key')
    .option('--universal', 'with --package: a universal macOS binary')
    .option(
      '--go <releases>',
      'build with these Go releases (GOTOOLCHAIN), e.g. 1.25.4 or 1.24.9,1.26: one subfolder each',
    )
    .option(
      '--wait <duration>',
      'wait this long (e.g. 10m) for another crossgo run writing the output folder',
    )
    .action(async (pkg: string, flags) => {
      const { buildCommand } = await import('./commands/build.js');
      exitCode = await buildCommand(pkg, flags, context());
    });

  program
    .command('test')
    .description(
      "compile each package's tests per target (go test -c) and run them here: natively, under qemu-user or wine",
    )
    .argument('[packages...]', 'package patterns (default ./...)')
    .option(
      '-t, --targets <list>',
      "targets (default: the config's, else linux/amd64,darwin/arm64,windows/386)",
    )
    .option(
      '--timeout <duration>',
      'per test binary, e.g. 90s or 5m (default 10m); stops the whole process tree',
    )
    .option('--run <regexp>', 'run only the tests that match (-test.run)')
    .option('--tags <tags>', 'build tags (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(async (packages: string[], flags) => {
      const { testCommand } = await import('./commands/test.js');
      exitCode = await testCommand(packages, flags, context());
    });

  program
    .command('bench')
    .description(
      'size, build time, startup latency, peak memory and Go benchmarks per target, natively or emulated',
    )
    .argument('[package]', 'the main package', '.')
    .option('-t, --targets <list>', 'targets (the baseline is added when missing)')
    .option('--runs <n>', 'startup runs per target, after one warm-up (default 10)')
    .option('--args <args>', 'arguments for the startup runs, space-separated')
    .option('--bench <regexp>', 'Go benchmarks to run (-test.bench, default .)')
    .option('--count <n>', 'runs of each Go benchmark (-test.count, default 6)')
    .option('--baseline <target>', "the target everything is compared with (default: the host's)")
    .option('-o, --out <dir>', 'output folder (default: dist)')
    .option('--no-html', 'do not write <out>/bench.html')
    .option('--json', 'print JSON')
    .action(async (pkg: string, flags) => {
      const { benchCommand } = await import('./commands/bench.js');
      exitCode = await benchCommand(pkg, flags, context());
    });

  program
    .command('repro')
    .description(
      'build each target twice under different conditions and compare bytes; or rebuild a manifest',
    )
    .argument('[package]', 'the main package', '.')
    .option(
      '-t, --targets <list>',
      "targets (default: the config's, else linux/amd64,darwin/arm64,windows/386)",
    )
    .option(
      '--against <manifest>',
      'rebuild what this manifest describes (its commit, Go release, argv, env) and compare with its hashes',
    )
    .option(
      '--trust-manifest',
      "with --against: run the manifest's argv and env as recorded, even flags and variables crossgo does not write",
    )
    .option('--config <file>', 'config file')
    .option('--ldflags <flags>', 'extra linker flags (repeatable)', collect)
    .option('--tags <tags>', 'build tags (repeatable)', collect)
    .option('--no-trimpath', 'build without -trimpath')
    .option('--no-strip', 'keep the symbol table and DWARF')
    .option('--cgo <mode>', 'off, on or auto')
    .option('--cc <compiler>', 'C compiler for cgo')
    .option('--json', 'print JSON')
    .action(async (pkg: string, flags) => {
      const { reproCommand } = await import('./commands/repro.js');
      exitCode = await reproCommand(pkg, flags, context());
    });

  program
    .command('rebuild')
    .description(
      'rebuild a Go program from its own build info (go install path@version) and compare the bytes',
    )
    .argument('<file>', 'a binary made by go install')
    .option('--json', 'print JSON')
    .action(async (file: string, flags) => {
      const { rebuildCommand } = await import('./commands/rebuild.js');
      exitCode = await rebuildCommand(file, flags, context());
    });

  program
    .command('package')
    .description(
      'release files from the build: archives, SBOMs, checksums, signatures, a universal macOS binary',
    )
    .option('--manifest <file>', "the build's manifest (default: dist/manifest.json)")
    .option(
      '--format <format>',
      'auto (zip for windows, tar.gz for the rest), tar.gz, zip, or binary (no archives)',
    )
    .option(
      '--files <glob>',
      'extra files for every archive, relative to the module root (repeatable; default README*, LICENSE*, CHANGELOG*)',
      collect,
    )
    .option('--checksum <algorithm>', 'sha256 (default) or sha512')
    .option('--sign <method>', 'gpg or ssh: a detached signature of the checksums file')
    .option(
      '--key <key>',
      'gpg key ID or fingerprint; ssh private key file (passphrase: agent or CROSSGO_GPG_PASSPHRASE / CROSSGO_SSH_PASSPHRASE)',
    )
    .option('--sign-all', 'sign every release file, not only the checksums file')
    .option('--no-sbom', 'no CycloneDX SBOMs')
    .option('--universal', 'merge darwin/amd64 and darwin/arm64 into <name>-darwin-universal')
    .option(
      '--wait <duration>',
      'wait this long (e.g. 10m) for another crossgo run writing the output folder',
    )
    .option('--json', 'print the manifest as JSON')
    .action(async (flags) => {
      const { packageCommand } = await import('./commands/package.js');
      exitCode = await packageCommand(flags, context());
    });

  program
    .command('inspect')
    .description("read executables with crossgo's own ELF, PE, Mach-O and wasm readers")
    .argument('<file...>', 'executables to read')
    .option('--json', 'print JSON')
    .option('--sections', 'add the section list')
    .option('-v, --verbose', 'every fact, one per line')
    .action(async (files: string[], flags) => {
      const { inspectCommand } = await import('./commands/inspect.js');
      exitCode = await inspectCommand(files, flags, context());
    });

  program
    .command('verify')
    .description('check that each artifact is what it claims to be (exit 1 when a check fails)')
    .argument('[file...]', 'artifacts to check (default: those of dist/manifest.json)')
    .option('--manifest <file>', 'a crossgo manifest: check each artifact against it')
    .option('--expect <target>', 'goos/goarch[/variant] every file must be')
    .option('--stripped', 'require no symbol table and no DWARF')
    .option(
      '--static',
      "require linking nothing beyond the platform's own libraries (fully static on Linux), even with cgo",
    )
    .option('--min-go <version>', 'require at least this Go version, e.g. 1.22')
    .option('--max-size <size>', 'require at most this size, e.g. 20MB')
    .option('--json', 'print JSON')
    .action(async (files: string[], flags) => {
      const { verifyCommand } = await import('./commands/verify.js');
      exitCode = await verifyCommand(files, flags, context());
    });

  program
    .command('doctor')
    .description('what this machine can build and run per target, and the commands that fill the gaps')
    .option(
      '-t, --targets <list>',
      "targets to check (default: the config's, else linux/amd64,darwin/arm64,windows/386)",
    )
    .option('--cgo <mode>', "the cgo mode builds will use: off, on or auto (default: the config's, else off)")
    .option('--cc <compiler>', 'the C compiler choice builds will use (default: auto)')
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const { doctorCommand } = await import('./commands/doctor.js');
      exitCode = await doctorCommand(flags, context());
    });

  program
    .command('targets')
    .description('list the GOOS/GOARCH ports of the active go toolchain')
    .option('--json', 'print JSON')
    .option('--first-class', 'only first-class ports')
    .option('--cgo', 'only ports that support cgo')
    .addOption(new Option('--broken', 'include ports the toolchain marks broken'))
    .action(async (flags) => {
      const { targetsCommand } = await import('./commands/targets.js');
      exitCode = await targetsCommand(flags, context());
    });

  try {
    await program.parseAsync(splitShortAssignments(argv, program), { from: 'user' });
    return exitCode;
  } catch (error) {
    return report(error);
  } finally {
    interrupt.dispose();
  }
}

/** The one catch: prints one line for known errors, the stack for bugs, and picks the exit code. */
function report(error: unknown): number {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    )
      return 0;
    return 2;
  }
  if (error instanceof InterruptedError) {
    process.stderr.write(
      `crossgo: ${error.message}; no partial file is left (a build records its finished artifacts in the manifest)\n`,
    );
    return exitCodeFor(error);
  }
  if (error instanceof CrossgoError) {
    process.stderr.write(`crossgo: ${error.message}\n`);
    return exitCodeFor(error);
  }
  const io = ioFailureLine(error);
  if (io) {
    process.stderr.write(`crossgo: ${io}\n`);
    return 1;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`crossgo: internal error (this is a bug, please report it):\n${stack}\n`);
  return 1;
}

/** What a system call was doing, in words, for the errno errors that reach the top. */
const OPERATIONS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  close: 'close',
  mkdir: 'create the folder',
  mkdtemp: 'create a temporary folder in',
  rmdir: 'remove the folder',
  rm: 'remove',
  unlink: 'remove',
  rename: 'rename',
  copyfile: 'copy',
  link: 'link',
  symlink: 'link',
  scandir: 'list the folder',
  opendir: 'list the folder',
  stat: 'look at',
  lstat: 'look at',
  fstat: 'look at',
  access: 'look at',
  chmod: 'change the mode of',
  utime: 'set the time of',
  fsync: 'flush',
  ftruncate: 'truncate',
  spawn: 'run',
  watch: 'watch',
};

/**
 * One line for an errno error no layer below named more precisely (ENOSPC, EROFS, EMFILE, EIO…):
 * the operation, the file and the reason, never a stack trace. Null for anything else.
 */
function ioFailureLine(error: unknown): string | null {
  const e = error as NodeJS.ErrnoException | null;
  if (typeof e?.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code) || typeof e.syscall !== 'string')
    return null;
  const syscall = e.syscall.replace(/^spawn .*/, 'spawn');
  const operation = OPERATIONS[syscall] ?? syscall;
  const file = e.path ?? (e as { dest?: string }).dest ?? '';
  const hint = e.code === 'EMFILE' || e.code === 'ENFILE' ? 'raise the limit on open files (ulimit -n)' : '';
  const known = asIoError(error, operation, file, hint);
  if (known instanceof CrossgoError) return known.message.replace(/^cannot (.+?) : /, 'cannot $1: ');
  // A code outside errors.ts's table: the system's own words ("EFBIG: file too large, write").
  const reason = /^E[A-Z0-9]+: ([^,]+)/.exec(e.message)?.[1] ?? e.code;
  return `cannot ${operation}${file ? ` ${file}` : ''}: ${reason} (${e.code})${hint ? `; ${hint}` : ''}`;
}
