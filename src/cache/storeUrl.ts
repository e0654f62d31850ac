/** A remote store, as one URL string carries it: the kind, the parsed URL and whether to upload. */
export interface StoreUrl {
  kind: 'http' | 's3';
  url: URL;
  /** `?readonly=1` (or `true`) in the URL. */
  readonly: boolean;
}

/**
 * Reads `--remote`/`--cache`/`cache:`/`CROSSGO_CACHE_URL`: the store, or one line saying what is
 * wrong with it (the caller names the input). The line never repeats user info (credentials).
 */
export function parseStoreUrl(text: string): StoreUrl | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL (expected http(s)://host/prefix)';
  }
  const flag = url.searchParams.get('readonly');
  const readonly = flag === '1' || flag === 'true';
  if (url.protocol === 's3:') return 's3:// stores are not supported yet; use an http(s):// store';
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `${url.protocol} is not a supported store (expected http(s)://host/prefix)`;
  return { kind: 'http', url, readonly };
}
