import { HttpRemote, type Remote } from './remote.js';
import type { StoreUrl } from './storeUrl.js';

/** The remote tier a store URL names (parseStoreUrl checked it). */
export function openRemote(store: StoreUrl, env: NodeJS.ProcessEnv): Remote {
  if (store.kind === 'http') return new HttpRemote(store.url, env);
  throw new Error('s3:// stores are not supported yet');
}
