import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { LoadedConfig } from './types.js';

export const CONFIG_NAMES = ['crossgo.yaml', 'crossgo.yml', 'crossgo.json'] as const;

/**
 * Finds and loads the config in `dir` (the module root), or returns an empty config.
 * The YAML parser and the schema validator load only when there is a file: most
 * builds have none, and they cost a fifth of crossgo's start-up.
 */
export async function loadConfig(dir: string, explicit?: string): Promise<LoadedConfig> {
  const candidates = explicit ? [path.resolve(dir, explicit)] : CONFIG_NAMES.map((n) => path.join(dir, n));
  for (const file of candidates) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) continue;
      throw new ConfigError(path.basename(file), '', `cannot read: ${(error as Error).message}`);
    }
    const { parseConfig } = await import('./parse.js');
    return { file, config: parseConfig(text, file) };
  }
  return { file: null, config: {} };
}
