import type { BinaryFacts } from '../../binary/types.js';
import type { CheckResult } from '../../pipeline/manifest.js';
import { linkageFor, type PortLinkage, unexpectedLinks } from '../../targets/linkage.js';
import { levelFor } from '../../targets/variants.js';

export type { CheckResult, CheckStatus } from '../../pipeline/manifest.js';

import { compareGoVersions, parseGoVersion } from '../../toolchain/version.js';

/** What an artifact should be. Unset fields are not checked (the check says why it skipped). */
export interface Expectation {
  target?: { goos: string; goarch: string; variant: string | null };
  /** false when built with CGO_ENABLED=0: it must link nothing beyond what its platform requires. */
  cgo?: boolean;
  /**
   * true when it was linked statically on purpose (cgo --static, or verify --static): it must
   * link nothing beyond what its platform requires, cgo or not (src/targets/linkage.ts).
   */
  static?: boolean;
  stripped?: boolean;
  /**
   * Why a stripped build still has a symbol table (a darwin cgo link through zig, whose Mach-O
   * linker ignores go's -Wl,-S -Wl,-x): then only DWARF must be gone.
   */
  symbolsKept?: string;
  minGo?: string;
  maxSize?: number;
  /**
   * Why build paths are expected in the file (a build without -trimpath, which records the
   * module folder and GOROOT in file names and the build info): leaked-paths then only warns.
   */
  buildPaths?: string;
  /** Build settings that must read back exactly (CGO_ENABLED, GOOS, GOARCH, -trimpath, the level). */
  settings?: Record<string, string>;
}

/** The format each GOOS's executables take. */
export function formatFor(goos: string): string {
  if (goos === 'windows') return 'pe';
  if (goos === 'darwin' || goos === 'ios') return 'macho';
  if (goos === 'js' || goos === 'wasip1') return 'wasm';
  if (goos === 'plan9') return 'plan9';
  if (goos === 'aix') return 'xcoff';
  return 'elf';
}

const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', detail });
const fail = (name: string, detail: string): CheckResult => ({ name, status: 'fail', detail });
const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });

/** Turns an artifact's facts into pass / fail / skip, check by check. */
export function checkFacts(facts: BinaryFacts, size: number, expect: Expectation): CheckResult[] {
  return [
    checkFormat(facts, expect),
    checkMachine(facts, expect),
    checkVariant(facts, expect),
    checkStatic(facts, expect),
    checkStripped(facts, expect),
    checkGoVersion(facts, expect),
    checkSize(size, expect),
    checkSettings(facts, expect),
  ];
}

function checkFormat(facts: BinaryFacts, expect: Expectation): CheckResult {
  if (!expect.target) return skip('format', 'no target expected (--expect or --manifest)');
  const want = formatFor(expect.target.goos);
  const got = facts.format === 'macho-fat' ? 'macho' : facts.format;
  return got === want
    ? pass('format', facts.format)
    : fail('format', `${facts.format}, expected ${want} for ${expect.target.goos}`);
}

function checkMachine(facts: BinaryFacts, expect: Expectation): CheckResult {
  if (!expect.target) return skip('machine', 'no target expected');
  const { goos, goarch } = expect.target;
  const osOk = facts.goos === null || facts.goos === goos;
  if (facts.goarch === goarch && osOk) return pass('machine', `${facts.goos ?? '?'}/${facts.goarch}`);
  return fail('machine', `${facts.goos ?? '?'}/${facts.goarch ?? '?'}, expected ${goos}/${goarch}`);
}

function checkVariant(facts: BinaryFacts, expect: Expectation): CheckResult {
  if (!expect.target) return skip('variant', 'no target expected');
  const level = levelFor(expect.target.goarch);
  if (!level) return skip('variant', `${expect.target.goarch} has no micro-architecture level`);
  const got = facts.go?.settings[level.name];
  if (got === undefined) return skip('variant', `no ${level.name} in the build info`);
  const want = expect.target.variant ?? level.default;
  return got === want
    ? pass('variant', `${level.name}=${got}`)
    : fail('variant', `${level.name}=${got}, expected ${want}`);
}

/**
 * "Links nothing beyond what the platform requires" (src/targets/linkage.ts): on Linux, FreeBSD,
 * NetBSD, DragonFly, plan9 and wasm that is no interpreter and no library at all; on OpenBSD,
 * Solaris, illumos, AIX, macOS and Windows, only the system libraries Go makes its system calls
 * through. Checked for pure-Go builds, and for any build asked to be static (cgo --static,
 * verify --static).
 */
function checkStatic(facts: BinaryFacts, expect: Expectation): CheckResult {
  const cgo =
    expect.cgo ??
    (facts.go?.settings.CGO_ENABLED === undefined ? undefined : facts.go.settings.CGO_ENABLED === '1');
  if (!expect.static) {
    if (cgo === undefined) return skip('static', 'whether cgo was used is unknown');
    if (cgo) return skip('static', 'built with cgo: dynamic linking is expected');
  }
  const goos = expect.target?.goos ?? facts.goos;
  const goarch = expect.target?.goarch ?? facts.goarch;
  const linkage = goos && goarch ? linkageFor(goos, goarch) : null;
  const platform = goos && goarch ? `${goos}/${goarch}` : 'an unknown platform';
  const found = [
    facts.interpreter ? `interpreter ${facts.interpreter}` : null,
    facts.libraries.length > 0 ? `libraries: ${facts.libraries.join(', ')}` : 'no dynamic libraries',
  ]
    .filter(Boolean)
    .join(', ');
  // Without the platform, the strictest reading: nothing dynamic at all.
  const extra = unexpectedLinks(
    linkage ?? { interpreter: null, libraries: [], pie: false, externalLinking: null, sources: [] },
    facts.interpreter,
    facts.libraries,
  );
  if (!extra) {
    const required = linkage && (linkage.interpreter || linkage.libraries.length > 0);
    return pass('static', required ? `${found} (only what ${platform} requires)` : found);
  }
  const why = expect.static ? 'linked statically on purpose' : 'CGO_ENABLED=0';
  const unexpected = [
    extra.interpreter ? `interpreter ${extra.interpreter}` : null,
    extra.libraries.length > 0
      ? `${extra.libraries.length === 1 ? 'library' : 'libraries'} ${extra.libraries.join(', ')}`
      : null,
  ]
    .filter(Boolean)
    .join(' and ');
  const allowed = linkage ? describeAllowed(linkage) : 'nothing (the platform is unknown)';
  return fail('static', `${why} but it links ${unexpected}, beyond what ${platform} requires (${allowed})`);
}

function describeAllowed(linkage: PortLinkage): string {
  const parts = [
    linkage.interpreter ? `interpreter ${linkage.interpreter}` : null,
    linkage.libraries.length > 0 ? linkage.libraries.join(', ') : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no interpreter, no libraries';
}

function checkStripped(facts: BinaryFacts, expect: Expectation): CheckResult {
  if (!expect.stripped) return skip('stripped', 'not asked (--stripped)');
  if (facts.stripped && !facts.dwarf) return pass('stripped', 'no symbol table, no DWARF');
  if (expect.symbolsKept && !facts.dwarf)
    return pass('stripped', `no DWARF; ${facts.symbols} symbols kept: ${expect.symbolsKept}`);
  return fail(
    'stripped',
    `${facts.stripped ? '' : `${facts.symbols} symbols`}${!facts.stripped && facts.dwarf ? ', ' : ''}${facts.dwarf ? 'DWARF present' : ''}`,
  );
}

function checkGoVersion(facts: BinaryFacts, expect: Expectation): CheckResult {
  if (!expect.minGo) return skip('go-version', 'no minimum asked (--min-go)');
  const want = parseGoVersion(expect.minGo.startsWith('go') ? expect.minGo : `go${expect.minGo}`);
  const got = facts.go ? parseGoVersion(facts.go.version) : null;
  if (!want) return fail('go-version', `--min-go ${expect.minGo} is not a Go version`);
  if (!got) return fail('go-version', 'no Go version in the binary');
  return compareGoVersions(got, want) >= 0
    ? pass('go-version', got.raw)
    : fail('go-version', `${got.raw}, older than ${want.raw}`);
}

function checkSize(size: number, expect: Expectation): CheckResult {
  if (expect.maxSize === undefined) return skip('size', 'no maximum asked (--max-size)');
  return size <= expect.maxSize
    ? pass('size', `${size} bytes`)
    : fail('size', `${size} bytes, more than ${expect.maxSize}`);
}

function checkSettings(facts: BinaryFacts, expect: Expectation): CheckResult {
  if (!expect.settings || Object.keys(expect.settings).length === 0)
    return skip('settings', 'no settings to compare');
  if (!facts.go) return fail('settings', 'no Go build info in the binary');
  const wrong = Object.entries(expect.settings)
    .filter(([key, value]) => (facts.go?.settings[key] ?? '') !== value)
    .map(([key, value]) => `${key}=${facts.go?.settings[key] ?? '(unset)'}, expected ${value || '(unset)'}`);
  return wrong.length === 0
    ? pass(
        'settings',
        Object.entries(expect.settings)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      )
    : fail('settings', wrong.join('; '));
}
