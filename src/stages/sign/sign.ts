import { chmod, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CrossgoError } from '../../errors.js';
import { run } from '../../exec/run.js';
import { which } from '../../exec/which.js';
import { tempPathFor, writeFileAtomic } from '../../fs/atomic.js';

import type { SignMethod } from '../../pipeline/release.js';

export type { SignMethod };

/** Signing failed: the signer's own message, never the passphrase. */
export class SignError extends CrossgoError {
  override name = 'SignError';
}

export interface SignOptions {
  method: SignMethod;
  /** gpg: a key ID, fingerprint or user ID (default: gpg's default key); ssh: the private key file. */
  key?: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** The file's name in messages (it may be signed from a temporary name); default its base name. */
  shown?: string;
}

/** Where the passphrase may come from: the agent, or these variables (never a flag, never the manifest). */
export const PASSPHRASE_VARIABLES = { gpg: 'CROSSGO_GPG_PASSPHRASE', ssh: 'CROSSGO_SSH_PASSPHRASE' } as const;

/** The signature file a method writes beside `file`. */
export function signatureName(file: string, method: SignMethod): string {
  return `${file}${method === 'gpg' ? '.asc' : '.sig'}`;
}

/**
 * Writes a detached signature of `file` to `output`: ASCII-armoured for gpg (what
 * `gpg --verify` checks), `ssh-keygen -Y sign` with namespace "file" for ssh.
 */
export async function signFile(file: string, output: string, options: SignOptions): Promise<void> {
  if (options.method === 'gpg') await signGpg(file, output, options);
  else await signSsh(file, output, options);
}

async function signGpg(file: string, output: string, options: SignOptions): Promise<void> {
  const passphrase = options.env[PASSPHRASE_VARIABLES.gpg];
  // gpg writes a temporary name, renamed into place: an interrupted signing leaves no half file.
  const temp = tempPathFor(output);
  const args = ['--batch', '--yes', '--armor', '--detach-sign', '--output', temp];
  if (options.key) args.push('--local-user', options.key);
  // The passphrase goes through stdin (loopback pinentry), never through argv or a file.
  if (passphrase !== undefined) args.push('--pinentry-mode', 'loopback', '--passphrase-fd', '0');
  args.push('--', file);
  try {
    const result = await run('gpg', args, {
      env: options.env,
      signal: options.signal,
      missingHint: 'install GnuPG (apt-get install gnupg)',
      ...(passphrase !== undefined ? { input: `${passphrase}\n` } : {}),
    });
    if (result.exitCode !== 0) {
      throw new SignError(
        `gpg could not sign ${options.shown ?? path.basename(file)}: ${signerMessage(result.stderr, passphrase)}`,
      );
    }
    await rename(temp, output);
  } finally {
    await rm(temp, { force: true });
  }
}

async function signSsh(file: string, output: string, options: SignOptions): Promise<void> {
  if (!options.key)
    throw new SignError(
      '--sign ssh needs --key FILE (the private key, or its .pub with the key in ssh-agent)',
    );
  if (!which('ssh-keygen', options.env))
    throw new SignError('ssh-keygen not found on PATH: install openssh-client');
  const passphrase = options.env[PASSPHRASE_VARIABLES.ssh];
  // ssh-keygen asks for a passphrase through SSH_ASKPASS when forced to, so a tiny askpass
  // program hands it the variable's value (the value itself is never written to disk).
  let askpassDir: string | null = null;
  const env: NodeJS.ProcessEnv = { ...options.env };
  try {
    if (passphrase !== undefined) {
      askpassDir = await mkdtemp(path.join(os.tmpdir(), 'crossgo-askpass-'));
      const askpass = path.join(askpassDir, 'askpass');
      await writeFile(askpass, `#!/bin/sh\nprintf '%s\\n' "$${PASSPHRASE_VARIABLES.ssh}"\n`);
      await chmod(askpass, 0o700);
      env.SSH_ASKPASS = askpass;
      env.SSH_ASKPASS_REQUIRE = 'force';
      env.DISPLAY = env.DISPLAY || ':0';
    }
    // With no file operand ssh-keygen signs stdin and prints the signature: crossgo writes it
    // atomically itself instead of ssh-keygen's <file>.sig.
    const result = await run('ssh-keygen', ['-Y', 'sign', '-f', options.key, '-n', 'file'], {
      env,
      signal: options.signal,
      input: await readFile(file),
    });
    if (result.exitCode !== 0 || !result.stdout.includes('BEGIN SSH SIGNATURE')) {
      throw new SignError(
        `ssh-keygen could not sign ${options.shown ?? path.basename(file)}: ${signerMessage(result.stderr, passphrase)}`,
      );
    }
    await writeFileAtomic(output, result.stdout);
  } finally {
    if (askpassDir) await rm(askpassDir, { recursive: true, force: true });
  }
}

/**
 * The signer's last meaningful lines, each said once, with the passphrase masked should a tool
 * ever echo it. gpg states one cause twice, as the key it skipped and as the failure
 * (`gpg: skipped "KEY": No secret key` then `gpg: signing failed: No secret key`): a line whose
 * reason (after its last ": ") an earlier line already gave is left out, and so is the tool's
 * own "gpg: " prefix, which the message already names.
 */
export function signerMessage(stderr: string, passphrase: string | undefined): string {
  const reasons = new Set<string>();
  const lines: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim().replace(/^gpg: /, '');
    if (line === '') continue;
    const reason = line.slice(line.lastIndexOf(': ') + 1).trim();
    if (reasons.has(reason)) continue;
    reasons.add(reason);
    lines.push(line);
  }
  let text = lines.slice(-3).join('; ');
  if (passphrase) text = text.split(passphrase).join('***');
  return text || 'no message';
}
