/**
 * Axum's own shape of the fault: a listing cleans up the expired keys it met in a write of its own
 * after its read, by name and with no second look, so a put that lands between the two loses its
 * value. Listings that finish before the overwrite do no harm: only a case that races them catches it.
 */
import { cleansUpByName } from './cleanup-deletes-fresh-overwrite.ts';

export default cleansUpByName('cleanup-races-overwrite', "a listing's own cleanup deletes an overwrite that lands while it runs", 'same-listing');
