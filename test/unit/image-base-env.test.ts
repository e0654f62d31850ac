import { describe, expect, it } from 'vitest';
import { baseEnv } from '../../src/stages/image/base.js';
import type { ImageContext } from '../../src/stages/image/context.js';

/** The push credentials from the environment reach a base's registry only where they belong. */
describe('the environment of a --base pull', () => {
  const env = { HOME: '/home/me', CROSSGO_REGISTRY_USER: 'me', CROSSGO_REGISTRY_PASSWORD: 'secret' };
  const ctx = (pushes: string[], extra: NodeJS.ProcessEnv = {}) =>
    ({
      env: { ...env, ...extra },
      pushes: pushes.map((registry) => ({ registry })),
    }) as unknown as ImageContext;

  it('keeps them for a base on a registry the run pushes to, or when nothing is pushed', () => {
    expect(baseEnv(ctx(['ghcr.io']), 'ghcr.io').CROSSGO_REGISTRY_PASSWORD).toBe('secret');
    expect(baseEnv(ctx([]), 'gcr.io').CROSSGO_REGISTRY_PASSWORD).toBe('secret');
  });

  it('drops them for a base on another registry, and keeps the rest of the environment', () => {
    const other = baseEnv(ctx(['ghcr.io']), 'gcr.io');
    expect(other.CROSSGO_REGISTRY_USER).toBeUndefined();
    expect(other.CROSSGO_REGISTRY_PASSWORD).toBeUndefined();
    expect(other.HOME).toBe('/home/me');
  });

  it('leaves the choice to the credentials reader when CROSSGO_REGISTRY_HOST names the registry', () => {
    const named = baseEnv(ctx(['ghcr.io'], { CROSSGO_REGISTRY_HOST: 'gcr.io' }), 'gcr.io');
    expect(named.CROSSGO_REGISTRY_PASSWORD).toBe('secret');
  });
});
