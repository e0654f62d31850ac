/**
 * Micro-architecture levels per GOARCH: the environment variable the port reads and
 * the values it accepts. From Go's src/internal/buildcfg/cfg.go (go1.26).
 */
export interface LevelVariable {
  name: string;
  values: readonly string[];
  default: string;
}

const ARM64_LEVELS = [
  'v8.0',
  'v8.1',
  'v8.2',
  'v8.3',
  'v8.4',
  'v8.5',
  'v8.6',
  'v8.7',
  'v8.8',
  'v8.9',
  'v9.0',
  'v9.1',
  'v9.2',
  'v9.3',
  'v9.4',
  'v9.5',
];

const LEVELS: Record<string, LevelVariable> = {
  amd64: { name: 'GOAMD64', values: ['v1', 'v2', 'v3', 'v4'], default: 'v1' },
  '386': { name: 'GO386', values: ['sse2', 'softfloat'], default: 'sse2' },
  arm: { name: 'GOARM', values: ['5', '6', '7'], default: '7' },
  arm64: { name: 'GOARM64', values: ARM64_LEVELS, default: 'v8.0' },
  mips: { name: 'GOMIPS', values: ['hardfloat', 'softfloat'], default: 'hardfloat' },
  mipsle: { name: 'GOMIPS', values: ['hardfloat', 'softfloat'], default: 'hardfloat' },
  mips64: { name: 'GOMIPS64', values: ['hardfloat', 'softfloat'], default: 'hardfloat' },
  mips64le: { name: 'GOMIPS64', values: ['hardfloat', 'softfloat'], default: 'hardfloat' },
  ppc64: { name: 'GOPPC64', values: ['power8', 'power9', 'power10'], default: 'power8' },
  ppc64le: { name: 'GOPPC64', values: ['power8', 'power9', 'power10'], default: 'power8' },
  riscv64: { name: 'GORISCV64', values: ['rva20u64', 'rva22u64', 'rva23u64'], default: 'rva20u64' },
};

/** Every level variable: crossgo sets the one a target needs and clears the rest from the inherited env. */
export const LEVEL_VARIABLES: readonly string[] = [
  ...new Set(Object.values(LEVELS).map((l) => l.name)),
  'GOWASM',
];

export function levelFor(goarch: string): LevelVariable | undefined {
  return LEVELS[goarch];
}
