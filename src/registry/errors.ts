import { CrossgoError } from '../errors.js';

/**
 * A registry refused or failed a request, or answered something crossgo does not accept (a
 * manifest over its size bound, a blob whose bytes are not its digest). Names the registry and,
 * for auth, the credential source, never a secret. Exit 1.
 */
export class RegistryError extends CrossgoError {
  override name = 'RegistryError';
  constructor(
    readonly registry: string,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The registry said 401 or 403 to the credentials crossgo found (or found none to try). */
export class RegistryAuthError extends RegistryError {
  override name = 'RegistryAuthError';
}
