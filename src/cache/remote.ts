import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { copyChecked, type Fetched } from './checkedCopy.js';
import { type CacheEntry, parseEntry } from './local.js';

/** Small requests (an action record, HEAD) and object transfers: a slower store is a failed one. */
export const SMALL_TIMEOUT_MS = 5_000;
export const TRANSFER_TIMEOUT_MS = 60_000;

/** Why a remote read gave nothing: absent (a plain miss) or not what its name says. */
export type { Fetched };

/**
 * The remote tier, whatever the store: reads are checked by the caller's IDs, writes put the
 * object before the record that points at it. Every method throws when the store fails; the
 * caller turns the first failure into one warning. `where` names the store without credentials.
 */
export interface Remote {
  readonly where: string;
  getEntry(actionID: string): Promise<CacheEntry | null>;
  getObject(outputID: string, size: number, dest: string): Promise<Fetched>;
  put(actionID: string, entry: CacheEntry, file: string): Promise<void>;
}

/**
 * The plain-HTTP store: `<base>/ac/<actionID>` holds a small JSON record of the entry,
 * `<base>/cas/<outputID>` the bytes (the layout of bazel-remote, served as files by nginx WebDAV).
 * Auth comes from the environment only and is never part of a message: `where` is the URL
 * without user info or query.
 */
export class HttpRemote implements Remote {
  readonly where: string;
  private readonly base: string;
  private readonly headers: Record<string, string> = {};

  constructor(url: URL, env: NodeJS.ProcessEnv) {
    const clean = new URL(url.href);
    const user = decodeURIComponent(clean.username);
    const password = decodeURIComponent(clean.password);
    clean.username = '';
    clean.password = '';
    clean.search = '';
    clean.hash = '';
    this.base = clean.href.replace(/\/+$/, '');
    this.where = this.base;
    const token = env.CROSSGO_CACHE_TOKEN;
    const basicUser = env.CROSSGO_CACHE_USER ?? (user || undefined);
    const basicPassword = env.CROSSGO_CACHE_PASSWORD ?? password;
    if (token) this.headers.authorization = `Bearer ${token}`;
    else if (basicUser !== undefined)
      this.headers.authorization = `Basic ${Buffer.from(`${basicUser}:${basicPassword}`).toString('base64')}`;
  }

  private async request(method: string, key: string, timeoutMs: number, init: RequestInit = {}) {
    return fetch(`${this.base}/${key}`, {
      ...init,
      method,
      headers: { ...this.headers, ...(init.headers as Record<string, string> | undefined) },
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  /** The action's record, or null when the store has none (404); throws when the store fails. */
  async getEntry(actionID: string): Promise<CacheEntry | null> {
    const response = await this.request('GET', `ac/${actionID}`, SMALL_TIMEOUT_MS);
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) throw new HttpStatusError(response.status);
    const text = await response.text();
    if (text.length > 4096) return null;
    try {
      return parseEntry(text);
    } catch {
      return null;
    }
  }

  /**
   * Streams `cas/<outputID>` into `dest`, hashing it on the way: bytes whose SHA-256 or size
   * differ from the names are a mismatch and `dest` is removed.
   */
  async getObject(outputID: string, size: number, dest: string): Promise<Fetched> {
    const response = await this.request('GET', `cas/${outputID}`, TRANSFER_TIMEOUT_MS);
    if (response.status === 404) {
      await response.body?.cancel();
      return { ok: false, why: 'absent' };
    }
    if (!response.ok || response.body === null) throw new HttpStatusError(response.status);
    return copyChecked(
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
      dest,
      outputID,
      size,
    );
  }

  /** Uploads the object (unless the store has it) and only then the record that points at it. */
  async put(actionID: string, entry: CacheEntry, file: string): Promise<void> {
    const head = await this.request('HEAD', `cas/${entry.outputID}`, SMALL_TIMEOUT_MS);
    const length = head.ok ? Number(head.headers.get('content-length')) : -1;
    if (length !== entry.size) {
      const { size } = await stat(file);
      const response = await this.request('PUT', `cas/${entry.outputID}`, TRANSFER_TIMEOUT_MS, {
        body: Readable.toWeb(createReadStream(file)) as unknown as RequestInit['body'],
        headers: { 'content-length': String(size) },
        duplex: 'half',
      } as RequestInit);
      await response.body?.cancel();
      if (!response.ok) throw new HttpStatusError(response.status);
    }
    const record = await this.request('PUT', `ac/${actionID}`, SMALL_TIMEOUT_MS, {
      body: JSON.stringify(entry),
      headers: { 'content-type': 'application/json' },
    });
    await record.body?.cancel();
    if (!record.ok) throw new HttpStatusError(record.status);
  }
}

export class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(
      `HTTP ${status}${status === 401 || status === 403 ? ' (check CROSSGO_CACHE_TOKEN or CROSSGO_CACHE_USER/CROSSGO_CACHE_PASSWORD)' : ''}`,
    );
  }
}

/** A failure a store has already put in words that are safe to show (no credentials). */
export class StoreError extends Error {}

/** What AWS SDK errors carry: the error code as `name` and the HTTP status in `$metadata`. */
interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: { code?: string; message?: string };
}

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'Forbidden',
]);

/**
 * A failure in words that never include the request's headers (the credentials): an HTTP
 * store's status, an S3 error's code and status (never its message, which may quote the
 * request), a network error's code, or "timed out".
 */
export function failureWords(error: unknown): string {
  if (error instanceof HttpStatusError || error instanceof StoreError) return error.message;
  const e = error as SdkError | null;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  if (e && typeof e.$metadata === 'object') {
    const status = e.$metadata?.httpStatusCode;
    const code = typeof e.name === 'string' && /^[A-Za-z][A-Za-z0-9.]{0,63}$/.test(e.name) ? e.name : '';
    const networkCode = e.code ?? e.cause?.code;
    if (status === undefined && networkCode) return `${networkCode}`;
    const words = [
      status ? `HTTP ${status}` : '',
      code && code !== 'Unknown' && code !== 'UnknownError' ? code : '',
    ]
      .filter(Boolean)
      .join(' ');
    const credentials = status === 401 || status === 403 || CREDENTIAL_CODES.has(code);
    return `${words || 'S3 error'}${credentials ? ' (check the AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE)' : ''}`;
  }
  const code = e?.code ?? e?.cause?.code;
  return code ? `${code}` : (e?.cause?.message ?? e?.message ?? String(error));
}
