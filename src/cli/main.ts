import { statSync } from 'node:fs';
import path from 'node:path';
import { Argument, Command, CommanderError, Option } from 'commander';
import { CONFIG_NAMES } from '../config/load.js';
import { asIoError, CrossgoError, exitCodeFor, InterruptedError, UsageError } from '../errors.js';
import { abortOnSignals, FORCE_EXIT_MS } from '../exec/interrupt.js';
import { killAllChildren } from '../exec/run.js';
import { DEFAULT_OUTPUT_TEMPLATE } from '../stages/build/template.js';
import { DEFAULT_TARGETS } from '../targets/defaults.js';
import { CROSSGO_VERSION } from '../version.js';
import { splitShortAssignments } from './argv.js';
import type { CliContext } from './context.js';
import { configOption, examples, given, outOption, targetsOption } from './help.js';
import { separateProgramArgs } from './programArgs.js';

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
  /** The words after `--` of `crossgo bench`: the program's arguments (programArgs.ts). */
  let programArgs: string[] | null = null;
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

  const build = program
    .command('build')
    .description('cross-compile the main package for every target, in parallel')
    .argument('[package]', 'the main package to build', '.')
    .addOption(targetsOption())
    .addOption(outOption())
    .addOption(
      new Option('-j, --jobs <n>', 'targets built at once').default(
        'auto',
        'cores + 1, capped by free memory',
      ),
    )
    .option('--json', 'print the manifest as JSON and nothing else on stdout')
    .addOption(configOption())
    .addOption(
      new Option('--app-version <version>', 'version injected as main.version').default(
        'git',
        "git describe --tags --dirty; untagged: go's pseudo-version v0.0.0-<date>-<commit>; else dev",
      ),
    )
    .option('--build <ids>', "only the config's builds of these ids, comma-separated (repeatable)", collect)
    .option('--ldflags <flags>', 'extra linker flags (repeatable)', collect)
    .option('--tags <tags>', 'build tags, comma-separated (repeatable)', collect)
    .option('--gcflags <flags>', 'compiler flags (repeatable)', collect)
    .option('--env <KEY=VALUE>', 'environment for go build (repeatable)', collect)
    .addOption(
      new Option(
        '--template <template>',
        'binary path in the output folder: {name} {goos} {goarch} {variant} {-variant} {ext} {version}',
      ).default(DEFAULT_OUTPUT_TEMPLATE, `the config's template, else ${DEFAULT_OUTPUT_TEMPLATE}`),
    )
    .option('--no-trimpath', 'build without -trimpath (verify then only warns about leaked paths)')
    .option('--no-strip', 'keep the symbol table and DWARF (no -s -w)')
    .option('--allow-broken', 'allow ports the toolchain marks broken')
    .option('--no-verify', 'do not verify the artifacts after building')
    .option('--no-link-cache', 'do not reuse or store linked binaries in ~/.cache/crossgo/links')
    .option('--force', 'run go build for every target, even those whose inputs are unchanged')
    .addOption(
      new Option(
        '--cache <url>',
        'a remote build cache for go: http(s)://host/prefix or s3://bucket/prefix',
      ).default('', "the config's cache, else CROSSGO_CACHE_URL"),
    )
    .option('--cache-readonly', 'read the remote cache, upload nothing (pull requests)')
    .option('--skip-hooks', "run none of the config's hooks (before, pre, post, after)")
    .option(
      '--snapshot',
      "version from the config's snapshot.version ({version}-SNAPSHOT-{short_commit}); a dirty tree may be packaged",
    )
    .option('--clean', 'first remove what the last manifest lists and crossgo made there; build every target')
    .addOption(
      new Option('--cgo <mode>', 'off, on, or auto: on where a package imports "C"').default(
        'off',
        "the config's cgo, else off",
      ),
    )
    .addOption(
      new Option(
        '--cc <compiler>',
        'C compiler for cgo: auto (zig, then Debian cross gcc, then host), zig, cross, host, or a command',
      ).default('auto', "the config's cc, else auto"),
    )
    .option('--cxx <command>', 'C++ compiler command, with an explicit --cc')
    .option('--static', 'link cgo Linux targets statically against musl (through zig)')
    .option('--macos-sdk <path>', 'a MacOSX.sdk, for darwin cgo targets that link Apple frameworks')
    .option('--package', 'then make the release files (see crossgo package; settings from the config)')
    .option('--sign <method>', 'gpg or ssh: sign the release (implies --package)')
    .option('--key <key>', 'with --package: the signing key')
    .option('--universal', 'a universal macOS binary (implies --package)')
    .addOption(
      new Option(
        '--go <releases>',
        'build with these Go releases (GOTOOLCHAIN), e.g. 1.25.4 or 1.24.9,1.26: one subfolder each',
      ).default('', "the config's go, else the go on PATH"),
    )
    .addOption(
      new Option(
        '--wait <duration>',
        'wait this long (e.g. 10m) for another crossgo run writing the output folder',
      ).default('0s', 'refuse at once'),
    )
    .option(
      '--shard <I/N>',
      "build part I of N (balanced, deterministic); 'auto': CI_NODE_INDEX/CI_NODE_TOTAL or CROSSGO_SHARD",
    )
    .option('--costs <manifest>', "with --shard: weigh targets by this earlier manifest's build times")
    .action(async (pkg: string, _flags, command: Command) => {
      const { buildCommand } = await import('./commands/build.js');
      // A package named on the command line replaces the config's builds; "." is only the default.
      const named = command.args.length > 0 ? pkg : undefined;
      exitCode = await buildCommand(named, given(command), context());
    });
  examples(build, [
    ['crossgo build', `${DEFAULT_TARGETS} into dist/`],
    [
      "crossgo build -t 'first-class,!windows/*' -o out --json",
      'every first-class port but Windows, manifest on stdout',
    ],
    [
      'crossgo build --config release.yaml --package --sign gpg',
      'archives, SBOMs, checksums and their signature',
    ],
  ]);

  program
    .command('test')
    .description(
      "compile each package's tests per target (go test -c) and run them here: natively, under qemu-user or wine",
    )
    .argument('[packages...]', 'package patterns', ['./...'])
    .addOption(targetsOption())
    .addOption(configOption())
    .option('--timeout <duration>', 'per test binary, e.g. 90s or 5m; stops the whole process tree', '10m')
    .option('--run <regexp>', 'run only the tests that match (-test.run)')
    .option('--tags <tags>', 'build tags (repeatable)', collect)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  crossgo test -t linux/amd64,linux/arm64
  crossgo test --run TestParse ./internal/...
  crossgo test -t linux/arm/7 --timeout 2m --json`,
    )
    .action(async (packages: string[], _flags, command: Command) => {
      const { testCommand } = await import('./commands/test.js');
      exitCode = await testCommand(packages, given(command), context());
    });

  program
    .command('bench')
    .description(
      'size, build time, startup latency, peak memory and Go benchmarks per target, natively or emulated',
    )
    .argument('[package]', 'the main package', '.')
    .argument('[-- args...]', "the program's arguments for the startup runs (or --args)")
    .addOption(targetsOption('targets (the baseline is added when missing)'))
    .option('--runs <n>', 'startup runs per target, after one warm-up', '10')
    .option('--args <args>', "the program's arguments for the startup runs, space-separated")
    .option('--bench <regexp>', 'Go benchmarks to run (-test.bench)', '.')
    .option('--count <n>', 'runs of each Go benchmark (-test.count)', '6')
    .addOption(
      new Option('--baseline <target>', 'the target everything is compared with').default(
        'host',
        "the host's",
      ),
    )
    .addOption(outOption('output folder (bench.html goes there)'))
    .addOption(configOption())
    .option('--no-html', 'do not write <out>/bench.html')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  crossgo bench -t linux/amd64,linux/arm64 ./cmd/tool
  crossgo bench --args --version --runs 30
  crossgo bench ./cmd/tool --bench Parse --count 10 -- serve --dry-run`,
    )
    .action(async (pkg: string, extra: string[], _flags, command: Command) => {
      const { benchCommand } = await import('./commands/bench.js');
      exitCode = await benchCommand(pkg, { ...given(command), extra, programArgs }, context());
    });

  const repro = program
    .command('repro')
    .description(
      'build each target twice under different conditions and compare bytes; or rebuild a manifest',
    )
    .argument('[package]', 'the main package', '.')
    .addOption(targetsOption())
    .addOption(outOption('output folder, left out of the copies the two builds run in'))
    .addOption(configOption())
    .option(
      '--against <manifest>',
      'rebuild what this manifest describes (its commit, Go release, argv, env) and compare with its hashes',
    )
    .option(
      '--trust-manifest',
      "with --against: run the manifest's argv and env as recorded, even flags and variables crossgo does not write",
    )
    .option('--ldflags <flags>', 'extra linker flags (repeatable)', collect)
    .option('--tags <tags>', 'build tags (repeatable)', collect)
    .option('--no-trimpath', 'build without -trimpath')
    .option('--no-strip', 'keep the symbol table and DWARF')
    .option('--cgo <mode>', 'off, on or auto')
    .option('--cc <compiler>', 'C compiler for cgo')
    .option('--json', 'print JSON')
    .action(async (pkg: string, _flags, command: Command) => {
      const { reproCommand } = await import('./commands/repro.js');
      // As for build: only a package named on the command line replaces the config's builds.
      exitCode = await reproCommand(command.args.length > 0 ? pkg : undefined, given(command), context());
    });
  examples(repro, [
    ['crossgo repro -t linux/amd64,windows/amd64', 'two builds under different conditions, bytes compared'],
    ['crossgo repro --against dist/manifest.json', "rebuild a release from its manifest's commit"],
  ]);

  const rebuild = program
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
  examples(rebuild, [
    ['crossgo rebuild ~/go/bin/gopls', 'was this binary built from the source its build info names?'],
    ['crossgo rebuild --json ./tool', 'the same, as JSON (the first differing byte and its cause)'],
  ]);

  const pkgCmd = program
    .command('package')
    .description(
      'release files from the build: archives, SBOMs, checksums, signatures, a universal macOS binary',
    )
    .addOption(outOption("output folder: the build's manifest is read from it, release files go to it"))
    .addOption(configOption())
    .addOption(
      new Option('--manifest <file>', "the build's manifest").default(
        'dist/manifest.json',
        '<out>/manifest.json',
      ),
    )
    .addOption(
      new Option(
        '--format <format>',
        'auto (zip for windows, tar.gz for the rest), tar.gz, zip, or binary (each binary bare, named like an archive)',
      ).default('auto', "the config's, else auto"),
    )
    .addOption(
      new Option('--files <glob>', 'extra files for every archive, relative to the module root (repeatable)')
        .default([], "the config's, else README*, LICENSE*, CHANGELOG*")
        .argParser(collect),
    )
    .addOption(
      new Option('--checksum <algorithm>', 'sha256 or sha512').default('sha256', "the config's, else sha256"),
    )
    .option('--sign <method>', 'gpg or ssh: a detached signature of the checksums file')
    .option(
      '--key <key>',
      'gpg key ID or fingerprint; ssh private key file (passphrase: agent or CROSSGO_GPG_PASSPHRASE / CROSSGO_SSH_PASSPHRASE)',
    )
    .option('--sign-all', 'sign every release file, not only the checksums file')
    .option('--no-sbom', 'no CycloneDX SBOMs')
    .option('--universal', 'merge darwin/amd64 and darwin/arm64 into <name>-darwin-universal')
    .option('--skip-hooks', "do not run the config's after: commands")
    .option('--snapshot', "package a build of a dirty tree anyway, under the build's own version")
    .option(
      '--wait <duration>',
      'wait this long (e.g. 10m) for another crossgo run writing the output folder',
    )
    .option('--json', 'print the manifest as JSON')
    .action(async (_flags, command: Command) => {
      const { packageCommand } = await import('./commands/package.js');
      exitCode = await packageCommand(given(command), context());
    });
  examples(pkgCmd, [
    ['crossgo package', 'archives, SBOMs and SHA256SUMS for what crossgo build made in dist/'],
    ['crossgo package -o out --sign gpg --key release@example.com', 'signed checksums for out/'],
    ['crossgo package --format binary --universal', 'bare binaries plus a universal macOS one'],
  ]);

  const imageCmd = program
    .command('image')
    .description("OCI images of the build's linux binaries: one per target under one index, in <out>/image")
    .addOption(
      outOption("output folder: the build's manifest is read from it, the OCI layout goes to <out>/image"),
    )
    .addOption(configOption())
    .addOption(
      new Option('-t, --targets <list>', 'linux targets of the manifest, comma-separated').default(
        'every linux binary',
        "the config's image.targets, else every linux binary",
      ),
    )
    .addOption(
      new Option(
        '--push <ref>',
        "push to REPO[:TAG] (repeatable; a REPO without a tag gets the config's image.tags)",
      )
        .default([], '{version} for a REPO without a tag')
        .argParser(collect),
    )
    .option(
      '--oci-layout <dir>',
      'also write the OCI layout to this folder (new, empty, or one crossgo wrote)',
    )
    .option('--tarball <file>', 'also write a tar that docker load and podman load accept')
    .addOption(
      new Option('--base <ref>', 'base image, resolved per platform from its registry').default(
        'scratch',
        "the config's image.base, else scratch",
      ),
    )
    .addOption(
      new Option(
        '--insecure-registry <host>',
        'allow plain HTTP to this registry (repeatable; localhost always is)',
      ).argParser(collect),
    )
    .option(
      '--wait <duration>',
      'wait this long (e.g. 10m) for another crossgo run writing the output folder',
    )
    .option('--json', 'print the image records as JSON')
    .action(async (_flags, command: Command) => {
      const { imageCommand } = await import('./commands/image.js');
      exitCode = await imageCommand(given(command), context());
    });
  examples(imageCmd, [
    ['crossgo image', 'images of every linux binary in dist/, as an OCI layout in dist/image'],
    [
      'crossgo image --push ghcr.io/acme/app --push ghcr.io/acme/app:latest',
      'push the index, tagged {version} and latest',
    ],
    ['crossgo image --tarball app.tar', 'a tar for docker load / podman load'],
  ]);

  const changelogCmd = program
    .command('changelog')
    .description("the release's changelog from the git history between two tags, as Markdown on stdout")
    .addOption(
      new Option('--since <tag>', 'the tag it starts after').default(
        'the previous release',
        "the previous release: the nearest tag before --until's commit",
      ),
    )
    .addOption(new Option('--until <ref>', 'the tag, branch or commit it ends at').default('HEAD'))
    .addOption(configOption())
    .option('--json', 'print the range and the grouped commits as JSON')
    .action(async (_flags, command: Command) => {
      const { changelogCommand } = await import('./commands/changelog.js');
      exitCode = await changelogCommand(given(command), context());
    });
  examples(changelogCmd, [
    ['crossgo changelog', 'what changed since the previous tag, grouped by conventional-commit type'],
    ['crossgo changelog --since v1.0.0 --until v1.1.0', 'the changelog of the v1.1.0 release'],
    [
      'crossgo changelog --config release.yaml > NOTES.md',
      "groups and filters of that file's changelog: block",
    ],
  ]);

  const inspectCmd = program
    .command('inspect')
    .description("read executables with crossgo's own ELF, PE, Mach-O, wasm, XCOFF and Plan 9 readers")
    .argument('<file...>', 'executables to read')
    .option('--json', 'print JSON')
    .option('--sections', 'add the section list')
    .option('-v, --verbose', 'every fact, one per line')
    .action(async (files: string[], _flags, command: Command) => {
      const { inspectCommand } = await import('./commands/inspect.js');
      exitCode = await inspectCommand(files, given(command), context());
    });
  examples(inspectCmd, [
    ['crossgo inspect dist/*', 'one row per file: format, target, linking, stripped, go version'],
    ['crossgo inspect -v --sections dist/hello-linux-amd64', 'every fact and the section list'],
    ['crossgo inspect --json $(command -v go)', 'the build info go version -m prints, as JSON'],
  ]);

  const verifyCmd = program
    .command('verify')
    .description('check that each artifact is what it claims to be (exit 1 when a check fails)')
    .argument('[file...]', 'artifacts to check (none: every artifact the manifest lists)')
    .addOption(outOption('output folder whose manifest lists the artifacts'))
    .addOption(
      new Option('--manifest <file>', 'a crossgo manifest: check each artifact against it').default(
        'dist/manifest.json',
        '<out>/manifest.json',
      ),
    )
    .option('--expect <target>', 'goos/goarch[/variant] every file must be')
    .option('--stripped', 'require no symbol table and no DWARF')
    .option(
      '--static',
      "require linking nothing beyond the platform's own libraries (fully static on Linux), even with cgo",
    )
    .option('--min-go <version>', 'require at least this Go version, e.g. 1.22')
    .option('--max-size <size>', 'require at most this size, e.g. 20MB')
    .option('--json', 'print JSON')
    .action(async (files: string[], _flags, command: Command) => {
      const { verifyCommand } = await import('./commands/verify.js');
      exitCode = await verifyCommand(files, given(command), context());
    });
  examples(verifyCmd, [
    ['crossgo verify', 'every artifact in dist/manifest.json, against what the manifest says it is'],
    [
      'crossgo verify --expect linux/arm64 --static ./tool',
      'a file from anywhere: right port, links nothing',
    ],
  ]);

  const mergeCmd = program
    .command('merge')
    .description('merge the folders of crossgo build --shard into one, as a one-machine build writes it')
    .argument('<dir...>', 'the shard folders (each with its manifest.json)')
    .addOption(new Option('-o, --out <dir>', 'the merged output folder').default('dist'))
    .addOption(
      new Option('--wait <duration>', 'wait this long for another crossgo run writing the folder').default(
        '0s',
        'refuse at once',
      ),
    )
    .action(async (dirs: string[], _flags, command: Command) => {
      const { mergeCommand } = await import('./commands/merge.js');
      exitCode = await mergeCommand(dirs, given(command), context());
    });
  examples(mergeCmd, [
    ['crossgo merge dist-1 dist-2 dist-3 -o dist', 'three shards into dist/'],
    ['crossgo merge shards/* && crossgo package', 'every downloaded shard, then the release files'],
  ]);

  const ciCmd = program
    .command('ci')
    .description('write a CI workflow: N shard jobs, then one job that merges, packages and signs')
    .addArgument(
      new Argument(
        '<platform>',
        'github (.github/workflows/crossgo-release.yml) or gitlab (.gitlab-ci.yml)',
      ).choices(['github', 'gitlab']),
    )
    .addOption(
      new Option('--shards <n>', 'shard jobs, 1 to the number of targets').default(
        'auto',
        'one per 4 targets, rounded up',
      ),
    )
    .option('--force', 'replace a file crossgo did not write, or one edited since')
    .addOption(configOption())
    .option('--json', 'print what was written as JSON')
    .action(async (platform: 'github' | 'gitlab', _flags, command: Command) => {
      const { ciCommand } = await import('./commands/ci.js');
      exitCode = await ciCommand(platform, given(command), context());
    });
  examples(ciCmd, [
    ['crossgo ci github', 'a release workflow for tags v*, in the repository of this module'],
    ['crossgo ci gitlab --shards 4', 'a .gitlab-ci.yml with parallel: 4'],
    ['crossgo ci github --force', 'replace a workflow file crossgo did not write'],
  ]);

  const doctorCmd = program
    .command('doctor')
    .description('what this machine can build and run per target, and the commands that fill the gaps')
    .addOption(targetsOption('targets to check'))
    .addOption(configOption())
    .addOption(
      new Option('--cgo <mode>', 'the cgo mode builds will use: off, on or auto').default(
        'off',
        "the config's cgo, else off",
      ),
    )
    .addOption(
      new Option('--cc <compiler>', 'the C compiler choice builds will use').default(
        'auto',
        "the config's cc, else auto",
      ),
    )
    .option('--json', 'print JSON')
    .action(async (_flags, command: Command) => {
      const { doctorCommand } = await import('./commands/doctor.js');
      exitCode = await doctorCommand(given(command), context());
    });
  examples(doctorCmd, [
    ['crossgo doctor', "the config's targets (or the default three) and the tools found"],
    [
      'crossgo doctor -t linux/arm64,windows/amd64 --cgo on',
      'which C compiler each would use, and what to install',
    ],
  ]);

  const targetsCmd = program
    .command('targets')
    .description('list the GOOS/GOARCH ports of the active go toolchain')
    .option('--json', 'print JSON')
    .option('--first-class', 'only first-class ports')
    .option('--cgo', 'only ports that support cgo')
    .option('--broken', 'include ports the toolchain marks broken')
    .action(async (_flags, command: Command) => {
      const { targetsCommand } = await import('./commands/targets.js');
      exitCode = await targetsCommand(given(command), context());
    });
  examples(targetsCmd, [
    ['crossgo targets --first-class', 'the ports the Go team tests on every change'],
    ['crossgo targets --cgo --json', 'ports that support cgo, as JSON'],
  ]);

  const initCmd = program
    .command('init')
    .description('write a commented crossgo.yaml for this module, or translate a GoReleaser config')
    .option('--from <file>', 'a GoReleaser config (.goreleaser.yaml) to translate')
    .addOption(
      new Option('--file <file>', 'the config file to write').default(
        CONFIG_NAMES[0],
        `${CONFIG_NAMES[0]} in the module root`,
      ),
    )
    .option('--force', 'overwrite an existing config')
    .option('--stdout', 'print the config instead of writing it')
    .action(async (_flags, command: Command) => {
      const { initCommand } = await import('./commands/init.js');
      exitCode = await initCommand(given(command), context());
    });
  examples(initCmd, [
    ['crossgo init', 'a commented crossgo.yaml: targets, version stamps, archives'],
    ['crossgo init --from .goreleaser.yaml', "GoReleaser's builds, archives, checksum, snapshot, changelog"],
    ['crossgo init --from .goreleaser.yml --stdout', 'the translation on stdout, the notes on stderr'],
  ]);

  const dockerfileCmd = program
    .command('dockerfile')
    .description('write a BuildKit Dockerfile that cross-compiles like crossgo build, without emulation')
    .addOption(
      new Option('--file <file>', 'the Dockerfile to write (inside the module)').default(
        'Dockerfile',
        'Dockerfile in the module root',
      ),
    )
    .addOption(configOption())
    .option('--force', 'replace a file crossgo did not write, or one edited since')
    .option('--stdout', 'print the Dockerfile instead of writing it')
    .action(async (_flags, command: Command) => {
      const { dockerfileCommand } = await import('./commands/dockerfile.js');
      exitCode = await dockerfileCommand(given(command), context());
    });
  examples(dockerfileCmd, [
    ['crossgo dockerfile', 'a Dockerfile: golang on $BUILDPLATFORM, cache mounts, a scratch final stage'],
    ['crossgo dockerfile --stdout', 'print it, and the notes on stderr'],
  ]);

  const lintCmd = program.command('lint').description('check files for known traps');
  const lintDockerfileCmd = lintCmd
    .command('dockerfile')
    .description(
      "report a Dockerfile's Go build traps (emulated compiler, lost GOARCH, no cache, cgo on scratch)",
    )
    .argument('[file]', 'the Dockerfile', 'Dockerfile')
    .option('--json', 'print the findings as a JSON array')
    .action(async (file: string, _flags, command: Command) => {
      const { lintDockerfileCommand } = await import('./commands/lint.js');
      exitCode = await lintDockerfileCommand(file, given(command), context());
    });
  examples(lintDockerfileCmd, [
    ['crossgo lint dockerfile', './Dockerfile: one line per trap with the fix, exit 1 on any'],
    ['crossgo lint dockerfile build/Dockerfile --json', 'the findings as JSON'],
  ]);
  examples(lintCmd, [
    ['crossgo lint dockerfile', './Dockerfile: one line per trap with the fix, exit 1 on any'],
    ['crossgo lint dockerfile build/Dockerfile --json', 'the findings as JSON'],
  ]);

  program
    .command('cache-prog')
    .description("serve go's build cache (GOCACHEPROG): a local folder first, then an http(s) or s3 store")
    .option(
      '--remote <url>',
      'http(s)://host/prefix or s3://bucket/prefix: the shared store (default: CROSSGO_CACHE_URL)',
    )
    .option('--dir <dir>', 'the local tier (default: $XDG_CACHE_HOME/crossgo/gocache)')
    .option('--readonly', 'read from the remote, upload nothing (pull requests)')
    .option('--stats <file>', 'append one JSON line of hit and upload counters on exit')
    .action(async (flags: { remote?: string; dir?: string; readonly?: boolean; stats?: string }) => {
      const { cacheProgCommand } = await import('./commands/cacheProg.js');
      const args = [
        ...(flags.remote ? ['--remote', flags.remote] : []),
        ...(flags.dir ? ['--dir', flags.dir] : []),
        ...(flags.readonly ? ['--readonly'] : []),
        ...(flags.stats ? ['--stats', flags.stats] : []),
      ];
      exitCode = await cacheProgCommand(args);
    });

  examples(program, [
    ['crossgo build -t all', 'every port that links without cgo, into dist/'],
    ['crossgo doctor', 'what this machine can build and run, and what to install'],
    ['crossgo build --help', "a command's flags and examples"],
  ]);

  try {
    const separated = separateProgramArgs(splitShortAssignments(argv, program), program, ['bench']);
    programArgs = separated.programArgs;
    await program.parseAsync(separated.argv, { from: 'user' });
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
