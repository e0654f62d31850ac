#!/usr/bin/env node
// The test suite's first step (npm test): checks that every tool the suite uses is here, and
// when any is missing prints one line per tool with the command that installs it, then exits 1
// before a single test runs. `npm run setup` (scripts/setup.sh) installs all of them on Debian 12.
//
// Plain Node, no dependencies and no build: it must run on a fresh clone. Tools are found by
// walking PATH (no shell); only the three whose version matters (go, qemu, zig) are run, each
// with an argument array.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(fileURLToPath(import.meta.url), '../..');

const BACKPORTS_QEMU = 'apt-get install -t bookworm-backports qemu-user';
const ZIG = 'ziglang==0.17.1';

/**
 * Every tool the suite uses, what for, and how to install it (what scripts/setup.sh runs).
 * `names`: any one of them will do. `llvm`: also looked for in Debian's /usr/lib/llvm-N/bin,
 * where llvm puts tools it does not link onto PATH. `check`: a version the suite needs.
 */
const TOOLS = [
  {
    names: ['go'],
    install: 'install Go 1.21 or newer from https://go.dev/dl (Debian 12 has 1.19)',
    use: 'builds everything',
    check: goVersion,
  },
  { names: ['git'], install: 'apt-get install git', use: 'fixture repositories and version facts' },
  { names: ['file'], install: 'apt-get install file', use: 'oracle: what each binary is' },
  { names: ['readelf'], install: 'apt-get install binutils', use: 'oracle: ELF headers and dynamic section' },
  { names: ['llvm-readobj'], llvm: true, install: 'apt-get install llvm', use: 'oracle: PE, Mach-O, XCOFF' },
  { names: ['llvm-objdump'], llvm: true, install: 'apt-get install llvm', use: 'oracle: XCOFF and Mach-O' },
  { names: ['llvm-lipo'], llvm: true, install: 'apt-get install llvm', use: 'oracle: universal Mach-O' },
  { names: ['sha256sum'], install: 'apt-get install coreutils', use: 'oracle: SHA256SUMS and checksums' },
  { names: ['sha512sum'], install: 'apt-get install coreutils', use: 'oracle: --checksum sha512' },
  { names: ['tar'], install: 'apt-get install tar', use: 'oracle: release archives' },
  { names: ['zip'], install: 'apt-get install zip', use: 'oracle: zip archives' },
  { names: ['unzip'], install: 'apt-get install unzip', use: 'oracle: zip archives' },
  {
    // Debian puts it in /usr/sbin, which a user's PATH may lack.
    names: ['nginx', '/usr/sbin/nginx'],
    install: 'apt-get install nginx',
    use: 'the HTTP store (WebDAV) of the crossgo cache-prog tests',
  },
  { names: ['gpg'], install: 'apt-get install gnupg', use: '--sign gpg and gpg --verify' },
  { names: ['gpg-agent'], install: 'apt-get install gnupg', use: 'gpg signing with a passphrase' },
  { names: ['gpgconf'], install: 'apt-get install gnupg', use: 'stopping the test gpg-agent' },
  {
    names: ['ssh-keygen'],
    install: 'apt-get install openssh-client',
    use: '--sign ssh and ssh-keygen -Y verify',
  },
  { names: ['gcc'], install: 'apt-get install gcc libc6-dev', use: 'cgo for the host target' },
  {
    names: ['aarch64-linux-gnu-gcc'],
    install: 'apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross',
    use: 'cgo through a Debian cross compiler',
  },
  {
    names: ['x86_64-w64-mingw32-gcc'],
    install: 'apt-get install gcc-mingw-w64-x86-64',
    use: 'cgo for windows/amd64',
  },
  {
    names: ['i686-w64-mingw32-gcc'],
    install: 'apt-get install gcc-mingw-w64-i686',
    use: 'cgo for windows/386',
  },
  // Debian 12's qemu 7.2 crashes Go's linux/386 runtime ("morestack on g0"): backports' 10 runs it.
  ...['aarch64', 'arm', 'i386'].map((arch) => ({
    names: [`qemu-${arch}`, `qemu-${arch}-static`],
    install: BACKPORTS_QEMU,
    use: `runs the linux/${arch === 'aarch64' ? 'arm64' : arch === 'i386' ? '386' : 'arm'} artifacts`,
    check: qemuVersion,
  })),
  { names: ['/usr/bin/time'], install: 'apt-get install time', use: "bench: GNU time's peak RSS" },
  {
    names: ['/usr/bin/chromium'],
    install: 'apt-get install chromium',
    use: "bench's HTML report, in headless Chromium",
  },
  {
    names: ['versitygw'],
    gobin: true,
    install: 'go install github.com/versity/versitygw/cmd/versitygw@v1.8.0',
    use: 'the S3 store of the crossgo cache-prog tests',
  },
  {
    names: ['shellcheck'],
    install: 'apt-get install shellcheck',
    use: "actionlint's check of the workflow's shell steps",
  },
  {
    names: ['actionlint'],
    gobin: true,
    install: 'go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12',
    use: 'oracle: the workflow crossgo ci github writes',
  },
  {
    names: ['nfpm'],
    gobin: true,
    install: 'go install github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2',
    use: 'deb, rpm and apk packages (crossgo runs the same release with go run)',
  },
  {
    // Debian's docker-registry package: the CNCF Distribution registry 2.8.
    names: ['docker-registry', '/usr/bin/docker-registry'],
    install: 'apt-get install docker-registry',
    use: 'the registry crossgo image pushes to in the tests',
  },
  {
    names: ['htpasswd'],
    install: 'apt-get install apache2-utils',
    use: "the basic-auth registry's password file",
  },
  {
    names: ['skopeo'],
    install: 'apt-get install skopeo',
    use: 'oracle: the pushed index, manifests and platforms',
  },
  { names: ['umoci'], install: 'apt-get install umoci', use: "oracle: unpacks an image's root file system" },
  { names: ['dpkg-deb'], install: 'apt-get install dpkg-dev', use: 'oracle: the .deb fields and contents' },
  { names: ['lintian'], install: 'apt-get install lintian', use: 'oracle: Debian policy of the .deb' },
  { names: ['rpm'], install: 'apt-get install rpm', use: 'oracle: rpm -qip, -qlp, -K of the .rpm' },
  { names: ['python3'], install: 'apt-get install python3 python3-pip', use: 'runs zig from PyPI' },
  {
    names: ['zig'],
    install: `pip install ${ZIG}`,
    use: 'cgo cross compilers (zig cc), musl, macOS',
    check: zigVersion,
    find: findZig,
  },
];

/** The first executable of `names` on PATH (or at its absolute path), else null. */
function which(names, { llvm = false, gobin = false } = {}) {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  if (llvm) dirs.push(...llvmDirs());
  if (gobin) dirs.push(...goBinDirs());
  for (const name of names) {
    const candidates = path.isAbsolute(name) ? [name] : dirs.map((dir) => path.join(dir, name));
    for (const file of candidates) if (isExecutable(file)) return file;
  }
  return null;
}

/** Where `go install` puts tools: GOBIN, else GOPATH's first entry's bin (test/helpers/goTools.ts). */
function goBinDirs() {
  const go = which(['go']);
  const out = go ? output(go, ['env', 'GOBIN', 'GOPATH']) : null;
  if (!out) return [];
  const [gobin, gopath] = out.split('\n');
  return gobin ? [gobin] : gopath ? [path.join(gopath.split(path.delimiter)[0], 'bin')] : [];
}

/** Debian's /usr/lib/llvm-N/bin, newest first: any version will do. */
function llvmDirs() {
  let entries = [];
  try {
    entries = readdirSync('/usr/lib').filter((e) => /^llvm-\d+$/.test(e));
  } catch {}
  return entries
    .sort((a, b) => Number(b.slice(5)) - Number(a.slice(5)))
    .map((e) => path.join('/usr/lib', e, 'bin'));
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** stdout of a tool run with an argument array, or null when it fails. */
function output(file, args) {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return null;
  }
}

function goVersion(file) {
  const match = /go1\.(\d+)/.exec(output(file, ['version']) ?? '');
  if (!match) return 'does not run (go version)';
  return Number(match[1]) >= 21 ? null : `is go1.${match[1]}; the suite needs 1.21 or newer`;
}

function qemuVersion(file) {
  const match = /version (\d+)\./.exec(output(file, ['--version']) ?? '');
  if (!match) return 'does not run (--version)';
  return Number(match[1]) >= 8
    ? null
    : `is qemu ${match[1]}, which crashes Go's linux/386 runtime; need 8 or newer`;
}

/** zig from PATH, else the PyPI package run as python3 -m ziglang (what .ci/run installs). */
function findZig() {
  const onPath = which(['zig']);
  if (onPath) return onPath;
  const python = which(['python3']);
  return python && output(python, ['-m', 'ziglang', 'version']) !== null ? `${python} -m ziglang` : null;
}

function zigVersion(found) {
  const [file, ...args] = found.split(' ');
  return output(file, [...args, 'version']) === null ? 'does not run (zig version)' : null;
}

const problems = [];
if (Number(process.versions.node.split('.')[0]) < 20) {
  problems.push([
    'node',
    `is ${process.version}; install Node.js 20 or newer (https://nodejs.org)`,
    'runs crossgo',
  ]);
}
if (!existsSync(path.join(REPO, 'node_modules', '.bin', 'vitest'))) {
  problems.push(['node_modules', 'npm ci', 'the dev dependencies: vitest, biome, typescript']);
}
for (const tool of TOOLS) {
  const found = tool.find ? tool.find() : which(tool.names, tool);
  const label = tool.names[0];
  if (!found) {
    problems.push([label, tool.install, tool.use]);
    continue;
  }
  const wrong = tool.check?.(found);
  if (wrong) problems.push([label, `${wrong}: ${tool.install}`, tool.use]);
}

if (problems.length > 0) {
  const width = Math.max(...problems.map(([name]) => name.length));
  process.stderr.write(
    `crossgo test suite: ${problems.length} tool${problems.length === 1 ? '' : 's'} missing; install each, or all at once with \`npm run setup\` (Debian 12):\n`,
  );
  for (const [name, fix, use] of problems)
    process.stderr.write(`  ${name.padEnd(width)}  ${fix}  (${use})\n`);
  process.exit(1);
}
