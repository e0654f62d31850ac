import { ConfigError } from '../errors.js';
import type { CrossgoConfig, DeprecatedKey } from './types.js';

/**
 * Keys renamed so that one idea has one name across library, CLI and config (`out` is the
 * library's `out` and the CLI's `-o, --out`; `template` is `--template`). The old spelling is
 * still read; the new one wins nothing over it: both at once is an error.
 */
export const RENAMED_KEYS: readonly DeprecatedKey[] = [
  { old: 'dist', now: 'out' },
  { old: 'output', now: 'template' },
];

/** The config under today's names, and the old names it used. */
export function renameDeprecated(
  config: CrossgoConfig,
  shown: string,
): { config: CrossgoConfig; deprecated: DeprecatedKey[] } {
  const out: Record<string, unknown> = { ...config };
  const deprecated: DeprecatedKey[] = [];
  for (const key of RENAMED_KEYS) {
    if (!(key.old in out)) continue;
    if (key.now in out) {
      throw new ConfigError(
        shown,
        key.old,
        `"${key.old}" is the old name of "${key.now}", and both are set: keep "${key.now}" only`,
      );
    }
    out[key.now] = out[key.old];
    delete out[key.old];
    deprecated.push(key);
  }
  return { config: out as CrossgoConfig, deprecated };
}

/** The warning for a deprecated key, as the user reads it once per run. */
export function deprecationLine(file: string, key: DeprecatedKey): string {
  return `${file}: "${key.old}" is deprecated; call it "${key.now}"`;
}

/** The key the user wrote for `now` (its old name when the file used that), for messages. */
export function writtenKey(deprecated: readonly DeprecatedKey[] | undefined, now: string): string {
  return deprecated?.find((k) => k.now === now)?.old ?? now;
}
