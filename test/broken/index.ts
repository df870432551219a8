/**
 * Every broken provider: the cases that must catch its one fault, the only categories it may
 * fail (one defect, one area; `model` is the second net every fault may show in), and, for a
 * changed limit, the fact the report must state exactly.
 */
import type { ProviderDefinition } from '../../api/index.ts';
import jsStringOrder from './js-string-order.ts';
import dropsKeyPerPage from './drops-key-per-page.ts';
import ignoresTtl from './ignores-ttl.ts';
import accepts513ByteKeys from './accepts-513-byte-keys.ts';
import mergesNfcNfd from './merges-nfc-nfd.ts';
import cursorRepeatsLastKey from './cursor-repeats-last-key.ts';
import deleteMissingFails from './delete-missing-fails.ts';
import smallPageLimit, { SMALL_PAGE_LIMIT } from './small-page-limit.ts';
import smallValueLimit, { SMALL_VALUE_LIMIT } from './small-value-limit.ts';
import smallKeyLimit, { SMALL_KEY_LIMIT } from './small-key-limit.ts';
import lateExpiry, { LATE_SECONDS } from './late-expiry.ts';
import filtersAfterPaging from './filters-after-paging.ts';
import sortsEachPage from './sorts-each-page.ts';
import cursorKeepsFirstLimit from './cursor-keeps-first-limit.ts';
import emptyPrefixIgnoresCursor from './empty-prefix-ignores-cursor.ts';
import listingEndsAtExpired from './listing-ends-at-expired.ts';
import expiredRunEndsWalk from './expired-run-ends-walk.ts';
import cleanupDeletesFreshOverwrite from './cleanup-deletes-fresh-overwrite.ts';
import cleanupRacesOverwrite from './cleanup-races-overwrite.ts';
import storesReservedKeys from './stores-reserved-keys.ts';
import dropsJsonNull from './drops-json-null.ts';
import losesWritesOver64InFlight from './loses-writes-over-64-in-flight.ts';

export interface Broken {
  provider: ProviderDefinition;
  mustFail: string[];
  /** The categories its failures may fall in; a failure anywhere else is the suite's bug. */
  categories: string[];
  /** Case id → fields its observed fact must have (the limits the report states). */
  facts?: Record<string, Record<string, unknown>>;
}

const WIDTHS = ['1-byte', '2-byte', '3-byte', '4-byte'];

export const BROKEN: Broken[] = [
  { provider: jsStringOrder, mustFail: ['pagination.order.utf8-bytes', 'pagination.native.order'], categories: ['pagination', 'model'] },
  { provider: dropsKeyPerPage, mustFail: ['pagination.walk.page-2', 'pagination.walk.2500-keys'], categories: ['pagination', 'model'] },
  { provider: ignoresTtl, mustFail: ['ttl.expiry.exact', 'ttl.expired.vanishes', 'ttl.expired.left-out-of-every-page'], categories: ['ttl', 'model'] },
  {
    provider: accepts513ByteKeys,
    mustFail: WIDTHS.map((width) => `keys.native.max-bytes.${width}-chars`),
    categories: ['keys'],
    facts: Object.fromEntries(WIDTHS.map((width) => [`keys.native.max-bytes.${width}-chars`, { value: 513 }])),
  },
  // Normalised names are one key to get, and show so in listings too (prefix é, names as written).
  { provider: mergesNfcNfd, mustFail: ['unicode.nfc-nfd-distinct', 'unicode.nfc-nfd-distinct.hangul'], categories: ['unicode', 'pagination', 'model'] },
  { provider: cursorRepeatsLastKey, mustFail: ['pagination.walk.page-2', 'pagination.walk.small', 'pagination.cursor.variable-limit'], categories: ['pagination', 'model'] },
  // An expired key is a missing key: deleting it fails too (ttl.expired.delete).
  { provider: deleteMissingFails, mustFail: ['crud.delete-missing', 'crud.native-delete-missing', 'crud.delete.twice'], categories: ['crud', 'ttl', 'model'] },
  {
    provider: smallPageLimit,
    mustFail: ['pagination.native.max-page', 'pagination.walk.page-1000', 'pagination.limits.accepted'],
    categories: ['pagination', 'model'],
    facts: { 'pagination.native.max-page': { value: SMALL_PAGE_LIMIT, refused: SMALL_PAGE_LIMIT + 1 }, 'pagination.native.default-limit': { keys: SMALL_PAGE_LIMIT } },
  },
  {
    provider: smallValueLimit,
    mustFail: ['values.native.max', 'values.max.exactly-25-mib', 'values.1-mib'],
    categories: ['values'],
    facts: { 'values.native.max': { value: SMALL_VALUE_LIMIT, refused: SMALL_VALUE_LIMIT + 1, error: `value of ${SMALL_VALUE_LIMIT + 1} bytes exceeds ${SMALL_VALUE_LIMIT}` } },
  },
  {
    provider: smallKeyLimit,
    mustFail: [...WIDTHS.map((width) => `keys.native.max-bytes.${width}-chars`), 'keys.max-bytes.1-byte-chars'],
    categories: ['keys'],
    facts: Object.fromEntries(WIDTHS.map((width) => [`keys.native.max-bytes.${width}-chars`, { value: SMALL_KEY_LIMIT, refused: SMALL_KEY_LIMIT + 1 }])),
  },
  {
    provider: lateExpiry,
    mustFail: ['ttl.expiry.exact', 'ttl.native.expiry-at-ttl'],
    categories: ['ttl', 'model'],
    facts: { 'ttl.native.expiry-at-ttl': { lateMs: LATE_SECONDS * 1000, presentAtMs: LATE_SECONDS * 1000 - 1, measured: 'controlled-clock' } },
  },
  // The faults peers' own tests are about (docs/peer-suites.md), each caught by the case the map names.
  // EdgeZero's contract macro: a first page of limit 1 under a prefix holds one key.
  { provider: filtersAfterPaging, mustFail: ['pagination.page.full', 'pagination.native.max-page'], categories: ['pagination', 'model'] },
  // Spin's prefix_filters_then_sorts and empty_prefix_returns_all_sorted: the order as returned, from page to page.
  { provider: sortsEachPage, mustFail: ['pagination.order.under-prefix', 'pagination.order.empty-prefix', 'pagination.order.ascii'], categories: ['pagination', 'model'] },
  // Miniflare's "paginates with variable limit": each resumed page keeps to its own limit.
  { provider: cursorKeepsFirstLimit, mustFail: ['pagination.cursor.variable-limit'], categories: ['pagination', 'model'] },
  // Spin's empty_prefix_returns_all_sorted: the empty prefix lists every key, to the end.
  { provider: emptyPrefixIgnoresCursor, mustFail: ['pagination.prefix.empty', 'pagination.order.empty-prefix'], categories: ['pagination', 'model'] },
  // Axum's list_keys_page_skips_expired_entries, keyv's and Miniflare's expired-key listings: the live keys beside them are listed.
  { provider: listingEndsAtExpired, mustFail: ['ttl.expired.list-only', 'ttl.expired.long-run-before-live'], categories: ['ttl', 'model'] },
  // Axum's list_keys_page_returns_resume_cursor_when_scan_cap_is_hit: a page capped inside a run of expired keys must not end the walk.
  { provider: expiredRunEndsWalk, mustFail: ['ttl.expired.long-run-before-live'], categories: ['ttl', 'model'] },
  // Axum's cleanup_expired_keys_does_not_delete_fresh_overwrite: a cleanup after the listing that met the
  // expired key, and (Axum's shape) the listing's own cleanup racing the overwrite.
  { provider: cleanupDeletesFreshOverwrite, mustFail: ['ttl.expired.overwrite'], categories: ['ttl', 'model'] },
  { provider: cleanupRacesOverwrite, mustFail: ['ttl.expired.overwrite'], categories: ['ttl', 'model'] },
  // Miniflare's get/put/delete "validates key": the platform itself refuses "", "." and "..".
  { provider: storesReservedKeys, mustFail: ['keys.native.reserved'], categories: ['keys'] },
  // keyv's "value can be null".
  { provider: dropsJsonNull, mustFail: ['crud.typed.null'], categories: ['crud', 'model'] },
  // Axum's concurrent_writes_dont_panic: a hundred writers at once.
  { provider: losesWritesOver64InFlight, mustFail: ['concurrency.distinct-writers', 'concurrency.distinct-counters'], categories: ['concurrency'] },
];
