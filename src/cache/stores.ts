import { HttpRemote, type Remote } from './remote.js';
import { S3Remote } from './s3.js';
import { type StoreUrl, s3Settings } from './storeUrl.js';

/**
 * The remote tier a store URL names (parseStoreUrl checked it). Nothing is loaded or connected
 * here: the S3 store loads the AWS SDK on its first request.
 */
export function openRemote(store: StoreUrl, env: NodeJS.ProcessEnv): Remote {
  if (store.kind === 'http') return new HttpRemote(store.url, env);
  const settings = s3Settings(store.s3, env);
  // The callers checked the environment too (cacheUrlOf, parseCacheProgArgs): a bug if it fails.
  if (typeof settings === 'string') throw new Error(`s3 store: ${settings}`);
  return new S3Remote(settings, env);
}
