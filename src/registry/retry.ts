/**
 * The pieces of a retry: how long to wait (exponential backoff with jitter, or the registry's
 * Retry-After), the wait itself (cut short by the run's signal), and a network failure in words.
 */
const MAX_RETRY_AFTER_MS = 60_000;

/** A network failure as a person reads it: what undici's cause code means, and the likely fix. */
export function networkReason(code: string | undefined, message: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the registry running on that port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${code})`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `the connection was dropped (${code})`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `its TLS certificate is not trusted (${code}): add its CA to NODE_EXTRA_CA_CERTS`;
    default:
      return code ? `${code}: ${message}` : message;
  }
}

export function backoff(base: number, attempt: number): number {
  return base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
}

/** Retry-After as seconds or an HTTP date (RFC 9110 section 10.2.3), capped. */
export function retryAfter(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
