import path from 'node:path';
import type { LoadedConfig } from '../config/types.js';
import { type PreparedHook, prepareHooks } from '../hooks/prepare.js';
import { runHooks } from '../hooks/run.js';
import type { Logger } from '../log.js';
import type { Manifest } from '../pipeline/manifest.js';
import { releaseProjectValues } from '../pipeline/releaseValues.js';
import { inheritedEnv } from '../stages/build/flags.js';

export interface AfterHooksRequest {
  moduleRoot: string;
  /** The config package read. */
  loaded: LoadedConfig;
  /** The build's manifest: the project values come from it ({version}, {commit}, …). */
  manifest: Manifest;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  log: Logger;
  /** --skip-hooks: run none. */
  skip: boolean;
}

/**
 * The config's after: commands, compiled before the release stages run (a bad placeholder fails
 * before anything is packaged); call the result once the release files are committed. Hooks
 * come from the config only, never from the manifest: a manifest is a file crossgo reads as
 * hostile input, the config is the project's own build definition.
 */
export async function prepareAfterHooks(request: AfterHooksRequest): Promise<() => Promise<void>> {
  const { loaded } = request;
  const commands = request.skip ? [] : (loaded.config.after ?? []);
  const file = loaded.file ? path.basename(loaded.file) : 'config';
  const hooks: PreparedHook[] = prepareHooks({ commands, source: { file, key: 'after' } }, 'project');
  if (hooks.length === 0) return async () => {};
  const values = releaseProjectValues(request.manifest);
  return () =>
    runHooks(hooks, {
      root: request.moduleRoot,
      env: inheritedEnv(request.env),
      values,
      signal: request.signal,
      log: request.log,
      consequence: 'the release files are made and recorded; the after: commands that follow did not run',
    });
}
