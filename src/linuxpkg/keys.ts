import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CrossgoError, UsageError } from '../errors.js';
import { run } from '../exec/run.js';
import { readRegular } from '../fs/open.js';

/**
 * The keys nfpm signs with, each in a file of a private folder (0700, the file 0600) that is
 * removed when the packages are made, and whose passphrase reaches nfpm only through its
 * environment (NFPM_DEB_PASSPHRASE, NFPM_RPM_PASSPHRASE, NFPM_APK_PASSPHRASE), never argv.
 *
 * deb and rpm: the release's gpg key (package.sign: gpg, package.key), exported with
 * `gpg --export-secret-keys --armor` (nfpm signs with an OpenPGP key file, not through gpg); its
 * passphrase is crossgo's gpg one, CROSSGO_GPG_PASSPHRASE. apk: Alpine signs with RSA
 * (abuild-sign), which a gpg key is not: CROSSGO_APK_KEY_FILE names the RSA private key (PEM),
 * CROSSGO_APK_KEY_NAME its public key's name in /etc/apk/keys (default the file's name + .pub,
 * as abuild-keygen names them), CROSSGO_APK_KEY_PASSPHRASE its passphrase if it has one.
 */
export const GPG_PASSPHRASE_VARIABLE = 'CROSSGO_GPG_PASSPHRASE';
export const APK_KEY_VARIABLES = {
  file: 'CROSSGO_APK_KEY_FILE',
  name: 'CROSSGO_APK_KEY_NAME',
  passphrase: 'CROSSGO_APK_KEY_PASSPHRASE',
} as const;

export class KeyError extends CrossgoError {
  override name = 'KeyError';
}

export interface SigningKeys {
  /** The OpenPGP secret key file for deb and rpm. */
  gpg?: string;
  apk?: { keyFile: string; keyName: string };
  /** For nfpm's environment. */
  secrets: Record<string, string>;
  dispose(): Promise<void>;
}

/** The apk key's settings from the environment, checked before anything is made; null when unset. */
export function apkKeySetting(env: NodeJS.ProcessEnv, cwd: string): { file: string; name: string } | null {
  const file = env[APK_KEY_VARIABLES.file];
  if (file === undefined || file === '') return null;
  const absolute = path.resolve(cwd, file);
  const name = env[APK_KEY_VARIABLES.name] || `${path.basename(absolute)}.pub`;
  if (!/^[A-Za-z0-9._+-]{1,128}$/.test(name)) {
    throw new UsageError(
      `${APK_KEY_VARIABLES.name}=${JSON.stringify(name)}: an apk key name is a plain file name (letters, digits and . _ + -), e.g. builder-6a1b2c3d.rsa.pub`,
    );
  }
  return { file: absolute, name };
}

export interface KeyRequest {
  /** Sign deb and rpm with gpg: the key (ID, fingerprint or user ID), or undefined for gpg's only key. */
  gpg?: { key?: string };
  apk?: { file: string; name: string };
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

export async function prepareSigningKeys(request: KeyRequest): Promise<SigningKeys> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'crossgo-keys-'));
  await chmod(dir, 0o700);
  const keys: SigningKeys = {
    secrets: {},
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
  try {
    if (request.gpg) {
      const passphrase = request.env[GPG_PASSPHRASE_VARIABLE];
      keys.gpg = path.join(dir, 'gpg.asc');
      await exportGpgKey(await gpgFingerprint(request.gpg.key, request), keys.gpg, passphrase, request);
      if (passphrase) {
        keys.secrets.NFPM_DEB_PASSPHRASE = passphrase;
        keys.secrets.NFPM_RPM_PASSPHRASE = passphrase;
      }
    }
    if (request.apk) {
      const shown = `${APK_KEY_VARIABLES.file} (${request.apk.file})`;
      const pem = await readRegular(request.apk.file, { shown, maxBytes: 64 * 1024 }).catch(
        (error: unknown) => {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT')
            throw new UsageError(
              `${shown}: no such file: name the RSA private key apk packages are signed with`,
            );
          throw error;
        },
      );
      if (!/-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----/.test(pem.toString('latin1'))) {
        throw new UsageError(
          `${shown} is not a PEM private key: apk packages are signed with RSA (openssl genrsa -out builder.rsa 4096)`,
        );
      }
      const keyFile = path.join(dir, 'apk.rsa');
      await writeFile(keyFile, pem, { mode: 0o600, flag: 'wx' });
      keys.apk = { keyFile, keyName: request.apk.name };
      const passphrase = request.env[APK_KEY_VARIABLES.passphrase];
      if (passphrase) keys.secrets.NFPM_APK_PASSPHRASE = passphrase;
    }
    return keys;
  } catch (error) {
    await keys.dispose();
    throw error;
  }
}

/** The fingerprint of the one secret key `key` names (or gpg's only secret key). */
async function gpgFingerprint(key: string | undefined, request: KeyRequest): Promise<string> {
  const result = await run(
    'gpg',
    ['--batch', '--with-colons', '--list-secret-keys', ...(key ? ['--', key] : [])],
    {
      env: request.env,
      signal: request.signal,
      missingHint: 'install GnuPG (apt-get install gnupg)',
    },
  );
  const fingerprints: string[] = [];
  let primary = false;
  for (const line of result.stdout.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'sec') primary = true;
    else if (fields[0] === 'ssb') primary = false;
    else if (fields[0] === 'fpr' && primary) {
      fingerprints.push(fields[9] as string);
      primary = false;
    }
  }
  const named = key ? `secret key ${JSON.stringify(key)}` : 'secret key';
  if (fingerprints.length === 0)
    throw new KeyError(
      `gpg has no ${named}: the Linux packages are signed with the release's gpg key (--key)`,
    );
  if (fingerprints.length > 1) {
    throw new UsageError(
      `gpg holds ${fingerprints.length} secret keys${key ? ` matching ${JSON.stringify(key)}` : ''}: name the one the packages are signed with by its fingerprint (--key or package.key)`,
    );
  }
  return fingerprints[0] as string;
}

async function exportGpgKey(
  fingerprint: string,
  file: string,
  passphrase: string | undefined,
  request: KeyRequest,
): Promise<void> {
  // gpg >= 2.1 asks for the passphrase to export a secret key: loopback, through stdin.
  const args = ['--batch', '--yes', '--armor', '--output', file];
  if (passphrase !== undefined) args.push('--pinentry-mode', 'loopback', '--passphrase-fd', '0');
  args.push('--export-secret-keys', '--', fingerprint);
  const result = await run('gpg', args, {
    env: request.env,
    signal: request.signal,
    umask: 0o077,
    ...(passphrase !== undefined ? { input: `${passphrase}\n` } : {}),
  });
  if (result.exitCode !== 0) {
    let text = result.stderr.trim().split('\n').slice(-2).join('; ');
    if (passphrase) text = text.split(passphrase).join('***');
    throw new KeyError(
      `gpg could not export the signing key ${fingerprint} for nfpm: ${text || 'no message'}`,
    );
  }
  await chmod(file, 0o600);
}
