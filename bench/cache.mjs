#!/usr/bin/env node
/**
 * crossgo's remote build cache benchmark (issue 15): what `--cache URL` and `crossgo cache-prog`
 * save a fresh CI runner, what sharding a matrix over N runners costs, and what serving go's cache
 * through GOCACHEPROG costs a warm build.
 *
 * Run it with `npm run bench:cache` (which runs `npm run build --silent && node bench/cache.mjs`),
 * or `node bench/cache.mjs [options]` after a build. With no option it runs the three parts below
 * on hello and the dependency-heavy module: about 15 minutes on 2 quiet cores. Options:
 *
 *   --only PARTS          fresh,shards,overhead (comma list; default: all three)
 *   --skip-heavy          fresh runner on examples/hello only (not the gin + cobra module)
 *   --quick               --skip-heavy, shards of the 8 first-class ports at N = 1, 2, overhead median
 *                         of 3 (about 8 minutes on 2 quiet cores)
 *   --shards LIST         the N of the shard part (default: 1,2,4; 1 is always run: it is the
 *                         one-machine build the merged folders are compared with)
 *   --warm-remote         the shard part also re-runs every N against the remote its cold run filled
 *   --runs N              warm builds per port and way in the overhead part (median; default 5)
 *   --json                print the results as JSON on stdout (progress still goes to stderr)
 *   --keep                keep the temporary folders (their path is printed)
 *
 * The remote is a real nginx (/usr/sbin/nginx, WebDAV `dav_methods PUT DELETE`) that the
 * benchmark starts on 127.0.0.1 with a config, store and logs in its temporary folder, and stops
 * at the end, also on failure or Ctrl-C. Each measurement that needs an empty remote gets a new URL
 * prefix on it. A "fresh runner" has an empty GOCACHE and an empty XDG_CACHE_HOME: crossgo's
 * local tier (`$XDG_CACHE_HOME/crossgo/gocache`), its link cache and its relay binary
 * (`$XDG_CACHE_HOME/crossgo/relay`) are all missing, as on a new CI machine. GOMODCACHE stays the
 * caller's (dependencies are downloaded once, untimed): module downloads are not what the build
 * cache serves. Everything builds with crossgo's flags outside git: CGO_ENABLED=0, -trimpath,
 * -ldflags "-s -w -X main.version=dev -X main.commit=none -X main.date=unknown".
 *
 * 1. fresh: the 8 first-class ports, on examples/hello and (unless --skip-heavy) on a generated
 *    module whose main imports github.com/gin-gonic/gin v1.12.0 and github.com/spf13/cobra v1.10.2
 *    (`go mod tidy` through the module proxy, untimed). Per program: (a) `crossgo build` cold:
 *    empty GOCACHE and XDG_CACHE_HOME, no --cache; (b) "fill": the same with `--cache URL` on an
 *    empty remote; (c) the fresh runner: empty GOCACHE and XDG_CACHE_HOME, the remote (b) filled,
 *    `--cache URL`; (d) GoReleaser's cold build of the same targets (`goreleaser build --snapshot
 *    --clean`, a minimal .goreleaser.yaml with the same flags, in a git repository of the copy,
 *    empty GOCACHE). Goal: (c) <= 0.3x (a). (a) and (c) must give byte-identical binaries (the
 *    manifests' sha256). The "cache:" line crossgo prints says where go's answers came from.
 * 2. shards: 16 ports (the 8 first-class + 8 more that build without cgo), examples/hello. For
 *    each N: N concurrent `crossgo build --shard I/N --cache URL` processes, each in its own copy
 *    of the module (a checkout per runner) with its own empty GOCACHE and XDG_CACHE_HOME, all on
 *    one new, empty remote prefix (cold remote: the first run of a commit); then `crossgo merge`
 *    of the shard folders, timed. With --warm-remote, the same N again on the remote the cold run
 *    filled (a re-run of the commit on fresh runners). Printed: wall and CPU seconds per shard,
 *    the slowest shard, the merge, the total CPU. The N processes share this machine's cores, so
 *    a shard's wall time here is inflated by its neighbours; its CPU seconds are what it would
 *    cost alone: on a runner with C cores its wall time is about cpu / C (go keeps ~1.75 cores
 *    busy when it can). The merged folder must pass `sha256sum -c SHA256SUMS`, and its binaries
 *    and SHA256SUMS must equal the N = 1 build's (a one-machine build).
 * 3. overhead: examples/hello, each of the 8 first-class ports, a warm
 *    `go build -trimpath -o <new file> .` (a new output path each time, so go links) with
 *    GOOS/GOARCH and CGO_ENABLED=0, three ways: plain GOCACHE (the yardstick); GOCACHEPROG =
 *    crossgo-cache-relay served by crossgo's in-process cache service (startCacheService of
 *    dist/cache/service.js, as `crossgo build --cache` runs it) with the nginx remote configured
 *    and everything already local, so no remote request happens; GOCACHEPROG = the stand-alone
 *    `'node' 'bin/crossgo.js' 'cache-prog' '--remote' 'URL' '--dir' 'DIR'` (go starts one per go
 *    command, so node's start-up counts every time). Each way has its own caches, one untimed
 *    warm-up build per port, then --runs builds per port, the ways interleaved; the median counts.
 *    Goal: <= 1.15x plain. Also: `crossgo build --force` of the 8 ports, warm, with and without
 *    --cache (median of 3 after a warm-up). crossgo's link cache seeds each output with the
 *    binary linked last time, so go checks the build ID instead of linking: such a build is
 *    mostly cache lookups, which is what the cache serves. And the relay's one-time build (the
 *    first ensureRelay of dist/cache/relay.js on an empty XDG_CACHE_HOME): with a warm GOCACHE,
 *    with an empty one, and with an empty one whose go is served by the stand-alone cache-prog
 *    from a warm remote (what a fresh runner's `crossgo build --cache` pays, inside (c)).
 *
 * Wall time includes starting crossgo (node) and its preparation (go env, go list, go mod
 * download), because a user pays for them too. The exit code is 0 whatever the timings (this is
 * a benchmark, not a test), 1 when a build fails (its stderr is printed) and 2 on a bad option.
 * On a shared machine, check the "busy" line at the top and the "others' cpu" column (CPU time
 * other processes took during each measurement) before trusting a difference.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BenchError,
  childCpuSeconds,
  formatTable,
  machineBusySeconds,
  median,
  optionErrors,
  ownCpuSeconds,
  round,
  run,
  sha256,
  stopChildren,
} from './lib.mjs';

const { usage, count, chooseList } = optionErrors('bench/cache.mjs');

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CROSSGO_BIN = path.join(REPO, 'bin', 'crossgo.js');
const HELLO_DIR = path.join(REPO, 'examples', 'hello');
const NGINX_BIN =
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .concat('/usr/sbin')
    .map((dir) => path.join(dir, 'nginx'))
    .find((file) => existsSync(file)) ?? 'nginx';

const FIRST_CLASS = [
  'darwin/amd64',
  'darwin/arm64',
  'linux/386',
  'linux/amd64',
  'linux/arm',
  'linux/arm64',
  'windows/386',
  'windows/amd64',
];
/** 16 ports for the shard part: the first-class ones and 8 more that build with CGO_ENABLED=0. */
const SHARD_TARGETS = [
  ...FIRST_CLASS,
  'linux/ppc64le',
  'linux/s390x',
  'linux/riscv64',
  'linux/mips64le',
  'freebsd/amd64',
  'freebsd/arm64',
  'openbsd/amd64',
  'netbsd/amd64',
];
const GOALS = { fresh: 0.3, overhead: 1.15 };
const LDFLAGS = '-s -w -X main.version=dev -X main.commit=none -X main.date=unknown';
const GORELEASER_VERSION = 'v2.15.1';
const CONTROLLED_ENV = [
  'GOOS',
  'GOARCH',
  'CGO_ENABLED',
  'GOAMD64',
  'GO386',
  'GOARM',
  'GOARM64',
  'GOMIPS',
  'GOMIPS64',
  'GOPPC64',
  'GORISCV64',
  'GOWASM',
  // The caches are the benchmark's to choose.
  'GOCACHE',
  'GOCACHEPROG',
  'XDG_CACHE_HOME',
  'CROSSGO_CACHE',
  'CROSSGO_CACHE_URL',
  'CROSSGO_CACHE_TOKEN',
  'CROSSGO_CACHE_USER',
  'CROSSGO_CACHE_PASSWORD',
  'CROSSGO_SHARD',
  'CI_NODE_INDEX',
  'CI_NODE_TOTAL',
];

/** The generated dependency-heavy workload: gin and cobra, used for something trivial. */
const HEAVY_MAIN = `// Command ginserve is crossgo's cache benchmark workload: a gin server behind a cobra command.
package main

import (
	"fmt"
	"os"

	"github.com/gin-gonic/gin"
	"github.com/spf13/cobra"
)

var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	root := &cobra.Command{
		Use:   "ginserve [serve]",
		Short: "prints its version, or serves it over HTTP",
		RunE: func(cmd *cobra.Command, args []string) error {
			gin.SetMode(gin.ReleaseMode)
			r := gin.New()
			r.GET("/version", func(c *gin.Context) {
				c.JSON(200, gin.H{"version": version, "commit": commit, "date": date})
			})
			if len(args) > 0 && args[0] == "serve" {
				return r.Run(":8080")
			}
			fmt.Println("ginserve", version, commit, date, len(r.Routes()), "routes")
			return nil
		},
	}
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
`;
const HEAVY_GO_MOD = `module example.com/ginserve

go 1.25

require (
	github.com/gin-gonic/gin v1.12.0
	github.com/spf13/cobra v1.10.2
)
`;

/**
 * Runs a command and writes its wall and CPU seconds (its own and its descendants': cutime +
 * cstime of this wrapper once it has reaped the child) to a file: the CPU of one of several
 * concurrent processes, which /proc/self/stat of the benchmark cannot separate.
 */
const CPU_WRAPPER = `
const { spawn } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const [report, command, ...args] = process.argv.slice(1);
const started = performance.now();
const child = spawn(command, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', () => { process.exitCode = 127; });
child.on('close', (code) => {
  const seconds = (performance.now() - started) / 1000;
  let cpuSeconds = null;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    cpuSeconds = (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {}
  writeFileSync(report, JSON.stringify({ seconds, cpuSeconds }));
  process.exitCode = code ?? 1;
});
`;

// ---------------------------------------------------------------------------------------------
// Options

const PARTS = ['fresh', 'shards', 'overhead'];

function parseOptions(argv) {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        'skip-heavy': { type: 'boolean', default: false },
        quick: { type: 'boolean', default: false },
        shards: { type: 'string' },
        'warm-remote': { type: 'boolean', default: false },
        runs: { type: 'string' },
        json: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    return usage(error.message);
  }
  const parts = values.only === undefined ? PARTS : chooseList('--only', values.only, PARTS);
  const shardCounts =
    values.shards === undefined
      ? values.quick
        ? [1, 2]
        : [1, 2, 4]
      : values.shards.split(',').map((n) => count('--shards', n.trim()));
  return {
    help: values.help,
    json: values.json,
    keep: values.keep,
    parts,
    heavy: !values['skip-heavy'] && !values.quick,
    shardTargets: values.quick ? FIRST_CLASS : SHARD_TARGETS,
    shardCounts: [...new Set([1, ...shardCounts])].sort((a, b) => a - b),
    warmRemote: values['warm-remote'],
    runs: values.runs === undefined ? (values.quick ? 3 : 5) : count('--runs', values.runs),
  };
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Runs a command through CPU_WRAPPER: its output, and its own wall and CPU seconds. */
async function runMeasured(command, args, { cwd, env, reportDir }) {
  const report = path.join(await mkdtemp(path.join(reportDir, 'cpu-')), 'report.json');
  const result = await run(process.execPath, ['-e', CPU_WRAPPER, '--', report, command, ...args], {
    cwd,
    env,
  });
  const measured = existsSync(report) ? JSON.parse(await readFile(report, 'utf8')) : {};
  return { ...result, seconds: measured.seconds ?? null, cpuSeconds: measured.cpuSeconds ?? null };
}

/**
 * Times `fn` (which runs children of this process, one at a time or several): wall seconds,
 * CPU seconds of the children and of this process (the in-process cache service counts), and
 * what other processes on the machine used meanwhile.
 */
async function timed(fn) {
  const cpuBefore = childCpuSeconds();
  const ownBefore = ownCpuSeconds();
  const busyBefore = machineBusySeconds();
  const started = performance.now();
  const value = await fn();
  const seconds = (performance.now() - started) / 1000;
  const busyAfter = machineBusySeconds();
  const cpuAfter = childCpuSeconds();
  const own = ownCpuSeconds() - ownBefore;
  const cpuSeconds = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  const busy = busyBefore === null || busyAfter === null ? null : busyAfter - busyBefore;
  return {
    value,
    seconds,
    cpuSeconds,
    ownCpuSeconds: own,
    otherCpuSeconds: busy === null || cpuSeconds === null ? null : Math.max(0, busy - cpuSeconds - own),
  };
}

/** The inherited environment without what the benchmark decides per measurement. */
function inheritedEnv(benchRoot) {
  const env = { ...process.env };
  for (const key of CONTROLLED_ENV) delete env[key];
  // A SOURCE_DATE_EPOCH or a git repository above the temporary folder would change the stamps.
  delete env.SOURCE_DATE_EPOCH;
  env.GIT_CEILING_DIRECTORIES = benchRoot;
  return env;
}

/** A fresh runner's environment: a new empty GOCACHE and XDG_CACHE_HOME. */
async function freshRunnerEnv(scratch, label) {
  const home = await scratch.dir(`runner-${label}`);
  const gocache = path.join(home, 'gocache');
  const xdg = path.join(home, 'xdg');
  await mkdir(gocache);
  await mkdir(xdg);
  return { home, env: { ...inheritedEnv(scratch.root), GOCACHE: gocache, XDG_CACHE_HOME: xdg } };
}

// ---------------------------------------------------------------------------------------------
// Temporary folders and the remote

class Scratch {
  constructor(root) {
    this.root = root;
  }
  static async create() {
    return new Scratch(await mkdtemp(path.join(os.tmpdir(), 'crossgo-bench-cache-')));
  }
  dir(prefix) {
    return mkdtemp(path.join(this.root, `${prefix}-`));
  }
}

let activeNginx = null;

/**
 * A real nginx on 127.0.0.1 serving `<root>/store` over WebDAV (as test/helpers/nginx.ts starts
 * it): config, pid file, logs and body buffers in `root`. `url(prefix)` is a store URL.
 */
async function startNginx(root) {
  const store = path.join(root, 'store');
  await mkdir(store, { recursive: true });
  await mkdir(path.join(root, 'logs'));
  const port = await freePort();
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  await writeFile(
    path.join(root, 'nginx.conf'),
    `${user}
daemon off;
master_process on;
worker_processes 2;
pid ${root}/nginx.pid;
error_log ${root}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${root}/body;
  proxy_temp_path ${root}/proxy;
  fastcgi_temp_path ${root}/fastcgi;
  uwsgi_temp_path ${root}/uwsgi;
  scgi_temp_path ${root}/scgi;
  client_max_body_size 0;
  server {
    listen 127.0.0.1:${port};
    location / {
      root ${store};
      dav_methods PUT DELETE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
`,
  );
  const child = spawn(NGINX_BIN, ['-p', root, '-c', 'nginx.conf', '-e', `${root}/logs/error.log`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d.toString();
  });
  const spawned = await new Promise((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', (error) => resolve(error));
  });
  if (spawned !== true) throw new BenchError(`cannot start nginx (${NGINX_BIN}): ${spawned.message}`);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const nginx = {
    port,
    store,
    child,
    url: (prefix) => `http://127.0.0.1:${port}/${prefix}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      activeNginx = null;
    },
  };
  activeNginx = nginx;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new BenchError(`nginx exited: ${stderr.trim()}`);
    const answered = await fetch(`http://127.0.0.1:${port}/ready-probe`).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (attempt > 200) {
      await nginx.stop();
      throw new BenchError(`nginx did not answer on port ${port}: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return nginx;
}

function freePort() {
  return new Promise((resolve, reject) => {
    import('node:net').then(({ createServer }) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(address.port));
      });
    }, reject);
  });
}

/** Objects and bytes the store holds under a prefix. */
async function storeSize(nginx, prefix) {
  let objects = 0;
  let bytes = 0;
  const walk = async (dir) => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(file);
      else if (entry.isFile()) {
        objects += 1;
        bytes += (await stat(file)).size;
      }
    }
  };
  await walk(path.join(nginx.store, prefix));
  return { objects, mib: round(bytes / 1024 ** 2, 1) };
}

// ---------------------------------------------------------------------------------------------
// Builds

/** `crossgo build` as a user types it; the manifest, the cache line, wall and CPU seconds. */
async function crossgoBuild({ src, out, targets, env, cache, shard, force, reportDir, label }) {
  const args = [CROSSGO_BIN, '-C', src, 'build', '-t', targets.join(','), '-o', out, '--json'];
  if (cache) args.push('--cache', cache);
  if (shard) args.push('--shard', shard);
  if (force) args.push('--force');
  const result = await runMeasured(process.execPath, args, { cwd: src, env, reportDir });
  if (result.code !== 0) {
    throw new BenchError(
      `crossgo build (${label}) failed (exit ${result.code ?? result.signal}):\n${result.stderr || result.stdout}`,
    );
  }
  const manifest = JSON.parse(result.stdout);
  const { version, commit, date } = manifest.source;
  if (version !== 'dev' || commit !== 'none' || date !== 'unknown') {
    throw new BenchError(`crossgo injected ${version}/${commit}/${date}, not dev/none/unknown`);
  }
  const hashes = {};
  for (const artifact of manifest.artifacts) hashes[artifact.path] = artifact.sha256;
  return {
    seconds: result.seconds,
    cpuSeconds: result.cpuSeconds,
    hashes,
    artifacts: manifest.artifacts.length,
    cacheLine: cacheLine(result.stderr),
    warnings: result.stderr
      .split('\n')
      .filter((line) => /warn|cannot/i.test(line))
      .slice(0, 5),
  };
}

/** crossgo's "cache: N local, N remote hits, N misses, N uploaded" line, parsed. */
function cacheLine(stderr) {
  const match = /cache: (\d+) local, (\d+) remote hits?, (\d+) miss(?:es)?, (\d+) uploaded[^\n]*/.exec(
    stderr,
  );
  if (!match) return null;
  return {
    text: match[0],
    localHits: Number(match[1]),
    remoteHits: Number(match[2]),
    misses: Number(match[3]),
    uploads: Number(match[4]),
  };
}

/** Copies a module without its VCS data (crossgo must fall back to dev/none/unknown) or old dist/. */
async function copyProgram(from, to) {
  await cp(from, to, {
    recursive: true,
    filter: (file) => {
      const rel = path.relative(from, file);
      return rel !== '.git' && rel !== 'dist' && rel !== '.goreleaser.yaml';
    },
  });
}

function goreleaserBinary() {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, 'goreleaser');
    if (dir && existsSync(file)) return file;
  }
  return null;
}

async function findGoreleaser(env) {
  const onPath = goreleaserBinary();
  if (onPath) return onPath;
  const gopath = await run('go', ['env', 'GOPATH'], { env });
  for (const dir of gopath.stdout.trim().split(path.delimiter)) {
    const file = path.join(dir, 'bin', 'goreleaser');
    if (dir && existsSync(file)) return file;
  }
  return null;
}

/** A minimal GoReleaser config for the targets, with crossgo's flags. */
function goreleaserConfig(name, targets) {
  const goos = [...new Set(targets.map((t) => t.split('/')[0]))];
  const goarch = [...new Set(targets.map((t) => t.split('/')[1]))];
  const wanted = new Set(targets);
  const ignore = [];
  for (const os_ of goos) {
    for (const arch of goarch) {
      if (!wanted.has(`${os_}/${arch}`)) ignore.push(`      - {goos: ${os_}, goarch: "${arch}"}`);
    }
  }
  return `version: 2
project_name: ${name}
builds:
  - id: ${name}
    main: .
    binary: ${name}
    env: [CGO_ENABLED=0]
    flags: [-trimpath]
    ldflags: ["${LDFLAGS}"]
    goos: [${goos.join(', ')}]
    goarch: [${goarch.map((a) => `"${a}"`).join(', ')}]
    goarm: ["7"]
${ignore.length ? `    ignore:\n${ignore.join('\n')}\n` : ''}`;
}

/** GoReleaser's cold build (empty GOCACHE) of a copy made a git repository, as it expects. */
async function goreleaserBuild(scratch, program, targets, goreleaser) {
  const dir = await scratch.dir('goreleaser');
  const src = path.join(dir, 'src');
  await copyProgram(program.dir, src);
  await writeFile(path.join(src, '.goreleaser.yaml'), goreleaserConfig(program.name, targets));
  const gocache = path.join(dir, 'gocache');
  await mkdir(gocache);
  const env = {
    ...inheritedEnv(scratch.root),
    GOCACHE: gocache,
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
  };
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'bench'],
  ]) {
    const git = await run('git', args, { cwd: src, env });
    if (git.code !== 0) throw new BenchError(`git ${args[0]} failed in ${src}:\n${git.stderr}`);
  }
  const result = await runMeasured(goreleaser, ['build', '--snapshot', '--clean'], {
    cwd: src,
    env,
    reportDir: dir,
  });
  if (result.code !== 0) throw new BenchError(`goreleaser build failed:\n${result.stderr || result.stdout}`);
  let binaries = null;
  try {
    const artifacts = JSON.parse(await readFile(path.join(src, 'dist', 'artifacts.json'), 'utf8'));
    binaries = artifacts.filter((a) => a.type === 'Binary').length;
  } catch {}
  await rm(dir, { recursive: true, force: true });
  if (binaries !== null && binaries !== targets.length) {
    throw new BenchError(`goreleaser built ${binaries} binaries, not ${targets.length}`);
  }
  return { seconds: result.seconds, cpuSeconds: result.cpuSeconds };
}

// ---------------------------------------------------------------------------------------------
// Programs

async function prepareHello(scratch) {
  return { label: 'hello', dir: HELLO_DIR, name: await executableName(scratch, HELLO_DIR) };
}

/** The gin + cobra module: written, tidied through the module proxy, downloaded (untimed). */
async function prepareHeavy(scratch, log) {
  const dir = path.join(await scratch.dir('program-heavy'), 'ginserve');
  await mkdir(dir);
  await writeFile(path.join(dir, 'go.mod'), HEAVY_GO_MOD);
  await writeFile(path.join(dir, 'main.go'), HEAVY_MAIN);
  log('gin + cobra: go mod tidy (through the module proxy, untimed)');
  const env = { ...inheritedEnv(scratch.root), GOFLAGS: '-mod=mod' };
  const tidy = await run('go', ['mod', 'tidy'], { cwd: dir, env });
  if (tidy.code !== 0) throw new BenchError(`go mod tidy of the gin + cobra module failed:\n${tidy.stderr}`);
  const download = await run('go', ['mod', 'download'], { cwd: dir, env });
  if (download.code !== 0) throw new BenchError(`go mod download failed:\n${download.stderr}`);
  const modules = await run('go', ['list', '-deps', '-f', '{{if .Module}}{{.Module.Path}}{{end}}', '.'], {
    cwd: dir,
    env,
  });
  const deps = new Set(modules.stdout.split('\n').filter((m) => m && m !== 'example.com/ginserve'));
  const packages = await run('go', ['list', '-deps', '.'], { cwd: dir, env });
  return {
    label: 'gin+cobra',
    dir,
    name: 'ginserve',
    note: `${deps.size} modules, ${packages.stdout.trim().split('\n').length} packages`,
  };
}

async function executableName(scratch, dir) {
  const listed = await run('go', ['list', '-f', '{{.ImportPath}}', '.'], {
    cwd: dir,
    env: inheritedEnv(scratch.root),
  });
  if (listed.code !== 0) throw new BenchError(`go list in ${dir} failed:\n${listed.stderr}`);
  return listed.stdout.trim().split('/').at(-1);
}

// ---------------------------------------------------------------------------------------------
// 1. The fresh runner

async function freshPart(scratch, nginx, programs, log) {
  const env0 = inheritedEnv(scratch.root);
  const goreleaser = await findGoreleaser(env0);
  const rows = [];
  for (const program of programs) {
    const targets = FIRST_CLASS;
    const prefix = `fresh-${program.name}`;
    const url = nginx.url(prefix);
    const measure = async (what, cache) => {
      const runner = await freshRunnerEnv(scratch, `${program.name}-${what}`);
      const src = path.join(runner.home, 'src');
      await copyProgram(program.dir, src);
      log(`fresh ${program.label}: ${what}`);
      const t = await timed(() =>
        crossgoBuild({
          src,
          out: path.join(runner.home, 'out'),
          targets,
          env: runner.env,
          cache,
          reportDir: runner.home,
          label: `${program.label} ${what}`,
        }),
      );
      await rm(runner.home, { recursive: true, force: true });
      log(`  ${t.value.seconds.toFixed(1)} s${t.value.cacheLine ? ` (${t.value.cacheLine.text})` : ''}`);
      return { ...t.value, otherCpuSeconds: t.otherCpuSeconds };
    };
    const cold = await measure('cold', null);
    const fill = await measure('fill', url);
    const filled = await storeSize(nginx, prefix);
    const fresh = await measure('fresh', url);
    let gr = null;
    if (goreleaser) {
      log(`fresh ${program.label}: goreleaser cold`);
      const t = await timed(() => goreleaserBuild(scratch, program, targets, goreleaser));
      gr = { ...t.value, otherCpuSeconds: t.otherCpuSeconds };
      log(`  ${gr.seconds.toFixed(1)} s`);
    }
    const differing = Object.keys(cold.hashes).filter((file) => cold.hashes[file] !== fresh.hashes[file]);
    const ratio = fresh.seconds / cold.seconds;
    rows.push({
      program: program.label,
      programNote: program.note ?? null,
      targets: targets.length,
      cold: summary(cold),
      fill: summary(fill),
      fresh: summary(fresh),
      goreleaser: gr ? summary(gr) : null,
      goreleaserPath: goreleaser,
      remote: filled,
      ratio: round(ratio, 3),
      goal: GOALS.fresh,
      met: ratio <= GOALS.fresh,
      ratioVsGoreleaser: gr ? round(fresh.seconds / gr.seconds, 3) : null,
      identical: differing.length === 0 && Object.keys(fresh.hashes).length === targets.length,
      differing,
    });
  }
  return rows;
}

function summary(m) {
  return {
    seconds: round(m.seconds, 3),
    cpuSeconds: m.cpuSeconds == null ? null : round(m.cpuSeconds, 2),
    otherCpuSeconds: m.otherCpuSeconds == null ? null : round(m.otherCpuSeconds, 2),
    ...(m.cacheLine !== undefined ? { cache: m.cacheLine } : {}),
    ...(m.warnings?.length ? { warnings: m.warnings } : {}),
  };
}

function freshText(rows, cores) {
  const body = [];
  for (const r of rows) {
    const line = (build, m, vsCold, goal) => [
      r.program,
      build,
      m ? m.seconds.toFixed(1) : '-',
      m?.cpuSeconds == null ? '-' : m.cpuSeconds.toFixed(1),
      m?.otherCpuSeconds == null ? '-' : m.otherCpuSeconds.toFixed(1),
      vsCold,
      goal,
    ];
    body.push(line('(a) crossgo cold, no --cache', r.cold, '1.00x', ''));
    body.push(
      line('(b) fill: --cache, empty remote', r.fill, ratioText(r.fill.seconds / r.cold.seconds), ''),
    );
    body.push(
      line(
        '(c) fresh runner: --cache, warm remote',
        r.fresh,
        ratioText(r.ratio),
        `<=${GOALS.fresh.toFixed(2)}x ${r.met ? 'ok' : 'MISSED'}`,
      ),
    );
    if (r.goreleaser)
      body.push(
        line('(d) goreleaser cold', r.goreleaser, ratioText(r.goreleaser.seconds / r.cold.seconds), ''),
      );
    else
      body.push([
        r.program,
        `(d) goreleaser: not installed (go install github.com/goreleaser/goreleaser/v2@${GORELEASER_VERSION})`,
        '',
        '',
        '',
        '',
        '',
      ]);
  }
  const table = formatTable(
    ['program', 'build (8 first-class ports)', 'wall (s)', 'cpu (s)', "others' cpu (s)", 'vs (a)', 'goal'],
    body,
  );
  const notes = [];
  for (const r of rows) {
    if (r.programNote) notes.push(`${r.program}: ${r.programNote}`);
    notes.push(
      `${r.program}: remote after (b): ${r.remote.objects} objects, ${r.remote.mib} MiB; (b) ${r.fill.cache?.text ?? 'no cache line'}; (c) ${r.fresh.cache?.text ?? 'no cache line'}`,
    );
    if (r.ratioVsGoreleaser !== null)
      notes.push(`${r.program}: fresh runner vs goreleaser cold: ${ratioText(r.ratioVsGoreleaser)}`);
    notes.push(
      r.identical
        ? `${r.program}: (a) and (c) binaries byte-identical (sha256 of the manifests)`
        : `WARNING ${r.program}: (a) and (c) binaries differ: ${r.differing.join(', ') || 'a target is missing'}`,
    );
    for (const w of [...(r.fill.warnings ?? []), ...(r.fresh.warnings ?? [])])
      notes.push(`${r.program}: crossgo said: ${w}`);
  }
  return `${table}\n\n${notes.join('\n')}\n${disturbed(
    rows.flatMap((r) => [r.cold, r.fill, r.fresh, r.goreleaser]),
    cores,
  )}`;
}

// ---------------------------------------------------------------------------------------------
// 2. N runners

async function shardsPart(scratch, nginx, opts, log) {
  const program = await prepareHello(scratch);
  const targets = opts.shardTargets;
  const rounds = [];
  let reference = null; // the N = 1 build: SHA256SUMS and each binary's sha256
  for (const total of opts.shardCounts) {
    const prefix = `shards-${total}`;
    for (const remote of opts.warmRemote ? ['cold', 'warm'] : ['cold']) {
      rounds.push(await shardRound({ scratch, nginx, program, targets, total, prefix, remote, log }));
      const last = rounds.at(-1);
      if (total === 1 && remote === 'cold') reference = last.merged;
      last.identicalToOneMachine =
        reference !== null &&
        last.merged.sums === reference.sums &&
        Object.entries(reference.files).every(([file, hash]) => last.merged.files[file] === hash);
      last.merged = { checked: last.merged.checked, files: Object.keys(last.merged.files).length };
    }
  }
  return { targets: targets.length, rounds };
}

async function shardRound({ scratch, nginx, program, targets, total, prefix, remote, log }) {
  const url = nginx.url(prefix);
  const round_ = await scratch.dir(`shards-${total}-${remote}`);
  const runners = [];
  for (let index = 1; index <= total; index++) {
    const runner = await freshRunnerEnv(scratch, `shard-${total}-${index}`);
    const src = path.join(runner.home, 'src');
    await copyProgram(program.dir, src);
    runners.push({ ...runner, index, src, out: path.join(round_, `shard-${index}`) });
  }
  log(`shards: N=${total}, ${remote} remote: ${total} concurrent crossgo build --shard I/${total}`);
  const all = await timed(() =>
    Promise.all(
      runners.map((r) =>
        crossgoBuild({
          src: r.src,
          out: r.out,
          targets,
          env: r.env,
          cache: url,
          shard: `${r.index}/${total}`,
          reportDir: r.home,
          label: `shard ${r.index}/${total}`,
        }),
      ),
    ),
  );
  const shards = all.value.map((s, i) => ({
    shard: `${i + 1}/${total}`,
    targets: s.artifacts,
    seconds: round(s.seconds, 2),
    cpuSeconds: s.cpuSeconds == null ? null : round(s.cpuSeconds, 1),
    cache: s.cacheLine,
  }));
  for (const s of shards)
    log(`  shard ${s.shard}: ${s.targets} targets, ${s.seconds} s, ${s.cpuSeconds} cpu-s`);
  const mergedDir = path.join(round_, 'merged');
  const env = inheritedEnv(scratch.root);
  const merge = await timed(() =>
    run(process.execPath, [CROSSGO_BIN, 'merge', ...runners.map((r) => r.out), '-o', mergedDir], {
      cwd: round_,
      env,
    }),
  );
  if (merge.value.code !== 0) throw new BenchError(`crossgo merge failed:\n${merge.value.stderr}`);
  log(`  merge: ${merge.seconds.toFixed(2)} s`);
  const check = await run('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: mergedDir, env });
  const sums = await readFile(path.join(mergedDir, 'SHA256SUMS'), 'utf8');
  const files = {};
  for (const line of sums.trim().split('\n')) {
    const name = line.replace(/^[0-9a-f]{64} [ *]/, '');
    files[name] = await sha256(path.join(mergedDir, name));
  }
  for (const r of runners) await rm(r.home, { recursive: true, force: true });
  await rm(round_, { recursive: true, force: true });
  const cpus = shards.map((s) => s.cpuSeconds);
  return {
    total,
    remote,
    shards,
    wallSeconds: round(all.seconds, 2),
    slowestShardSeconds: Math.max(...shards.map((s) => s.seconds)),
    mergeSeconds: round(merge.seconds, 2),
    totalCpuSeconds: cpus.includes(null)
      ? null
      : round(
          cpus.reduce((a, b) => a + b, 0),
          1,
        ),
    maxShardCpuSeconds: cpus.includes(null) ? null : Math.max(...cpus),
    otherCpuSeconds: all.otherCpuSeconds == null ? null : round(all.otherCpuSeconds, 1),
    remoteAfter: await storeSize(nginx, prefix),
    merged: { checked: check.code === 0, sums, files },
  };
}

function shardsText(result) {
  const body = [];
  for (const r of result.rounds) {
    for (const s of r.shards) {
      body.push([
        String(r.total),
        r.remote,
        s.shard,
        String(s.targets),
        s.seconds.toFixed(1),
        s.cpuSeconds == null ? '-' : s.cpuSeconds.toFixed(1),
        s.cache ? `${s.cache.remoteHits} remote, ${s.cache.misses} misses, ${s.cache.uploads} up` : '-',
      ]);
    }
  }
  const perShard = formatTable(
    ['N', 'remote', 'shard', 'targets', 'wall (s)', 'cpu (s)', 'cache (go requests)'],
    body,
  );
  const summaryTable = formatTable(
    [
      'N',
      'remote',
      'slowest shard (s)',
      'merge (s)',
      'total cpu (s)',
      'max shard cpu (s)',
      '~wall on 2-core runners (s)',
      "others' cpu (s)",
      'sha256sum -c',
      '= N=1 build',
    ],
    result.rounds.map((r) => [
      String(r.total),
      r.remote,
      r.slowestShardSeconds.toFixed(1),
      r.mergeSeconds.toFixed(2),
      r.totalCpuSeconds == null ? '-' : r.totalCpuSeconds.toFixed(1),
      r.maxShardCpuSeconds == null ? '-' : r.maxShardCpuSeconds.toFixed(1),
      r.maxShardCpuSeconds == null ? '-' : `${(r.maxShardCpuSeconds / 2).toFixed(1)} + merge`,
      r.otherCpuSeconds == null ? '-' : r.otherCpuSeconds.toFixed(1),
      r.merged.checked ? 'ok' : 'FAILED',
      r.identicalToOneMachine ? 'identical' : 'DIFFERENT',
    ]),
  );
  return [
    `${result.targets} targets, examples/hello; each shard a fresh runner (empty GOCACHE and XDG_CACHE_HOME) on one shared nginx remote`,
    perShard,
    '',
    summaryTable,
    '',
    `remote: cold = a new empty prefix (the first run of a commit), warm = the prefix its cold run filled.`,
    `The N shards run at once on this machine's ${os.availableParallelism()} cores: a shard's wall here is inflated by its`,
    "neighbours; its cpu seconds are its own. On one runner per shard, wall ~ cpu / the runner's cores",
    '(a cold go build keeps ~1.75 cores busy), plus the merge job.',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// 3. cache-prog's own cost per warm go build

async function overheadPart(scratch, nginx, opts, log) {
  const { startCacheService } = await import(pathToFileURL(path.join(REPO, 'dist/cache/service.js')).href);
  const { parseStoreUrl } = await import(pathToFileURL(path.join(REPO, 'dist/cache/storeUrl.js')).href);
  const { ensureRelay } = await import(pathToFileURL(path.join(REPO, 'dist/cache/relay.js')).href);
  const base = inheritedEnv(scratch.root);
  const goVersion = (await run('go', ['env', 'GOVERSION'], { env: base })).stdout.trim();
  const root = await scratch.dir('overhead');
  const src = path.join(root, 'src');
  await copyProgram(HELLO_DIR, src);
  const prefix = 'overhead';
  const url = nginx.url(prefix);
  const store = parseStoreUrl(url);
  if (typeof store === 'string') throw new BenchError(`parseStoreUrl(${url}): ${store}`);
  const quote = (word) => `'${word}'`;
  const folders = {};
  for (const name of ['plain', 'relay', 'relay-xdg', 'standalone', 'standalone-dir', 'out']) {
    folders[name] = path.join(root, name);
    await mkdir(folders[name]);
  }
  const standalone = [
    process.execPath,
    CROSSGO_BIN,
    'cache-prog',
    '--remote',
    url,
    '--dir',
    folders['standalone-dir'],
  ]
    .map(quote)
    .join(' ');
  const fallback = [process.execPath, CROSSGO_BIN, 'cache-prog', '--remote', url].map(quote).join(' ');
  const warnings = [];
  const startService = () =>
    startCacheService({
      store,
      readonly: false,
      go: 'go',
      goVersion,
      env: { ...base, GOCACHE: folders.relay, XDG_CACHE_HOME: folders['relay-xdg'] },
      fallback,
      warn: (line) => warnings.push(line),
    });

  // The ways, each with its own caches. The relay's service is started once per phase.
  let service = null;
  const ways = {
    plain: () => ({ GOCACHE: folders.plain }),
    relay: () => ({ GOCACHE: folders.relay, GOCACHEPROG: service.goCacheProg }),
    'cache-prog': () => ({ GOCACHE: folders.standalone, GOCACHEPROG: standalone }),
  };
  let n = 0;
  const goBuild = async (way, target) => {
    const [goos, goarch] = target.split('/');
    n += 1;
    const file = path.join(folders.out, `${way}-${goos}-${goarch}-${n}`);
    const env = { ...base, ...ways[way](), GOOS: goos, GOARCH: goarch, CGO_ENABLED: '0' };
    const t = await timed(() => run('go', ['build', '-trimpath', '-o', file, '.'], { cwd: src, env }));
    if (t.value.code !== 0) throw new BenchError(`go build (${way}, ${target}) failed:\n${t.value.stderr}`);
    await rm(file, { force: true });
    return t.seconds;
  };

  log("overhead: untimed warm-up builds (fill every way's caches, and the remote)");
  // Two cold fills (plain GOCACHE; the relay's local tier and the remote), then the stand-alone
  // cache-prog fills its own local tier from the remote, once the service has flushed its uploads.
  service = await startService();
  for (const way of ['plain', 'relay']) for (const target of FIRST_CLASS) await goBuild(way, target);
  const warmupStats = await service.close();
  for (const target of FIRST_CLASS) await goBuild('cache-prog', target);
  service = await startService();
  const samples = Object.fromEntries(
    FIRST_CLASS.map((t) => [t, Object.fromEntries(Object.keys(ways).map((w) => [w, []]))]),
  );
  for (let i = 0; i < opts.runs; i++) {
    log(`overhead: warm go build, run ${i + 1}/${opts.runs} of each port and way`);
    for (const target of FIRST_CLASS) {
      const order = Object.keys(ways);
      if (i % 2 === 1) order.reverse();
      for (const way of order) samples[target][way].push(await goBuild(way, target));
    }
  }
  const timedStats = await service.close();
  service = null;
  const perPort = FIRST_CLASS.map((target) => {
    const m = Object.fromEntries(Object.entries(samples[target]).map(([w, s]) => [w, median(s)]));
    return {
      target,
      plain: round(m.plain, 3),
      relay: round(m.relay, 3),
      cacheProg: round(m['cache-prog'], 3),
      relayRatio: round(m.relay / m.plain, 3),
      cacheProgRatio: round(m['cache-prog'] / m.plain, 3),
    };
  });
  const sum = (key) => perPort.reduce((a, p) => a + p[key], 0);
  const total = {
    plain: round(sum('plain'), 3),
    relay: round(sum('relay'), 3),
    cacheProg: round(sum('cacheProg'), 3),
  };
  total.relayRatio = round(total.relay / total.plain, 3);
  total.cacheProgRatio = round(total.cacheProg / total.plain, 3);

  // crossgo build --force of the 8 ports, warm, without and with --cache: the caches the go
  // builds above filled (plain GOCACHE; the relay's local tier, on the same remote prefix), a new
  // link cache (filled by the first, untimed build).
  const force = {};
  for (const [label, cache, caches] of [
    ['no --cache', null, { GOCACHE: folders.plain }],
    ['--cache', url, { GOCACHE: folders.relay, XDG_CACHE_HOME: folders['relay-xdg'] }],
  ]) {
    const home = await scratch.dir(`force-${cache ? 'cache' : 'plain'}`);
    const forceSrc = path.join(home, 'src');
    await copyProgram(HELLO_DIR, forceSrc);
    const env = { ...base, XDG_CACHE_HOME: path.join(home, 'xdg'), ...caches };
    const build = () =>
      crossgoBuild({
        src: forceSrc,
        out: path.join(home, 'out'),
        targets: FIRST_CLASS,
        env,
        cache,
        force: true,
        reportDir: home,
        label: `--force ${label}`,
      });
    log(`overhead: crossgo build --force ${label}: two untimed builds (links, link cache), then 3 timed`);
    await build();
    await build();
    const runs = [];
    let last = null;
    for (let i = 0; i < 3; i++) {
      last = await build();
      runs.push(last.seconds);
    }
    force[label] = {
      seconds: round(median(runs), 3),
      samples: runs.map((s) => round(s, 3)),
      cache: last.cacheLine,
    };
    await rm(home, { recursive: true, force: true });
  }
  const forceRatio = round(force['--cache'].seconds / force['no --cache'].seconds, 3);

  // The relay's one-time build.
  const relayBuilds = [];
  const relayCases = [
    ['empty XDG_CACHE_HOME, warm GOCACHE', () => ({ GOCACHE: folders.plain })],
    ['empty XDG_CACHE_HOME, empty GOCACHE', async () => ({ GOCACHE: await scratch.dir('relay-gocache') })],
    [
      'empty XDG_CACHE_HOME, empty GOCACHE, go served by the stand-alone cache-prog (warm remote)',
      async () => ({
        GOCACHE: await scratch.dir('relay-gocache'),
        GOCACHEPROG: [
          process.execPath,
          CROSSGO_BIN,
          'cache-prog',
          '--remote',
          url,
          '--dir',
          path.join(await scratch.dir('relay-local'), 'gocache'),
        ]
          .map(quote)
          .join(' '),
      }),
    ],
  ];
  for (const [what, envOf] of relayCases) {
    const xdg = await scratch.dir('relay-xdg');
    const env = { ...base, ...(await envOf()), XDG_CACHE_HOME: xdg };
    log(`overhead: relay build, ${what}`);
    const t = await timed(() =>
      ensureRelay({ go: 'go', goVersion, cacheHome: path.join(xdg, 'crossgo'), env }),
    );
    relayBuilds.push({
      what,
      seconds: round(t.seconds, 2),
      cpuSeconds: t.cpuSeconds == null ? null : round(t.cpuSeconds, 1),
    });
  }
  await rm(root, { recursive: true, force: true });
  return {
    runs: opts.runs,
    perPort,
    total,
    goal: GOALS.overhead,
    relayMet: total.relayRatio <= GOALS.overhead,
    cacheProgMet: total.cacheProgRatio <= GOALS.overhead,
    serviceStats: { warmup: warmupStats, timed: timedStats },
    warnings: [...new Set(warnings)].slice(0, 5),
    force: { ...force, ratio: forceRatio },
    relayBuilds,
  };
}

function overheadText(o) {
  const goal = (ratio) => `<=${o.goal.toFixed(2)}x ${ratio <= o.goal ? 'ok' : 'MISSED'}`;
  const table = formatTable(
    [
      'port',
      'plain GOCACHE (s)',
      'relay (s)',
      'relay ratio',
      'goal',
      'cache-prog (s)',
      'cache-prog ratio',
      'goal',
    ],
    [...o.perPort, { target: 'all 8 (sum of medians)', ...o.total }].map((p) => [
      p.target,
      p.plain.toFixed(3),
      p.relay.toFixed(3),
      ratioText(p.relayRatio),
      goal(p.relayRatio),
      p.cacheProg.toFixed(3),
      ratioText(p.cacheProgRatio),
      goal(p.cacheProgRatio),
    ]),
  );
  const t = o.serviceStats.timed;
  const forceTable = formatTable(
    ['crossgo build --force, 8 ports, warm', 'wall (s, median of 3)', 'samples', 'ratio', 'cache line'],
    [
      ['no --cache', o.force['no --cache'], ''],
      ['--cache (nginx, all local)', o.force['--cache'], ratioText(o.force.ratio)],
    ].map(([label, f, ratio]) => [
      label,
      f.seconds.toFixed(2),
      f.samples.map((s) => s.toFixed(2)).join(' '),
      ratio,
      f.cache?.text ?? '',
    ]),
  );
  const relayTable = formatTable(
    ['relay one-time build (ensureRelay)', 'wall (s)', 'cpu (s)'],
    o.relayBuilds.map((r) => [
      r.what,
      r.seconds.toFixed(2),
      r.cpuSeconds == null ? '-' : r.cpuSeconds.toFixed(1),
    ]),
  );
  return [
    `warm go build -trimpath -o <new file> . of examples/hello, median of ${o.runs} per port and way`,
    table,
    '',
    'relay = GOCACHEPROG crossgo-cache-relay, served by the in-process cache service (crossgo build --cache);',
    "cache-prog = GOCACHEPROG 'node' 'bin/crossgo.js' 'cache-prog' '--remote' URL '--dir' DIR (go starts one per go command)",
    `service during the timed builds: ${t.gets} gets, ${t.localHits} local, ${t.remoteHits} remote hits, ${t.misses} misses, ${t.puts} puts, ${t.uploads} uploads`,
    ...o.warnings.map((w) => `the service warned: ${w}`),
    '',
    forceTable,
    "crossgo's link cache seeds each output with last run's binary, so go checks the build ID instead of linking:",
    'a warm --force is mostly go starting and asking its cache, which is what --cache serves.',
    '',
    relayTable,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Machine facts and output

function ratioText(ratio) {
  return `${ratio.toFixed(2)}x`;
}

/** A warning when other processes used more than a tenth of the cores during a measurement. */
function disturbed(measurements, cores) {
  const bad = measurements.filter(
    (m) => m?.otherCpuSeconds != null && m.otherCpuSeconds > 0.1 * cores * m.seconds,
  );
  const legend = "others' cpu = CPU seconds other processes used on this machine during the measurement";
  return bad.length === 0
    ? legend
    : `${legend}\nWARNING: other processes used over 10% of the cores during ${bad.length} measurement(s) (re-run on a quiet machine)`;
}

async function machineFacts() {
  const go = await run('go', ['version'], { env: process.env });
  const goflags = await run('go', ['env', 'GOFLAGS'], { env: process.env });
  const nginx = await run(NGINX_BIN, ['-v'], { env: process.env }).catch(() => ({ stderr: 'not found' }));
  const cores = os.availableParallelism();
  return {
    go: go.stdout.trim(),
    goflags: goflags.stdout.trim(),
    node: process.version,
    nginx: nginx.stderr.trim().replace(/^nginx version: /, ''),
    cores,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    freeMemoryGiB: round(os.freemem() / 1024 ** 3, 1),
    loadAverage: os.loadavg().map((l) => round(l, 2)),
    busyCoresAtStart: await busyCores(),
  };
}

async function busyCores() {
  const before = machineBusySeconds();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = machineBusySeconds();
  return before === null || after === null ? null : round(after - before, 2);
}

function factsText(facts, opts) {
  const lines = [
    `go:      ${facts.go}${facts.goflags ? ` (GOFLAGS=${facts.goflags})` : ''}`,
    `node:    ${facts.node}`,
    `nginx:   ${facts.nginx} (the remote, on 127.0.0.1)`,
    `cores:   ${facts.cores} (${facts.cpu})`,
    `memory:  ${facts.totalMemoryGiB} GiB total, ${facts.freeMemoryGiB} GiB free`,
    `load:    ${facts.loadAverage.join(' ')} (1, 5, 15 min)`,
  ];
  if (facts.busyCoresAtStart !== null) {
    lines.push(
      `busy:    ${facts.busyCoresAtStart} of ${facts.cores} cores used by other processes (1 s sample)`,
    );
    if (facts.busyCoresAtStart > 0.1 * facts.cores)
      lines.push('warning: the machine is busy before the start: timings will be noisy');
  }
  lines.push(
    `parts:   ${opts.parts.join(', ')}; fresh on hello${opts.heavy ? ' and gin+cobra' : ''}; shards of ${opts.shardTargets.length} targets at N = ${opts.shardCounts.join(', ')}${opts.warmRemote ? ' (cold and warm remote)' : ' (cold remote)'}; overhead median of ${opts.runs}`,
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(argv) {
  const opts = parseOptions(argv);
  if (opts.help) {
    const source = await readFile(fileURLToPath(import.meta.url), 'utf8');
    process.stdout.write(
      source.slice(source.indexOf('/**') + 4, source.indexOf('*/')).replace(/^ \* ?/gm, ''),
    );
    return 0;
  }
  for (const file of ['dist/cli/main.js', 'dist/cache/service.js']) {
    if (!existsSync(path.join(REPO, file)))
      throw new BenchError('crossgo is not built: run `npm run build` first (or `npm run bench:cache`)');
  }
  const log = (text) => process.stderr.write(`${text}\n`);
  const print = opts.json ? log : (text) => process.stdout.write(`${text}\n`);
  const started = performance.now();
  const facts = await machineFacts();
  print(`crossgo remote build cache benchmark (${new Date().toISOString()})\n${factsText(facts, opts)}`);

  const scratch = await Scratch.create();
  activeScratch = { scratch, keep: opts.keep };
  const results = {};
  let nginx = null;
  try {
    nginx = await startNginx(await scratch.dir('nginx'));
    log(`nginx WebDAV store on ${nginx.url('')}`);
    const { parseStoreUrl } = await import(pathToFileURL(path.join(REPO, 'dist/cache/storeUrl.js')).href);
    const s3 = parseStoreUrl(
      's3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=true',
    );
    results.s3 =
      typeof s3 === 'string'
        ? `not measured: this crossgo refuses s3:// (${s3})`
        : 'not measured: this benchmark has no S3 (versitygw) part yet';
    if (opts.parts.includes('fresh')) {
      const programs = [await prepareHello(scratch)];
      if (opts.heavy) programs.push(await prepareHeavy(scratch, log));
      results.fresh = await freshPart(scratch, nginx, programs, log);
      if (!opts.json) print(`\n== fresh runner ==\n${freshText(results.fresh, facts.cores)}`);
    }
    if (opts.parts.includes('shards')) {
      results.shards = await shardsPart(scratch, nginx, opts, log);
      if (!opts.json) print(`\n== N runners (shards) ==\n${shardsText(results.shards)}`);
    }
    if (opts.parts.includes('overhead')) {
      results.overhead = await overheadPart(scratch, nginx, opts, log);
      if (!opts.json)
        print(`\n== cache-prog's own cost per warm go build ==\n${overheadText(results.overhead)}`);
    }
  } finally {
    await nginx?.stop();
  }
  const elapsed = (performance.now() - started) / 1000;
  const loadAfter = os.loadavg().map((l) => round(l, 2));
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          mode: 'cache',
          machine: { ...facts, loadAverageAfter: loadAfter },
          goals: GOALS,
          options: opts,
          results,
          elapsedSeconds: round(elapsed, 1),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    print(`\nS3: ${results.s3}`);
    print(`benchmark took ${(elapsed / 60).toFixed(1)} min; load at the end ${loadAfter.join(' ')}`);
  }
  await cleanUp();
  return 0;
}

let activeScratch = null;

async function cleanUp() {
  if (!activeScratch) return;
  const { scratch, keep } = activeScratch;
  activeScratch = null;
  if (keep) process.stderr.write(`kept temporary folders in ${scratch.root}\n`);
  else await rm(scratch.root, { recursive: true, force: true });
}

/** The last resort for every way out (signal, crash): stop nginx, delete the folders synchronously. */
function cleanUpNow() {
  if (activeNginx && activeNginx.child.exitCode === null) activeNginx.child.kill('SIGTERM');
  activeNginx = null;
  if (activeScratch && !activeScratch.keep)
    rmSync(activeScratch.scratch.root, { recursive: true, force: true });
  activeScratch = null;
}

/** On Ctrl-C, let the builds in flight stop before deleting the folders they write into. */
function onSignal(signal) {
  const exit = () => {
    cleanUpNow();
    process.exit(128 + (os.constants.signals[signal] ?? 1));
  };
  stopChildren(signal, exit);
}
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
process.once('exit', cleanUpNow);
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  activeNginx?.child.kill('SIGTERM');
  await cleanUp();
  process.stderr.write(`${error instanceof BenchError ? error.message : (error?.stack ?? error)}\n`);
  process.exitCode = error instanceof BenchError ? error.exitCode : 1;
}
