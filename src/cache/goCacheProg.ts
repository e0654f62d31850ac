import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { parseStoreUrl, s3Settings } from './storeUrl.js';

/**
 * The GOCACHEPROG value that runs this crossgo's `cache-prog`: node, crossgo's entry script
 * and the flags. go splits the value with cmd/internal/quoted.Split: words separated by
 * spaces, each optionally inside '…' or "…" with nothing escaped, so a word may hold one kind
 * of quote but not both.
 */
export function goCacheProgValue(remote: string, readonly: boolean): string {
  const entry = fileURLToPath(new URL('../../bin/crossgo.js', import.meta.url));
  const words = [
    process.execPath,
    entry,
    'cache-prog',
    '--remote',
    remote,
    ...(readonly ? ['--readonly'] : []),
  ];
  return words.map(quoteForGo).join(' ');
}

export function quoteForGo(word: string): string {
  if (!word.includes("'")) return `'${word}'`;
  if (!word.includes('"')) return `"${word}"`;
  throw new UsageError(
    `cannot pass ${JSON.stringify(word)} in GOCACHEPROG: go cannot quote a word holding both ' and "`,
  );
}

/**
 * The store a build uses: --cache, else the config's `cache`, else CROSSGO_CACHE_URL; null: none.
 * An http(s):// or s3:// URL; for s3, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL and AWS_REGION are checked
 * here too, so a bad one is a usage error before go runs rather than a warning per go command.
 */
export function cacheUrlOf(
  option: string | undefined,
  config: string | undefined,
  env: NodeJS.ProcessEnv,
): string | null {
  const url = option || config || env.CROSSGO_CACHE_URL || '';
  if (url === '') return null;
  const parsed = parseStoreUrl(url);
  const problem =
    typeof parsed === 'string' ? parsed : parsed.kind === 's3' ? s3Settings(parsed.s3, env) : null;
  if (typeof problem === 'string') throw new UsageError(`cache ${JSON.stringify(redact(url))}: ${problem}`);
  return url;
}

/** The URL as it may be shown: user info (a password) replaced by `***`. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}
