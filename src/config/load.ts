import path from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { openRegular } from '../fs/open.js';
import { renameDeprecated } from './names.js';
import type { LoadedConfig } from './types.js';

export const CONFIG_NAMES = ['crossgo.yaml', 'crossgo.yml', 'crossgo.json'] as const;

/**
 * The largest config file crossgo reads. A full config with overrides for every port is a few
 * KiB; past this a file is a mistake or an attack (a million env keys kept the YAML parser and
 * the schema validator busy for minutes), refused before it is parsed.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Finds and loads the config in `dir` (the module root), or returns an empty config.
 * The YAML parser and the schema validator load only when there is a file: most
 * builds have none, and they cost a fifth of crossgo's start-up.
 */
export async function loadConfig(dir: string, explicit?: string): Promise<LoadedConfig> {
  const candidates = explicit ? [path.resolve(dir, explicit)] : CONFIG_NAMES.map((n) => path.join(dir, n));
  for (const file of candidates) {
    const text = await readConfigText(file, explicit !== undefined);
    if (text === null) continue;
    const { parseConfig } = await import('./parse.js');
    const { config, deprecated } = renameDeprecated(parseConfig(text, file), path.basename(file));
    return deprecated.length > 0 ? { file, config, deprecated } : { file, config };
  }
  return { file: null, config: {} };
}

/**
 * A config file's text, read without ever blocking (a FIFO, socket or device is refused) and
 * only up to MAX_CONFIG_BYTES; null when an implicit candidate does not exist.
 */
async function readConfigText(file: string, explicit: boolean): Promise<string | null> {
  const shown = path.basename(file);
  let opened: Awaited<ReturnType<typeof openRegular>>;
  try {
    opened = await openRegular(file, { shown });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return null;
    if (error instanceof UsageError) {
      throw new ConfigError(shown, '', error.message.replace(`${shown} `, ''));
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(
        `--config ${file}: no such file (name it relative to where crossgo runs, or leave --config out to use crossgo.yaml in the module root)`,
      );
    }
    throw new ConfigError(shown, '', `cannot read it (${code ?? (error as Error).message})`);
  }
  const { handle, info } = opened;
  try {
    const tooLarge = (size: string) =>
      new ConfigError(
        shown,
        '',
        `is ${size} bytes, over the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB limit for a config file (a whole config is a few KiB): shorten it`,
      );
    if (info.size > MAX_CONFIG_BYTES) throw tooLarge(String(info.size));
    // Read at most one byte past the limit: a file that grew since fstat is refused too.
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_CONFIG_BYTES) throw tooLarge(`more than ${MAX_CONFIG_BYTES}`);
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(shown, '', `cannot read: ${(error as Error).message}`);
  } finally {
    await handle.close();
  }
}
