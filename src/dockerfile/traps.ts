/**
 * The Dockerfile traps `crossgo lint dockerfile` reports, by stable id (its --json output names
 * them): each is a way a Go build under BuildKit emulates the compiler, misses its cache, or
 * makes an image whose binary cannot run.
 */
export const TRAPS = {
  'no-build-platform':
    'a stage that runs go build without FROM --platform=$BUILDPLATFORM (BuildKit emulates the compiler)',
  'hardcoded-goarch':
    'GOOS/GOARCH/GOARM hard-coded (ENV, ARG default), unset on $BUILDPLATFORM, or read from an undeclared TARGET argument, instead of taken from TARGETOS/TARGETARCH/TARGETVARIANT',
  'one-run-goarch':
    'GOOS/GOARCH set inside one RUN to a literal value, or exported in a RUN that does not build (lost for the next RUN)',
  'no-cache-mount': 'go build without cache mounts for GOCACHE and GOMODCACHE',
  'cgo-static-base':
    'cgo left on with a scratch or distroless final stage: a dynamic binary in an image without libc',
  'musl-to-glibc': 'a golang:*-alpine builder with cgo (musl) feeding a glibc base',
  'foreign-binary': 'a binary built outside for another platform ADDed or COPYed from the context',
} as const;

export type TrapId = keyof typeof TRAPS;

/** One finding: where, which trap, and the fix. */
export interface Finding {
  file: string;
  /** 1-based. */
  line: number;
  trap: TrapId;
  message: string;
  fix: string;
}
