import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { findCredentials } from '../../src/registry/credentials.js';
import { cleanupTemps, tempDir } from '../helpers/cli.js';

/** Where credentials come from, and docker's config.json and helpers read as hostile input. */
afterAll(cleanupTemps);

async function dockerConfig(
  config: unknown,
  helpers: Record<string, string> = {},
): Promise<NodeJS.ProcessEnv> {
  const dir = await tempDir('crossgo-registry-creds-');
  await writeFile(
    path.join(dir, 'config.json'),
    typeof config === 'string' ? config : JSON.stringify(config),
  );
  const bin = path.join(dir, 'bin');
  await mkdir(bin);
  for (const [name, script] of Object.entries(helpers)) {
    await writeFile(path.join(bin, `docker-credential-${name}`), `#!/bin/sh\n${script}\n`);
    await chmod(path.join(bin, `docker-credential-${name}`), 0o755);
  }
  return { DOCKER_CONFIG: dir, PATH: `${bin}:/usr/bin:/bin` };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('findCredentials', () => {
  it('takes the environment first, for every registry or the one named', async () => {
    const env = {
      ...(await dockerConfig({ auths: { 'r.example': { auth: b64('file:pw') } } })),
      CROSSGO_REGISTRY_USER: 'u',
      CROSSGO_REGISTRY_PASSWORD: 'p',
    };
    expect(await findCredentials('r.example', env)).toEqual({
      username: 'u',
      password: 'p',
      source: 'CROSSGO_REGISTRY_USER/CROSSGO_REGISTRY_PASSWORD',
    });
    const only = { ...env, CROSSGO_REGISTRY_HOST: 'other.example' };
    expect(await findCredentials('r.example', only)).toMatchObject({
      username: 'file',
      source: expect.stringMatching(/config\.json auths\.r\.example$/),
    });
    await expect(findCredentials('r.example', { CROSSGO_REGISTRY_USER: 'u' })).rejects.toThrow(
      'CROSSGO_REGISTRY_USER is set but neither CROSSGO_REGISTRY_PASSWORD nor CROSSGO_REGISTRY_PASSWORD_FILE is: set one of them',
    );
  });

  it("files docker.io under the Hub's legacy key, and reads identitytoken", async () => {
    const env = await dockerConfig({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub:secret') },
        'ghcr.io': { identitytoken: 'tok' },
      },
    });
    expect(await findCredentials('docker.io', env)).toMatchObject({ username: 'hub', password: 'secret' });
    expect(await findCredentials('ghcr.io', env)).toMatchObject({ identityToken: 'tok' });
    expect(await findCredentials('quay.io', env)).toBeNull();
    expect(await findCredentials('quay.io', { PATH: '', DOCKER_CONFIG: '/nonexistent-crossgo' })).toBeNull();
  });

  it('asks credHelpers, then credsStore, and a helper that has nothing falls through to auths', async () => {
    const env = await dockerConfig(
      {
        credHelpers: { 'a.example': 'one' },
        credsStore: 'store',
        auths: { 'c.example': { auth: b64('c:pw') } },
      },
      {
        one: 'read h; printf \'{"ServerURL":"%s","Username":"ua","Secret":"sa"}\' "$h"',
        store:
          'read h; [ "$h" = b.example ] && printf \'{"Username":"<token>","Secret":"idt"}\' && exit 0; echo "credentials not found in native keychain"; exit 1',
      },
    );
    expect(await findCredentials('a.example', env)).toMatchObject({
      username: 'ua',
      password: 'sa',
      source: expect.stringMatching(/^docker-credential-one \(.*credHelpers\.a\.example\)$/),
    });
    expect(await findCredentials('b.example', env)).toMatchObject({ identityToken: 'idt' });
    expect(await findCredentials('c.example', env)).toMatchObject({ username: 'c' });
  });

  it.each([
    ['not JSON', 'nope', /config\.json: \/: is not JSON/],
    ['an array', '[]', /is not a JSON object/],
    ['auths a string', { auths: 'x' }, /auths: is not an object/],
    [
      'auth not base64',
      { auths: { 'r.example': { auth: '!!!' } } },
      /auths\.r\.example\.auth: is not base64/,
    ],
    [
      'auth without a colon',
      { auths: { 'r.example': { auth: b64('nocolon') } } },
      /is not base64 of user:password/,
    ],
    [
      'a helper name with a slash',
      { credHelpers: { 'r.example': '../../bin/sh' } },
      /"\.\.\/\.\.\/bin\/sh" is not a credential helper name/,
    ],
    [
      'a helper not on PATH',
      { credsStore: 'absent' },
      /names docker-credential-absent, which is not on PATH/,
    ],
  ])('refuses a config with %s in one line', async (_what, config, why) => {
    const error = await findCredentials('r.example', await dockerConfig(config)).catch((e: Error) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(why);
  });

  it('refuses a config over 1 MiB and a helper that prints garbage', async () => {
    await expect(
      findCredentials('r.example', await dockerConfig(`{"x":"${'a'.repeat(1024 * 1024)}"}`)),
    ).rejects.toThrow(/over the limit of 1048576/);
    const env = await dockerConfig({ credsStore: 'bad' }, { bad: 'echo not-json' });
    await expect(findCredentials('r.example', env)).rejects.toThrow(
      /docker-credential-bad .* printed something that is not JSON for r\.example/,
    );
    const failing = await dockerConfig({ credsStore: 'bad' }, { bad: 'echo boom >&2; exit 3' });
    await expect(findCredentials('r.example', failing)).rejects.toThrow(
      /get exited with code 3 for r\.example/,
    );
  });
});
