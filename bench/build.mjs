#!/usr/bin/env node
/**
 * crossgo's build benchmark: is `crossgo build` faster than the plain sequential loop
 *
 *   for t in …; do GOOS=… GOARCH=… go build …; done
 *
 * on the same program, with the same flags, in the same run?
 *
 * Run it with `npm run bench` (which runs `npm run build --silent && node bench/build.mjs`),
 * or `node bench/build.mjs [options]` after a build. With no option it compares hello on both target
 * sets, cold and warm: about 4 minutes on 2 cores. Options:
 *
 *   --quick               default targets only, hello only (about 1 minute on 2 cores)
 *   --workload W          hello | http | all (default: hello). http is a generated module that imports
 *                         net/http, encoding/json, crypto/tls and text/template: about 3x hello's cold
 *                         cost, so it is not in the default run (that would take ~6.5 instead of ~4 min)
 *   --program DIR         benchmark the Go module in DIR instead of examples/hello
 *   --targets SETS        default,first-class (comma list; default: both)
 *   --cache C             cold | warm | both (default: both)
 *   --runs N              repetitions of every measurement (default: 1 cold, 3 warm; the median counts)
 *   --cold-runs N, --warm-runs N
 *   --jobs N              pass -j N to crossgo (default: crossgo's own default)
 *   --jobs-sweep          time crossgo cold and warm with -j 1,2,3,4 (or --jobs LIST) on the 8
 *                         first-class ports, next to the loop: the figures for choosing the default -j
 *                         (about 6 minutes on 2 cores)
 *   --json                print the results as JSON on stdout (progress still goes to stderr)
 *   --keep                keep the temporary folders (their path is printed)
 *   --no-link-cache       run crossgo with --no-link-cache
 *   --rebuild             the edit-build loop table instead (issue 13; about 3 min on 2 cores):
 *                         start-up (`crossgo --version` against `node -e 0`), an unchanged rebuild
 *                         and a rebuild after touching one .go file on each target set (median of
 *                         --warm-runs, default 5), cold on the default targets against the physical
 *                         limit (the loop's CPU seconds / cores), and crossgo's own peak RSS
 *                         building 20 targets (with the GOCACHE the caller has, so it costs a cold
 *                         compile only for ports that cache lacks)
 *
 * What is measured:
 * - Targets: default(3) = linux/amd64,darwin/arm64,windows/386 (crossgo's default) and
 *   first-class(8) = the first-class ports of `go tool dist list -json` (the same list since Go 1.21).
 * - Both sides build with CGO_ENABLED=0, -trimpath and
 *   -ldflags "-s -w -X main.version=dev -X main.commit=none -X main.date=unknown" (crossgo's flags
 *   outside git), so they must produce byte-identical binaries; the benchmark checks that.
 * - Cold: each side gets its own brand-new empty GOCACHE. Nothing of the standard library is
 *   compiled yet, so this is dominated by compiling std once per target.
 * - Warm: each side reuses the cache its own cold build filled, runs one untimed warm-up build,
 *   then is timed building into a new empty output folder: go skips the link when the output file
 *   already carries the right build ID, so the loop links every target. crossgo seeds its
 *   temporary output from its link cache (CROSSGO_CACHE, kept beside each GOCACHE here, so it is
 *   empty when cold and filled by the warm-up): go then checks instead of linking. That is a real
 *   advantage of the tool; --no-link-cache measures crossgo without it.
 * - Every measurement builds a fresh copy of the program in its own temporary folder. The loop and
 *   crossgo alternate which goes first. Wall time includes starting crossgo (node) and its
 *   preparation (go env, go list, go mod download), because a user pays for them too.
 * - Goals from the issue: cold <= 0.85x the loop, warm <= 1.0x.
 *
 * The exit code is 0 whatever the timings (this is a benchmark, not a test), 1 when a build fails
 * (crossgo's stderr is printed) and 2 on a bad option. Timings are wall clock: on a shared machine,
 * check the "busy" line at the top and the "others' cpu" column (CPU time other processes took
 * during each measurement) before trusting a difference of a few percent.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
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

const { usage, count, chooseList } = optionErrors('bench/build.mjs');

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CROSSGO_BIN = path.join(REPO, 'bin', 'crossgo.js');
const HELLO_DIR = path.join(REPO, 'examples', 'hello');

const TARGET_SETS = {
  default: ['linux/amd64', 'darwin/arm64', 'windows/386'],
  'first-class': [
    'darwin/amd64',
    'darwin/arm64',
    'linux/386',
    'linux/amd64',
    'linux/arm',
    'linux/arm64',
    'windows/386',
    'windows/amd64',
  ],
};
const GOALS = { cold: 0.85, warm: 1.0 };
// What crossgo passes outside a git repository (version "dev", commit "none", date "unknown").
const LDFLAGS = '-s -w -X main.version=dev -X main.commit=none -X main.date=unknown';
// Variables crossgo sets per target and strips from the inherited environment; the loop does the
// same so that a GOAMD64 or GOARM in the caller's shell cannot make the two sides build differently.
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
];
// Rough single-target cold cost in CPU-seconds, measured on the 2-core reference machine: only
// for the up-front estimate of how long a run takes.
const COLD_CPU_SECONDS = { hello: 14, http: 42 };
const MEMORY_PER_BUILD = 600 * 1024 * 1024; // crossgo's src/stages/build/jobs.ts

/** The generated `http` workload: enough of std (net, crypto, reflection-heavy packages) to matter. */
const HTTP_MAIN = `// Command httpdemo is crossgo's benchmark workload: a small HTTPS JSON server.
package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"text/template"
)

var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	info := map[string]string{"version": version, "commit": commit, "date": date}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(info)
	})
	srv := &http.Server{Addr: ":8443", Handler: mux, TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
	tmpl := template.Must(template.New("banner").Parse("httpdemo {{.version}} ({{.commit}}, {{.date}})\\n"))
	_ = tmpl.Execute(os.Stdout, info)
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		fmt.Println(srv.ListenAndServeTLS("cert.pem", "key.pem"))
	}
}
`;

// ---------------------------------------------------------------------------------------------
// Options

/** The command line, checked: every mistake is a UsageError naming the flag. */
function parseOptions(argv) {
  return optionsFrom(parseFlags(argv));
}

function parseFlags(argv) {
  try {
    return parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        workload: { type: 'string' },
        program: { type: 'string' },
        targets: { type: 'string' },
        cache: { type: 'string', default: 'both' },
        runs: { type: 'string' },
        'cold-runs': { type: 'string' },
        'warm-runs': { type: 'string' },
        jobs: { type: 'string' },
        'jobs-sweep': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        'no-link-cache': { type: 'boolean', default: false },
        rebuild: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    // parseArgs throws TypeErrors with a code; show the message, not a stack.
    return usage(error.message);
  }
}

function optionsFrom(values) {
  const sweep = values['jobs-sweep'];
  const workloads = values.quick ? ['hello'] : choose('--workload', values.workload ?? 'hello', WORKLOADS);
  const defaultSets = sweep ? 'first-class' : values.quick ? 'default' : 'default,first-class';
  const sets = chooseList('--targets', values.targets ?? defaultSets, Object.keys(TARGET_SETS));
  const cache = choose('--cache', values.cache, { cold: ['cold'], warm: ['warm'], both: ['cold', 'warm'] });
  const runs = values.runs === undefined ? undefined : count('--runs', values.runs);
  const jobsList =
    values.jobs === undefined ? undefined : values.jobs.split(',').map((j) => count('--jobs', j));
  if (!sweep && jobsList && jobsList.length > 1)
    usage('--jobs takes one number (a list only with --jobs-sweep)');
  return {
    help: values.help,
    sweep,
    rebuild: values.rebuild,
    json: values.json,
    keep: values.keep,
    linkCache: !values['no-link-cache'],
    program: values.program === undefined ? undefined : path.resolve(values.program),
    workloads,
    sets,
    caches: cache,
    coldRuns: values['cold-runs'] ? count('--cold-runs', values['cold-runs']) : (runs ?? 1),
    warmRuns: values['warm-runs']
      ? count('--warm-runs', values['warm-runs'])
      : (runs ?? (values.rebuild ? 5 : 3)),
    jobs: sweep ? (jobsList ?? [1, 2, 3, 4]) : jobsList?.[0],
  };
}

const WORKLOADS = { hello: ['hello'], http: ['http'], all: ['hello', 'http'] };

function choose(flag, value, table) {
  if (!Object.hasOwn(table, value)) usage(`${flag} ${value}: expected ${Object.keys(table).join(' | ')}`);
  return table[value];
}

// ---------------------------------------------------------------------------------------------
// Processes

/** The inherited environment without what either side must decide for itself. */
function inheritedEnv(benchRoot) {
  const env = { ...process.env };
  for (const key of CONTROLLED_ENV) delete env[key];
  // crossgo would put a SOURCE_DATE_EPOCH into main.date, and a git repository above the temporary
  // folder into version and commit: either would make its flags differ from the loop's.
  delete env.SOURCE_DATE_EPOCH;
  env.GIT_CEILING_DIRECTORIES = benchRoot;
  return env;
}

// ---------------------------------------------------------------------------------------------
// The two tools

function outputName(name, target) {
  const [goos, goarch] = target.split('/');
  const ext = goos === 'windows' ? '.exe' : goarch === 'wasm' ? '.wasm' : '';
  return `${name}-${goos}-${goarch}${ext}`;
}

/** The sequential loop of the issue, with crossgo's flags. Returns the files it wrote. */
async function buildWithLoop({ src, out, targets, name, env }) {
  await mkdir(out, { recursive: true });
  const files = [];
  for (const target of targets) {
    const [goos, goarch] = target.split('/');
    const file = path.join(out, outputName(name, target));
    const args = ['build', '-trimpath', `-ldflags=${LDFLAGS}`, '-o', file, '.'];
    const result = await run('go', args, {
      cwd: src,
      env: { ...env, CGO_ENABLED: '0', GOOS: goos, GOARCH: goarch },
    });
    if (result.code !== 0) {
      throw new BenchError(`go build for ${target} failed in the loop:\n${result.stderr || result.stdout}`);
    }
    files.push(file);
  }
  return { files, hashes: null, perTargetMs: null };
}

/** One `crossgo build` invocation, as a user would type it. Returns sha256 by output file name (from its manifest). */
async function buildWithCrossgo({ src, out, targets, env, jobs, linkCache }) {
  const args = [CROSSGO_BIN, '-C', src, 'build', '-t', targets.join(','), '-o', out, '--json'];
  if (!linkCache) args.push('--no-link-cache');
  if (jobs !== undefined) args.push('-j', String(jobs));
  const result = await run(process.execPath, args, { cwd: src, env });
  lastCrossgoStderr = result.stderr;
  if (result.code !== 0) {
    throw new BenchError(
      `crossgo failed (exit ${result.code ?? result.signal}):\n${result.stderr || result.stdout}`,
    );
  }
  const manifest = JSON.parse(result.stdout);
  if (manifest.artifacts.length !== targets.length) {
    throw new BenchError(`crossgo built ${manifest.artifacts.length} of ${targets.length} targets`);
  }
  const { version, commit, date } = manifest.source;
  if (version !== 'dev' || commit !== 'none' || date !== 'unknown') {
    throw new BenchError(`crossgo injected ${version}/${commit}/${date}, not dev/none/unknown like the loop`);
  }
  const hashes = {};
  const perTargetMs = {};
  for (const artifact of manifest.artifacts) {
    hashes[artifact.path] = artifact.sha256;
    perTargetMs[artifact.target] = artifact.durationMs;
  }
  return { files: null, hashes, perTargetMs };
}

/** The progress lines of the last crossgo run ("unchanged linux/amd64: …"), for the rebuild mode. */
let lastCrossgoStderr = '';

/** sha256 by file name: for the loop, computed after its clock stopped (crossgo hashes as part of its job). */
async function hashFiles(files) {
  const hashes = {};
  for (const file of files) hashes[path.basename(file)] = await sha256(file);
  return hashes;
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** Temporary folders of this run, all under one root so that cleaning up is one rm. */
class Scratch {
  constructor(root) {
    this.root = root;
  }
  static async create() {
    return new Scratch(await mkdtemp(path.join(os.tmpdir(), 'crossgo-bench-')));
  }
  dir(prefix) {
    return mkdtemp(path.join(this.root, `${prefix}-`));
  }
  /** A brand-new, empty GOCACHE. */
  cache() {
    return this.dir('gocache');
  }
}

/**
 * Builds `program` for `targets` with one tool into a fresh copy and a new empty output folder.
 * The copy happens before the clock starts; the folder is deleted after.
 */
async function timeBuild(scratch, { tool, program, targets, cache, jobs, linkCache = true }) {
  const dir = await scratch.dir(tool);
  const src = path.join(dir, 'src');
  const out = path.join(dir, 'out');
  await copyProgram(program.dir, src);
  // crossgo's link cache lives and dies with the GOCACHE it goes with: empty when cold,
  // filled by the warm-up build when warm.
  const env = { ...inheritedEnv(scratch.root), GOCACHE: cache, CROSSGO_CACHE: `${cache}-links` };
  const cpuBefore = childCpuSeconds();
  const ownBefore = ownCpuSeconds();
  const busyBefore = machineBusySeconds();
  const started = performance.now();
  const built =
    tool === 'loop'
      ? await buildWithLoop({ src, out, targets, name: program.name, env })
      : await buildWithCrossgo({ src, out, targets, env, jobs, linkCache });
  const seconds = (performance.now() - started) / 1000;
  const busyAfter = machineBusySeconds();
  const cpuAfter = childCpuSeconds();
  const ownAfter = ownCpuSeconds();
  const hashes = built.hashes ?? (await hashFiles(built.files));
  await rm(dir, { recursive: true, force: true });
  const cpuSeconds = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  const busy = busyBefore === null || busyAfter === null ? null : busyAfter - busyBefore;
  return {
    seconds,
    cpuSeconds,
    otherCpuSeconds:
      busy === null || cpuSeconds === null ? null : Math.max(0, busy - cpuSeconds - (ownAfter - ownBefore)),
    hashes,
    perTargetMs: built.perTargetMs,
  };
}

/** Copies a module without its VCS data (crossgo must fall back to dev/none/unknown) or old dist/. */
async function copyProgram(from, to) {
  await cp(from, to, {
    recursive: true,
    filter: (file) => {
      const rel = path.relative(from, file);
      return rel !== '.git' && rel !== 'dist';
    },
  });
}

/** Alternates which side goes first across the whole run, so neither always profits from a warmer machine. */
let turn = 0;
function order(sides) {
  turn += 1;
  return turn % 2 === 1 ? [...sides] : [...sides].reverse();
}

/**
 * Measures several sides (the loop, crossgo with some -j) on one program and target set: cold
 * first, each with its own empty cache; then warm, each reusing the cache its cold build filled.
 * Returns, per side, the cold and warm samples.
 */
async function measureSides(scratch, { sides, program, targets, caches, coldRuns, warmRuns, label, log }) {
  const results = Object.fromEntries(sides.map((side) => [side.key, { cold: [], warm: [] }]));
  const filled = new Map();
  const step = (side, what) => log(`${label}: ${what} ${side.label}`);
  try {
    if (caches.includes('cold')) {
      for (let i = 0; i < coldRuns; i++) {
        for (const side of order(sides)) {
          const cache = await scratch.cache();
          step(side, `cold run ${i + 1}/${coldRuns}`);
          const sample = await timeBuild(scratch, { ...side, program, targets, cache });
          results[side.key].cold.push(sample);
          log(`  ${sample.seconds.toFixed(1)} s`);
          // Keep only the newest cold cache of each side: it becomes that side's warm cache.
          if (filled.has(side.key)) await rm(filled.get(side.key), { recursive: true, force: true });
          filled.set(side.key, cache);
        }
      }
    }
    if (caches.includes('warm')) {
      for (const side of sides) {
        if (!filled.has(side.key)) {
          // No cold build ran (--cache warm): fill a cache with an untimed build first.
          const cache = await scratch.cache();
          step(side, 'filling a cache for');
          await timeBuild(scratch, { ...side, program, targets, cache });
          filled.set(side.key, cache);
        }
        step(side, 'untimed warm-up of');
        await timeBuild(scratch, { ...side, program, targets, cache: filled.get(side.key) });
      }
      for (let i = 0; i < warmRuns; i++) {
        for (const side of order(sides)) {
          step(side, `warm run ${i + 1}/${warmRuns}`);
          const sample = await timeBuild(scratch, { ...side, program, targets, cache: filled.get(side.key) });
          results[side.key].warm.push(sample);
          log(`  ${sample.seconds.toFixed(2)} s`);
        }
      }
    }
  } finally {
    for (const cache of filled.values()) await rm(cache, { recursive: true, force: true });
  }
  return results;
}

/** Every sample must hold the same bytes per file: the same flags give the same binaries. */
function checkIdentical(results) {
  const samples = Object.values(results).flatMap((r) => [...r.cold, ...r.warm]);
  const reference = samples[0]?.hashes ?? {};
  const differing = new Set();
  for (const sample of samples) {
    for (const [file, hash] of Object.entries(sample.hashes)) {
      if (reference[file] !== hash) differing.add(file);
    }
  }
  return [...differing];
}

function summarize(samples) {
  if (samples.length === 0) return null;
  const medianOf = (key) => {
    const values = samples.map((s) => s[key]);
    return values.includes(null) ? null : median(values);
  };
  return {
    seconds: median(samples.map((s) => s.seconds)),
    cpuSeconds: medianOf('cpuSeconds'),
    otherCpuSeconds: medianOf('otherCpuSeconds'),
    samples: samples.map((s) => ({
      seconds: round(s.seconds, 3),
      cpuSeconds: s.cpuSeconds === null ? null : round(s.cpuSeconds, 2),
      otherCpuSeconds: s.otherCpuSeconds === null ? null : round(s.otherCpuSeconds, 2),
      perTargetMs: s.perTargetMs ?? undefined,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Programs

/** Resolves a workload to a module folder and the binary name go build would give it. */
async function prepareProgram(scratch, workload, programDir) {
  let dir;
  let label = workload;
  if (workload === 'http') {
    dir = path.join(await scratch.dir('program-http'), 'httpdemo');
    await mkdir(dir);
    await writeFile(path.join(dir, 'go.mod'), 'module example.com/httpdemo\n\ngo 1.21\n');
    await writeFile(path.join(dir, 'main.go'), HTTP_MAIN);
  } else {
    dir = programDir ?? HELLO_DIR;
    if (programDir) label = path.basename(programDir);
  }
  if (!existsSync(path.join(dir, 'go.mod'))) throw new BenchError(`${dir} has no go.mod: not a Go module`);
  const env = inheritedEnv(scratch.root);
  const listed = await run('go', ['list', '-f', '{{.Name}} {{.ImportPath}}', '.'], { cwd: dir, env });
  const [pkgName, importPath] = listed.stdout.trim().split(' ');
  if (listed.code !== 0 || pkgName !== 'main') {
    throw new BenchError(`${dir}: not a main package (${listed.stderr.trim() || pkgName})`);
  }
  // Download dependencies once, untimed: GOMODCACHE stays the user's, so neither side pays for it.
  const download = await run('go', ['mod', 'download'], { cwd: dir, env });
  if (download.code !== 0) throw new BenchError(`go mod download in ${dir} failed:\n${download.stderr}`);
  return { workload, label, dir, name: executableName(importPath) };
}

/** cmd/go's default executable name: the last import path element, skipping a /vN suffix. */
function executableName(importPath) {
  const parts = importPath.split('/');
  const last = parts.at(-1);
  return parts.length > 1 && /^v\d+$/.test(last) && last !== 'v0' && last !== 'v1' ? parts.at(-2) : last;
}

// ---------------------------------------------------------------------------------------------
// Machine facts and output

async function machineFacts() {
  const go = await run('go', ['version'], { env: process.env });
  const goflags = await run('go', ['env', 'GOFLAGS'], { env: process.env });
  const cores = os.availableParallelism();
  return {
    go: go.stdout.trim(),
    goflags: goflags.stdout.trim(),
    node: process.version,
    cores,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    freeMemoryGiB: round(os.freemem() / 1024 ** 3, 1),
    loadAverage: os.loadavg().map((l) => round(l, 2)),
    busyCoresAtStart: await busyCores(),
  };
}

/**
 * How many cores other processes keep busy, sampled over one second. The load average cannot
 * tell: a go build alone runs more threads than cores, so it stays high after our own builds.
 */
async function busyCores() {
  const before = machineBusySeconds();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = machineBusySeconds();
  return before === null || after === null ? null : round(after - before, 2);
}

/** The -j crossgo picks when none is given (src/stages/build/jobs.ts), to label it in the tables. */
function crossgoDefaultJobs(targetCount) {
  const byMemory = Math.max(1, Math.floor(os.freemem() / MEMORY_PER_BUILD));
  return Math.max(1, Math.min(targetCount, os.availableParallelism() + 1, byMemory));
}

function factsText(facts, opts) {
  const lines = [
    `go:      ${facts.go}${facts.goflags ? ` (GOFLAGS=${facts.goflags}, inherited by both sides)` : ''}`,
    `node:    ${facts.node}`,
    `cores:   ${facts.cores} (${facts.cpu})`,
    `memory:  ${facts.totalMemoryGiB} GiB total, ${facts.freeMemoryGiB} GiB free`,
    `load:    ${facts.loadAverage.join(' ')} (1, 5, 15 min)`,
  ];
  if (facts.busyCoresAtStart !== null) {
    lines.push(
      `busy:    ${facts.busyCoresAtStart} of ${facts.cores} cores used by other processes (1 s sample)`,
    );
    if (facts.busyCoresAtStart > 0.1 * facts.cores) {
      lines.push('warning: the machine is busy before the start: timings will be noisy');
    }
  }
  const jobs = opts.sweep
    ? `crossgo -j ${opts.jobs.join(', ')}`
    : opts.jobs
      ? `crossgo -j ${opts.jobs}`
      : `crossgo default -j (${opts.sets.map((s) => `${crossgoDefaultJobs(TARGET_SETS[s].length)} for ${setLabel(s)}`).join(', ')})`;
  lines.push(`runs:    cold ${opts.coldRuns}, warm ${opts.warmRuns} (median); ${jobs}`);
  return lines.join('\n');
}

function setLabel(set) {
  return `${set}(${TARGET_SETS[set].length})`;
}

/** Seconds a run will roughly take, from the reference machine's per-target cold cost. */
function estimateSeconds(opts, cores) {
  const sides = opts.sweep ? opts.jobs.length + 1 : 2;
  let cpu = 0;
  for (const workload of opts.workloads) {
    for (const set of opts.sets) {
      const perTarget = COLD_CPU_SECONDS[workload] ?? COLD_CPU_SECONDS.hello;
      const builds = opts.caches.includes('cold') ? opts.coldRuns : 1;
      cpu += sides * builds * TARGET_SETS[set].length * perTarget;
    }
  }
  // One go build keeps about 1.5 cores busy; more cores than that only help crossgo.
  return cpu / Math.min(cores, 1.5);
}

function seconds(value, cache) {
  return value === undefined || value === null ? '-' : value.toFixed(cache === 'warm' ? 2 : 1);
}

function ratioText(ratio) {
  return `${ratio.toFixed(2)}x`;
}

function goalText(cache, ratio) {
  return `<=${GOALS[cache].toFixed(2)}x ${ratio <= GOALS[cache] ? 'ok' : 'MISSED'}`;
}

function cpuText(loop, crossgo, key = 'cpuSeconds') {
  if (loop?.[key] == null || crossgo?.[key] == null) return '-';
  return `${loop[key].toFixed(1)} / ${crossgo[key].toFixed(1)}`;
}

/**
 * A warning when other processes used more than a tenth of the cores during a measurement: then
 * the ratio says more about the neighbours than about crossgo.
 */
function disturbedText(rows, cores) {
  const disturbed = (summary) =>
    summary?.otherCpuSeconds != null && summary.otherCpuSeconds > 0.1 * cores * summary.seconds;
  const names = rows
    .filter((r) => [r.loop, r.crossgo, r.cold, r.warm].some(disturbed))
    .map((r) => `${r.workload} ${r.targets} ${r.cache ?? r.side}`);
  const legend = "others' cpu = CPU seconds other processes used on this machine during the measurement";
  return names.length === 0
    ? legend
    : `${legend}\nWARNING: other processes used over 10% of the cores during: ${names.join('; ')} (re-run on a quiet machine)`;
}

// ---------------------------------------------------------------------------------------------
// The two modes

/** The issue's comparison: loop against crossgo per workload, target set and cache state. */
async function compareMode(scratch, programs, opts, log) {
  const rows = [];
  for (const program of programs) {
    for (const set of opts.sets) {
      const targets = TARGET_SETS[set];
      const sides = [
        { key: 'loop', label: 'loop', tool: 'loop' },
        { key: 'crossgo', label: 'crossgo', tool: 'crossgo', jobs: opts.jobs, linkCache: opts.linkCache },
      ];
      const label = `${program.label} ${setLabel(set)}`;
      const results = await measureSides(scratch, { ...opts, sides, program, targets, label, log });
      const differing = checkIdentical(results);
      for (const cache of opts.caches) {
        const loop = summarize(results.loop[cache]);
        const crossgo = summarize(results.crossgo[cache]);
        const ratio = crossgo.seconds / loop.seconds;
        rows.push({
          workload: program.label,
          targets: setLabel(set),
          cache,
          loop,
          crossgo,
          ratio: round(ratio, 3),
          goal: GOALS[cache],
          met: ratio <= GOALS[cache],
          identicalOutputs: differing.length === 0,
          differingOutputs: differing,
        });
      }
    }
  }
  return rows;
}

function compareText(rows, cores) {
  const table = formatTable(
    [
      'workload',
      'targets',
      'cache',
      'loop (s)',
      'crossgo (s)',
      'ratio',
      'goal',
      'cpu loop / crossgo (s)',
      "others' cpu (s)",
    ],
    rows.map((r) => [
      r.workload,
      r.targets,
      r.cache,
      seconds(r.loop.seconds, r.cache),
      seconds(r.crossgo.seconds, r.cache),
      ratioText(r.ratio),
      goalText(r.cache, r.ratio),
      cpuText(r.loop, r.crossgo),
      cpuText(r.loop, r.crossgo, 'otherCpuSeconds'),
    ]),
  );
  const missed = rows.filter((r) => !r.met);
  const verdict =
    missed.length === 0
      ? 'all goals met'
      : `goals missed: ${missed.map((r) => `${r.workload} ${r.targets} ${r.cache} ${ratioText(r.ratio)} > ${GOALS[r.cache].toFixed(2)}x`).join('; ')}`;
  return `${table}\n\n${disturbedText(rows, cores)}\n${identicalText(rows)}\n${verdict}`;
}

function identicalText(rows) {
  const bad = rows.filter((r) => !r.identicalOutputs);
  if (bad.length === 0) return 'outputs: loop and crossgo binaries are byte-identical in every measurement';
  return `WARNING: outputs differ (not the same build?): ${[...new Set(bad.flatMap((r) => r.differingOutputs))].join(', ')}`;
}

/** The -j sweep: crossgo with each -j next to the loop, cold and warm, to choose the default. */
async function sweepMode(scratch, programs, opts, log) {
  const rows = [];
  for (const program of programs) {
    for (const set of opts.sets) {
      const targets = TARGET_SETS[set];
      const sides = [
        { key: 'loop', label: 'loop', tool: 'loop' },
        ...opts.jobs.map((jobs) => ({
          key: `j${jobs}`,
          label: `crossgo -j ${jobs}`,
          tool: 'crossgo',
          jobs,
          linkCache: opts.linkCache,
        })),
      ];
      const label = `${program.label} ${setLabel(set)}`;
      const results = await measureSides(scratch, { ...opts, sides, program, targets, label, log });
      const differing = checkIdentical(results);
      const loop = { cold: summarize(results.loop.cold), warm: summarize(results.loop.warm) };
      for (const side of sides) {
        const cold = summarize(results[side.key].cold);
        const warm = summarize(results[side.key].warm);
        rows.push({
          workload: program.label,
          targets: setLabel(set),
          side: side.label,
          jobs: side.jobs ?? null,
          isDefaultJobs: side.jobs === crossgoDefaultJobs(targets.length),
          cold,
          warm,
          coldRatio: cold && loop.cold ? round(cold.seconds / loop.cold.seconds, 3) : null,
          warmRatio: warm && loop.warm ? round(warm.seconds / loop.warm.seconds, 3) : null,
          identicalOutputs: differing.length === 0,
          differingOutputs: differing,
        });
      }
    }
  }
  return rows;
}

function sweepText(rows, cores) {
  const ratio = (value, cache) =>
    value === null ? '-' : `${ratioText(value)} ${value <= GOALS[cache] ? 'ok' : '--'}`;
  const table = formatTable(
    [
      'workload',
      'targets',
      'side',
      'cold (s)',
      'cold vs loop',
      'warm (s)',
      'warm vs loop',
      'cpu cold (s)',
      'cpu warm (s)',
      "others' cpu cold (s)",
    ],
    rows.map((r) => [
      r.workload,
      r.targets,
      r.isDefaultJobs ? `${r.side} (default)` : r.side,
      seconds(r.cold?.seconds, 'cold'),
      r.jobs === null ? '' : ratio(r.coldRatio, 'cold'),
      seconds(r.warm?.seconds, 'warm'),
      r.jobs === null ? '' : ratio(r.warmRatio, 'warm'),
      r.cold?.cpuSeconds == null ? '-' : r.cold.cpuSeconds.toFixed(1),
      r.warm?.cpuSeconds == null ? '-' : r.warm.cpuSeconds.toFixed(2),
      r.cold?.otherCpuSeconds == null ? '-' : r.cold.otherCpuSeconds.toFixed(1),
    ]),
  );
  const crossgoRows = rows.filter((r) => r.jobs !== null);
  const best = (cache) => {
    const timed = crossgoRows.filter((r) => r[cache]);
    if (timed.length === 0) return null;
    const fastest = timed.reduce((a, b) => (b[cache].seconds < a[cache].seconds ? b : a));
    return `${cache} -j ${fastest.jobs} (${seconds(fastest[cache].seconds, cache)} s)`;
  };
  const fastest = [best('cold'), best('warm')].filter(Boolean).join(', ');
  const goals = `goals: cold <= ${GOALS.cold.toFixed(2)}x, warm <= ${GOALS.warm.toFixed(2)}x the loop ("ok" = met)`;
  return `${table}\n\n${disturbedText(rows, cores)}\n${identicalText(rows)}\n${goals}\nfastest: ${fastest}`;
}

// ---------------------------------------------------------------------------------------------
// The edit-build loop (--rebuild)

/** The issue's goals for the edit-build loop. */
const REBUILD_GOALS = {
  startup: 1.5,
  unchanged: { default: 0.8, 'first-class': 0.35 },
  touched: 1.0,
  cold: 1.05,
  rssMiB: 150,
};

/** 20 ports for the memory measurement: the 8 first-class ones and 12 more that need no cgo. */
const RSS_TARGETS = [
  ...TARGET_SETS['first-class'],
  'linux/ppc64le',
  'linux/s390x',
  'linux/riscv64',
  'linux/mips64le',
  'linux/loong64',
  'freebsd/amd64',
  'freebsd/arm64',
  'openbsd/amd64',
  'netbsd/amd64',
  'windows/arm64',
  'wasip1/wasm',
  'js/wasm',
];

/**
 * Longer than crossgo's racy window (src/stages/build/walk.ts, 100 ms): a build started sooner
 * after a file changed records no inputs digest, and the next one would run go for that reason.
 */
const CALM_MS = 250;

async function timed(fn) {
  const cpuBefore = childCpuSeconds();
  const started = performance.now();
  await fn();
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = childCpuSeconds();
  return { seconds, cpuSeconds: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore };
}

/** How many targets the last crossgo run said were unchanged. */
function unchangedCount() {
  return (lastCrossgoStderr.match(/^unchanged /gm) ?? []).length;
}

async function rebuildMode(scratch, program, opts, cores, log) {
  const rows = [];
  const runs = opts.warmRuns;

  log('start-up: node -e 0 and crossgo --version, interleaved');
  const node = [];
  const version = [];
  for (let i = 0; i < Math.max(15, runs); i++) {
    node.push((await timed(() => run(process.execPath, ['-e', '0'], { env: process.env }))).seconds);
    version.push(
      (await timed(() => run(process.execPath, [CROSSGO_BIN, '--version'], { env: process.env }))).seconds,
    );
  }
  rows.push(
    row(
      'start-up',
      'crossgo --version / node -e 0',
      median(node),
      median(version),
      REBUILD_GOALS.startup,
      spread(version),
    ),
  );

  // One warm cache for both sides and every set: this measures what each does when go has
  // nothing to compile (filled once, by the untimed builds of the first set).
  const cache = await scratch.cache();
  for (const set of opts.sets) {
    const targets = TARGET_SETS[set];
    const env = { ...inheritedEnv(scratch.root), GOCACHE: cache, CROSSGO_CACHE: `${cache}-links` };
    const sides = {};
    for (const tool of ['loop', 'crossgo']) {
      const dir = await scratch.dir(tool);
      const src = path.join(dir, 'src');
      const out = path.join(dir, 'out');
      await copyProgram(program.dir, src);
      sides[tool] = {
        src,
        build:
          tool === 'loop'
            ? () => buildWithLoop({ src, out, targets, name: program.name, env })
            : () => buildWithCrossgo({ src, out, targets, env, jobs: opts.jobs, linkCache: opts.linkCache }),
      };
    }
    log(`${setLabel(set)}: untimed builds to fill the cache and both output folders`);
    await sleep(CALM_MS);
    for (const tool of ['loop', 'crossgo', 'loop', 'crossgo']) await sides[tool].build();
    await sleep(CALM_MS);
    const samples = { unchanged: { loop: [], crossgo: [] }, touched: { loop: [], crossgo: [] } };
    let notUnchanged = 0;
    for (let i = 0; i < runs; i++) {
      for (const tool of order(['loop', 'crossgo'])) {
        log(`${setLabel(set)}: unchanged ${tool} ${i + 1}/${runs}`);
        samples.unchanged[tool].push((await timed(sides[tool].build)).seconds);
        if (tool === 'crossgo' && unchangedCount() !== targets.length) notUnchanged += 1;
      }
      await sleep(CALM_MS);
    }
    for (let i = 0; i < runs; i++) {
      const now = new Date();
      for (const tool of ['loop', 'crossgo']) await utimes(path.join(sides[tool].src, 'main.go'), now, now);
      await sleep(CALM_MS);
      for (const tool of order(['loop', 'crossgo'])) {
        log(`${setLabel(set)}: after touching main.go, ${tool} ${i + 1}/${runs}`);
        samples.touched[tool].push((await timed(sides[tool].build)).seconds);
      }
    }
    const goal = REBUILD_GOALS.unchanged[set] ?? REBUILD_GOALS.unchanged.default;
    const unchanged = row(
      `unchanged ${setLabel(set)}`,
      'crossgo / loop',
      median(samples.unchanged.loop),
      median(samples.unchanged.crossgo),
      goal,
      spread(samples.unchanged.crossgo),
    );
    if (notUnchanged > 0) unchanged.note = `${notUnchanged} run(s) did not report every target unchanged`;
    rows.push(unchanged);
    rows.push(
      row(
        `touched main.go ${setLabel(set)}`,
        'crossgo / loop',
        median(samples.touched.loop),
        median(samples.touched.crossgo),
        REBUILD_GOALS.touched,
        spread(samples.touched.crossgo),
      ),
    );
  }
  await rm(cache, { recursive: true, force: true });
  await rm(`${cache}-links`, { recursive: true, force: true });

  // Cold: each side its own empty GOCACHE, the default targets.
  const coldTargets = TARGET_SETS.default;
  const cold = {};
  for (const tool of order(['loop', 'crossgo'])) {
    const cache = await scratch.cache();
    const dir = await scratch.dir(`cold-${tool}`);
    const src = path.join(dir, 'src');
    const out = path.join(dir, 'out');
    await copyProgram(program.dir, src);
    const env = { ...inheritedEnv(scratch.root), GOCACHE: cache, CROSSGO_CACHE: `${cache}-links` };
    await sleep(CALM_MS);
    log(`cold ${tool} (${coldTargets.length} targets, empty GOCACHE)`);
    cold[tool] = await timed(() =>
      tool === 'loop'
        ? buildWithLoop({ src, out, targets: coldTargets, name: program.name, env })
        : buildWithCrossgo({
            src,
            out,
            targets: coldTargets,
            env,
            jobs: opts.jobs,
            linkCache: opts.linkCache,
          }),
    );
    await rm(cache, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
  const limit = cold.loop.cpuSeconds === null ? null : cold.loop.cpuSeconds / cores;
  const coldRow = row(
    'cold default(3)',
    'crossgo / (loop cpu / cores)',
    limit,
    cold.crossgo.seconds,
    REBUILD_GOALS.cold,
  );
  coldRow.note = `loop ${cold.loop.seconds.toFixed(1)} s wall, ${cold.loop.cpuSeconds?.toFixed(1)} cpu-s; crossgo ${(cold.crossgo.seconds / cold.loop.seconds).toFixed(2)}x the loop's wall`;
  rows.push(coldRow);

  rows.push(await peakRss(scratch, program, opts, log));
  return rows;
}

/**
 * crossgo's own peak RSS (VmHWM of the node process in /proc, polled: the high-water mark, so a
 * late read still sees an earlier peak) while it builds 20 targets. go's memory is not counted.
 */
async function peakRss(scratch, program, opts, log) {
  const dir = await scratch.dir('rss');
  const src = path.join(dir, 'src');
  await copyProgram(program.dir, src);
  const env = { ...inheritedEnv(scratch.root), CROSSGO_CACHE: path.join(dir, 'links') };
  log(`peak RSS: crossgo building ${RSS_TARGETS.length} targets (the caller's GOCACHE)`);
  const args = [CROSSGO_BIN, '-C', src, 'build', '-t', RSS_TARGETS.join(','), '-o', path.join(dir, 'out')];
  if (opts.jobs !== undefined) args.push('-j', String(opts.jobs));
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const err = [];
  child.stderr.on('data', (chunk) => err.push(chunk));
  let peakKiB = 0;
  const poll = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      peakKiB = Math.max(peakKiB, hwm);
    } catch {}
  };
  const timer = setInterval(poll, 20);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearInterval(timer);
  await rm(dir, { recursive: true, force: true });
  if (code !== 0)
    throw new BenchError(`crossgo failed on ${RSS_TARGETS.length} targets:\n${Buffer.concat(err)}`);
  const mib = peakKiB / 1024;
  return {
    what: `peak RSS ${RSS_TARGETS.length} targets`,
    measure: 'MiB (crossgo itself)',
    reference: null,
    crossgo: round(mib, 1),
    ratio: null,
    goal: REBUILD_GOALS.rssMiB,
    met: mib < REBUILD_GOALS.rssMiB,
  };
}

function row(what, measure, reference, crossgo, goal, spreadText = null) {
  const ratio = reference ? crossgo / reference : null;
  return {
    what,
    measure,
    reference: reference === null ? null : round(reference, 3),
    crossgo: round(crossgo, 3),
    ratio: ratio === null ? null : round(ratio, 3),
    goal,
    met: ratio !== null && ratio <= goal,
    spread: spreadText,
  };
}

/** min–max of the samples, in seconds. */
function spread(samples) {
  return `${Math.min(...samples).toFixed(3)}–${Math.max(...samples).toFixed(3)}`;
}

function rebuildText(rows) {
  const table = formatTable(
    ['measurement', 'ratio of', 'reference', 'crossgo', 'crossgo spread', 'ratio', 'goal'],
    rows.map((r) => [
      r.what,
      r.measure,
      r.reference === null ? '-' : r.reference.toFixed(3),
      r.ratio === null ? `${r.crossgo}` : r.crossgo.toFixed(3),
      r.spread ?? '',
      r.ratio === null ? '' : ratioText(r.ratio),
      `${r.ratio === null ? '<' : '<='}${r.goal}${r.ratio === null ? ' MiB' : 'x'} ${r.met ? 'ok' : 'MISSED'}`,
    ]),
  );
  const notes = rows.filter((r) => r.note).map((r) => `${r.what}: ${r.note}`);
  const missed = rows.filter((r) => !r.met).map((r) => r.what);
  return [
    table,
    '',
    "seconds are medians of wall time; reference = the plain loop (start-up: node -e 0; cold: the loop's cpu seconds / cores)",
    ...notes,
    missed.length === 0 ? 'all goals met' : `goals missed: ${missed.join('; ')}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(argv) {
  const opts = parseOptions(argv);
  if (opts.help) {
    const source = await readFile(fileURLToPath(import.meta.url), 'utf8');
    process.stdout.write(
      `${source.slice(source.indexOf('/**') + 4, source.indexOf('*/')).replace(/^ \* ?/gm, '')}`,
    );
    return 0;
  }
  if (!existsSync(path.join(REPO, 'dist', 'cli', 'main.js'))) {
    throw new BenchError('crossgo is not built: run `npm run build` first (or `npm run bench`)');
  }
  const log = (text) => process.stderr.write(`${text}\n`);
  const print = opts.json ? log : (text) => process.stdout.write(`${text}\n`);
  const started = performance.now();
  const facts = await machineFacts();
  print(`crossgo build benchmark (${new Date().toISOString()})\n${factsText(facts, opts)}`);
  const estimate = estimateSeconds(opts, facts.cores);
  log(`estimated time: ~${Math.ceil(estimate / 60)} min (rough, from the per-target cold cost on 2 cores)`);

  const scratch = await Scratch.create();
  activeScratch = { scratch, keep: opts.keep };
  try {
    const programs = [];
    for (const workload of opts.workloads)
      programs.push(await prepareProgram(scratch, workload, opts.program));
    if (opts.rebuild) {
      const rows = await rebuildMode(scratch, programs[0], opts, facts.cores, log);
      if (opts.json)
        process.stdout.write(
          `${JSON.stringify({ mode: 'rebuild', machine: facts, results: rows }, null, 2)}\n`,
        );
      else print(`\n${rebuildText(rows)}`);
      print(
        `benchmark took ${((performance.now() - started) / 60000).toFixed(1)} min; load at the end ${os
          .loadavg()
          .map((l) => round(l, 2))
          .join(' ')}`,
      );
      return 0;
    }
    const rows = opts.sweep
      ? await sweepMode(scratch, programs, opts, log)
      : await compareMode(scratch, programs, opts, log);
    const elapsed = (performance.now() - started) / 1000;
    const loadAfter = os.loadavg().map((l) => round(l, 2));
    if (opts.json) {
      const result = {
        mode: opts.sweep ? 'jobs-sweep' : 'compare',
        machine: { ...facts, loadAverageAfter: loadAfter },
        goals: GOALS,
        options: { ...opts, program: opts.program ?? null },
        results: rows,
        elapsedSeconds: round(elapsed, 1),
      };
      if (!opts.sweep) result.allGoalsMet = rows.every((r) => r.met);
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      print('');
      print(opts.sweep ? sweepText(rows, facts.cores) : compareText(rows, facts.cores));
      print(`benchmark took ${(elapsed / 60).toFixed(1)} min; load at the end ${loadAfter.join(' ')}`);
    }
    return 0;
  } finally {
    await cleanUp();
  }
}

let activeScratch = null;

async function cleanUp() {
  if (!activeScratch) return;
  const { scratch, keep } = activeScratch;
  activeScratch = null;
  if (keep) process.stderr.write(`kept temporary folders in ${scratch.root}\n`);
  else await rm(scratch.root, { recursive: true, force: true });
}

/** The last resort for every way out (signal, crash): delete the temporary folders synchronously. */
function cleanUpNow() {
  if (activeScratch && !activeScratch.keep)
    rmSync(activeScratch.scratch.root, { recursive: true, force: true });
  activeScratch = null;
}

/** On Ctrl-C, let the build in flight stop before deleting the folders it writes into. */
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
// A reader that stops early (`| head`) must not crash the run before it cleans up.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  await cleanUp();
  process.stderr.write(`${error instanceof BenchError ? error.message : (error?.stack ?? error)}\n`);
  process.exitCode = error instanceof BenchError ? error.exitCode : 1;
}
