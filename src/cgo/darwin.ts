import { mkdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import type { Target } from '../targets/parse.js';
import type { CgoUse } from './detect.js';

/*
 * cgo for macOS from Linux through zig. zig ships libSystem's link stubs and the C headers, but
 * no Apple SDK. Every darwin cgo program links two more system libraries through Go's own
 * packages: libresolv (internal/syscall/unix: //go:cgo_ldflag "-lresolv") and, on arm64,
 * CoreFoundation (runtime/cgo: #cgo darwin,arm64 LDFLAGS: -framework CoreFoundation), though
 * neither is called through C on macOS. Both exist on every Mac, so crossgo gives the linker
 * text stubs (.tbd) that name them and the symbols Go imports; the binary loads the real ones.
 * Frameworks the user's own packages link need the real SDK: --macos-sdk PATH.
 */

const STUB_VERSION = 'v1';

const LIBRESOLV_TBD = `--- !tapi-tbd
tbd-version:     4
targets:         [ x86_64-macos, arm64-macos ]
install-name:    '/usr/lib/libresolv.9.dylib'
current-version: 1
compatibility-version: 1
exports:
  - targets:         [ x86_64-macos, arm64-macos ]
    symbols:         [ _res_9_nclose, _res_9_ninit, _res_9_nsearch ]
...
`;

const COREFOUNDATION_TBD = `--- !tapi-tbd
tbd-version:     4
targets:         [ x86_64-macos, arm64-macos ]
install-name:    '/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation'
current-version: 1
compatibility-version: 150
exports:
  - targets:         [ x86_64-macos, arm64-macos ]
    symbols:         [ _CFRelease ]
...
`;

/** crossgo's cache folder (XDG_CACHE_HOME or ~/.cache, then crossgo). */
export function crossgoCacheBase(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'crossgo');
}

/** Writes the two stubs once (atomically; concurrent runs write the same bytes) and returns their folder. */
export async function macosStubs(env: NodeJS.ProcessEnv): Promise<string> {
  const root = path.join(crossgoCacheBase(env), 'macos-stubs', STUB_VERSION);
  const files: [string, string][] = [
    [path.join(root, 'usr', 'lib', 'libresolv.tbd'), LIBRESOLV_TBD],
    [path.join(root, 'Frameworks', 'CoreFoundation.framework', 'CoreFoundation.tbd'), COREFOUNDATION_TBD],
  ];
  for (const [file, text] of files) {
    const current = await readFile(file, 'utf8').catch(() => null);
    if (current === text) continue;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, text);
  }
  return root;
}

/** The flags that let zig link Go's darwin output: crossgo's stubs, or the SDK's libraries and frameworks. */
export async function darwinLinkFlags(env: NodeJS.ProcessEnv, sdk: string | null): Promise<string[]> {
  if (sdk)
    return [`-F${path.join(sdk, 'System', 'Library', 'Frameworks')}`, `-L${path.join(sdk, 'usr', 'lib')}`];
  const stubs = await macosStubs(env);
  return [`-L${path.join(stubs, 'usr', 'lib')}`, `-F${path.join(stubs, 'Frameworks')}`];
}

/** Checks --macos-sdk: an existing folder. */
export async function checkMacosSdk(sdk: string): Promise<void> {
  const info = await stat(sdk).catch(() => null);
  if (!info?.isDirectory()) {
    throw new UsageError(`--macos-sdk ${sdk}: no such folder; give the path of a MacOSX.sdk`);
  }
}

/**
 * Refuses a darwin cgo build that needs an SDK crossgo cannot stand in for: frameworks linked by
 * the user's packages. Names the packages and frameworks.
 */
export function requireSdkFor(target: Target, use: CgoUse, sdk: string | null): void {
  if (sdk || target.goos !== 'darwin' || use.frameworks.length === 0) return;
  const list = use.frameworks.map((f) => `${f.framework} (${f.pkg})`).join(', ');
  throw new EnvironmentError(
    `${target.id}: the build links Apple frameworks ${list}; zig ships no Apple SDK, so this needs one: --macos-sdk PATH/MacOSX.sdk (or build on a Mac)`,
  );
}
