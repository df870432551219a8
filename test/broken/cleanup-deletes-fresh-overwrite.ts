/**
 * A listing notes the expired keys it skips and cleans them up later, at the start of the next
 * listing, by name and without checking they are still expired: a key written again in between
 * loses its new value (Axum's cleanup_expired_keys before upstream added its still-expired check).
 * `cleansUpByName` also gives the same fault with the cleanup inside the listing that met the keys
 * (cleanup-races-overwrite.ts).
 */
import type { ProviderDefinition } from '../../api/index.ts';
import { brokenProvider, keepsExpiredKeys, keysAfter, pageOf, refuseBadLimit } from './base.ts';

/**
 * When the cleanup runs: at the start of the next listing, or in the same listing after a turn of
 * the event loop (its own write after the read, as Axum's list_keys_page does), so only a write
 * that lands during that listing is lost.
 */
export type CleanupAt = 'next-listing' | 'same-listing';

export function cleansUpByName(id: string, fault: string, at: CleanupAt): ProviderDefinition {
  return brokenProvider(id, fault, (model) => {
    const { expired, forget, ops } = keepsExpiredKeys(model);
    /** Names a listing found expired, for the cleanup. */
    let noted: string[] = [];
    /** The cleanup of what a listing found expired: by name, with no second look. */
    const cleanUp = () => {
      for (const key of noted) {
        forget(key);
      }
      noted = [];
    };
    return {
      ...ops,
      async list({ prefix = '', limit = 1000, cursor }) {
        refuseBadLimit(limit);
        if (at === 'next-listing') cleanUp();
        const ahead = keysAfter(model, prefix, cursor);
        noted = ahead.filter(expired);
        const live = ahead.filter((key) => !expired(key));
        if (at === 'same-listing') {
          await new Promise((resolve) => setImmediate(resolve));
          cleanUp();
        }
        return pageOf(live, limit);
      },
    };
  });
}

export default cleansUpByName('cleanup-deletes-fresh-overwrite', 'a deferred cleanup deletes a fresh overwrite', 'next-listing');
