/**
 * Every rule of EdgeZero's KV contract, and the example cases that catch its violation on every
 * seed (a fixed input: a `contract` check, or a probe held to the contract). Properties and
 * model-based runs are a second net and are never what a rule relies on. docs/contract-rules.md is
 * rendered from this list, and test/rules.test.ts keeps both honest: every id exists and is an
 * example, every contract check belongs to a rule, every broken provider named here fails its case.
 */

export interface Rule {
  /** Stable: section.name. */
  id: string;
  rule: string;
  /** Where the contract says it (contract digest section, upstream test). */
  source: string;
  /** Case ids or globs ("keys.control.*"). */
  cases: string[];
  /** A broken provider (test/broken/) that breaks exactly this rule: its named cases must FAIL on every seed. */
  mutant?: string;
}

export const RULES: Rule[] = [
  // Keys: the client refuses bad keys before the provider.
  { id: 'key.empty', rule: 'the empty key is refused by every operation', source: '§2.2 key rule 1', cases: ['keys.empty'] },
  { id: 'key.max-bytes', rule: 'a key over 512 UTF-8 bytes is refused, in every character width; bytes, not characters, count', source: '§2.2 key rule 2', cases: ['keys.over-max.*'] },
  { id: 'key.max-bytes-accepted', rule: 'a key of exactly 512 bytes works, in every character width; so does a one-character key', source: '§2.2 key rule 2', cases: ['keys.max-bytes.*'], mutant: 'broken-small-key-limit' },
  { id: 'key.dots', rule: 'the keys "." and ".." are refused; "...", "./a", "a/.", "a/..", "a/../b" are keys of their own', source: '§2.2 key rule 3', cases: ['keys.dot', 'keys.dotdot', 'keys.dot-segment.*'] },
  { id: 'key.control', rule: 'a key holding a Unicode Cc character (U+0000–001F, U+007F–009F) is refused', source: '§2.2 key rule 4', cases: ['keys.control.*'] },
  { id: 'key.allowed', rule: 'everything else is a key: Unicode, spaces, "/", ":", "#", "?", "|", ";", "^", the acme-challenge prefix', source: '§2.2 key rule 5', cases: ['keys.ascii-printable', 'keys.fastly-forbidden.*', 'unicode.japanese-key'] },
  { id: 'key.lone-surrogate', rule: 'a key or prefix with half a surrogate pair is refused (a Rust &str cannot hold one)', source: 'contract/rules.ts (port)', cases: ['unicode.lone-surrogate.*'] },
  { id: 'validate.first', rule: 'a refused input reaches no provider operation and leaves the store as it was', source: '§1.1 pre-validation contract', cases: ['keys.rejected.leaves-store-alone', 'validation.refused-write-keeps-old-value'] },
  { id: 'validate.order', rule: 'checks run in EdgeZero\'s order: key, TTL, value or serialization; prefix, limit, cursor; length before content', source: '§1.2 table', cases: ['validation.order.*'] },
  // Key identity: the bytes are the key.
  { id: 'key.case', rule: 'keys differing only in case are different keys', source: '§1.2 raw bytes; Miniflare "keys are case-sensitive"', cases: ['keys.case-sensitive'] },
  { id: 'key.no-normalisation', rule: 'keys are never Unicode-normalised (NFC/NFD, Hangul, compatibility forms)', source: '§1.2 raw bytes', cases: ['unicode.nfc-nfd-distinct', 'unicode.nfc-nfd-distinct.hangul', 'unicode.compatibility-distinct'], mutant: 'broken-merges-nfc-nfd' },
  { id: 'key.no-decoding', rule: 'keys are never URL-decoded or trimmed, and path segments are never resolved', source: '§2.2 key rule 5', cases: ['keys.percent-encoding.distinct', 'keys.whitespace', 'keys.slashes', 'keys.sibling.path-prefix', 'keys.dot-segment.*'] },
  { id: 'key.code-points', rule: 'emoji, zero-width, bidi and noncharacter code points are kept', source: '§2.2 key rule 5', cases: ['unicode.emoji', 'unicode.zero-width', 'unicode.rtl', 'unicode.noncharacters'] },
  { id: 'list.names', rule: 'a listing returns every key by the name it was written under', source: '§1.2, §3', cases: ['pagination.names-as-written'] },
  // Values.
  { id: 'value.max', rule: 'a value of up to 25 MiB round-trips, exactly 25 MiB included', source: '§2.1 MAX_VALUE_SIZE', cases: ['values.max.exactly-25-mib', 'values.1-mib'], mutant: 'broken-small-value-limit' },
  { id: 'value.over-max', rule: 'a value over 25 MiB is refused before the provider; for a typed put its JSON counts', source: '§2.2 value', cases: ['values.over-max.25-mib-plus-1', 'values.over-max.typed-json'] },
  { id: 'value.empty', rule: 'an empty value is stored and exists, never taken for a missing key', source: '§2.2 "Size 0 is allowed"', cases: ['values.empty', 'crud.exists.empty-value'] },
  { id: 'value.verbatim', rule: 'raw bytes come back as stored: every byte value, invalid UTF-8, BOM, CRLF, trailing whitespace', source: '§1.2 "Raw bytes are stored verbatim"', cases: ['values.all-byte-values', 'values.all-byte-values.reversed', 'values.utf8-bom-and-crlf', 'crud.binary-safe-key-value'] },
  { id: 'value.typed', rule: 'typed values are JSON: equal values come back; null is stored as null, a value as what it serializes to (toJSON); bytes that are not JSON are a Serialization error', source: '§1.2', cases: ['crud.typed.round-trip', 'crud.typed.numbers-exact', 'crud.typed.null', 'crud.typed.to-json', 'crud.typed.bad-json'], mutant: 'broken-drops-json-null' },
  { id: 'value.typed-falsy', rule: 'typed 0, false, "", [] and {} come back from get and get_or as themselves', source: '§1.2 get_or', cases: ['crud.typed.falsy'] },
  { id: 'value.unserializable', rule: 'a typed value JSON cannot hold is a Serialization error and nothing is written', source: '§1.2', cases: ['validation.serialization.*'] },
  // Reads, writes, deletes.
  { id: 'crud.round-trip', rule: 'put then get returns what was put; a key never written reads as missing (typed: null, get_or: the default)', source: '§6.1 contract_put_and_get, contract_get_missing_returns_none', cases: ['crud.round-trip', 'crud.missing-is-null', 'crud.typed.missing-is-null', 'crud.typed.get-or-default', 'crud.typed.get-or-existing'] },
  { id: 'crud.overwrite', rule: 'a put overwrites: the last value wins, no tail of a longer one is left, the JSON type may change', source: '§5; §6.1 contract_put_overwrites', cases: ['crud.overwrite.last-write-wins', 'crud.overwrite.shorter-value', 'crud.overwrite.type-change', 'values.overwrite.large-with-small'] },
  { id: 'crud.exists', rule: 'exists is false before a put, true after it, false after a delete', source: '§6.1 contract_exists', cases: ['crud.exists'] },
  { id: 'crud.delete', rule: 'delete removes that key only, and a key written again holds its new value', source: '§6.1 contract_delete_removes_key', cases: ['crud.delete', 'crud.delete.only-that-key', 'crud.put-after-delete'] },
  { id: 'crud.delete-missing', rule: 'delete of a missing key succeeds, twice too', source: '§5; §6.1 contract_delete_nonexistent_ok', cases: ['crud.delete-missing', 'crud.delete.twice'], mutant: 'broken-delete-missing-fails' },
  { id: 'crud.rmw', rule: 'read_modify_write returns and stores the new value, starting from the default when the key is missing', source: '§1.2; §6.2 update_*', cases: ['crud.rmw.increments', 'crud.rmw.default'] },
  // TTL.
  { id: 'ttl.bounds', rule: 'a TTL from 60 s to one year is accepted, both ends included; below (59.5 s too) or above is refused', source: '§2.2 TTL', cases: ['ttl.min-bound', 'ttl.max-bound', 'ttl.accepted.90.5s', 'ttl.below-min.*', 'ttl.above-max.*', 'validation.ttl.*'] },
  { id: 'ttl.stores', rule: 'a value written with a TTL is readable at once', source: '§6.1 contract_put_with_ttl_stores_value', cases: ['ttl.stores-value', 'ttl.stores-value.61s'] },
  { id: 'ttl.exact', rule: 'a key expires when now ≥ its expiry: present a second before, gone at the TTL (60 s, 300 s, a year)', source: '§4', cases: ['ttl.expiry.exact', 'ttl.expiry.exact-300s', 'ttl.expiry.one-year', 'ttl.expiry.exact-in-list', 'ttl.expiry.exact-61s', 'ttl.expiry.exact-90.5s'], mutant: 'broken-late-expiry' },
  { id: 'ttl.expired-missing', rule: 'an expired key is a missing key to get, exists, get_or and delete', source: '§4', cases: ['ttl.expired.vanishes', 'ttl.expired.delete', 'ttl.expired.vanishes.61s'], mutant: 'broken-ignores-ttl' },
  { id: 'ttl.expired-unlisted', rule: 'an expired key is never listed, on any page, also before a read touches it, also after a long run of expired keys; a live key beside expired ones, before or after them, is listed', source: '§3 "Expired keys: never listed"', cases: ['ttl.expired.list-only', 'ttl.expired.left-out-of-every-page', 'ttl.expired.long-run-before-live', 'ttl.expired.list-only.61s'], mutant: 'broken-listing-ends-at-expired' },
  { id: 'ttl.overwrite', rule: 'a plain put clears a TTL, a put with a TTL replaces it, read_modify_write writes back without one, a key written again after it expired keeps its new value and no old expiry, listings around the overwrite included', source: '§4 "Overwrite clears the TTL"', cases: ['ttl.overwrite.clears-ttl', 'ttl.overwrite.replaces-ttl', 'ttl.rmw-drops-ttl', 'ttl.expired.overwrite', 'ttl.overwrite.replaces-ttl.61s'], mutant: 'broken-cleanup-deletes-fresh-overwrite' },
  { id: 'ttl.independent', rule: 'each key expires at its own time', source: '§4', cases: ['ttl.independent-keys', 'ttl.independent-keys.61s-65.5s'] },
  // Listing.
  { id: 'list.limit', rule: 'a page size of 0 or over 1000 is refused before the provider; 1 to 1000 are accepted and respected on every page', source: '§2.2 list limit', cases: ['pagination.limit.0-rejected', 'pagination.limit.1001-rejected', 'pagination.limits.accepted', 'validation.limit.*'], mutant: 'broken-small-page-limit' },
  { id: 'list.walk', rule: 'a walk in pages of any size sees every key once, each page within its limit, and ends', source: '§3; §6.1 contract_list_keys_page_is_paginated', cases: ['pagination.walk.*'], mutant: 'broken-drops-key-per-page' },
  { id: 'list.page-full', rule: 'pages are full while keys remain: a page of limit n holds n keys when n or more lie ahead (EdgeZero\'s own tests page one key at a time; only a scan cap over expired keys may leave a page short)', source: '§6.1 contract_list_keys_page_respects_prefix, contract_list_keys_page_is_paginated', cases: ['pagination.page.full'], mutant: 'broken-filters-after-paging' },
  { id: 'list.order', rule: 'keys are listed in UTF-8 byte order as returned, within each page and from page to page, under a prefix and with the empty one: astral after U+FFFF, a key before its extensions', source: '§3 "lexicographic order"', cases: ['pagination.order.*'], mutant: 'broken-js-string-order' },
  { id: 'list.prefix', rule: 'a prefix selects by plain starts_with: literal (no LIKE, glob or escapes), case-sensitive, not normalised, whole keys and overlapping prefixes included; the empty prefix selects every key', source: '§3; §6.1 contract_list_keys_page_respects_prefix', cases: ['pagination.prefix.*'], mutant: 'broken-empty-prefix-ignores-cursor' },
  { id: 'list.prefix-valid', rule: 'a prefix over 512 bytes or holding control characters is refused; 512 bytes, ".", ".." and the empty prefix are accepted', source: '§2.2 prefix', cases: ['validation.prefix.*'] },
  { id: 'list.empty', rule: 'listing where no key matches gives no keys, and the walk ends', source: '§1.1 KvPage', cases: ['pagination.no-keys', 'pagination.prefix.no-match'] },
  { id: 'list.cursor', rule: 'the cursor is an opaque envelope, not the raw last key; reusable; good for the next page whatever its size, each page keeping to the limit it was asked with; past the last key it gives none of the deleted keys', source: '§3; §6.2 list_keys_page_roundtrip', cases: ['pagination.cursor.opaque-envelope', 'pagination.cursor.reusable', 'pagination.cursor.variable-limit', 'pagination.cursor.past-last-key'], mutant: 'broken-cursor-repeats-last-key' },
  { id: 'list.cursor-valid', rule: 'a cursor for another prefix, a malformed one or one with an empty payload is refused before the provider; extra envelope fields are ignored', source: '§2.2 cursor', cases: ['pagination.cursor.other-prefix', 'pagination.cursor.malformed.*', 'pagination.cursor.empty-payload', 'pagination.cursor.extra-fields'] },
  { id: 'list.not-snapshot', rule: 'a listing is no snapshot, yet writes and deletes during a walk neither lose nor repeat the keys that were there', source: '§3 "Listings are not atomic snapshots"', cases: ['pagination.written-during-walk', 'pagination.deleted-during-walk', 'pagination.walk-during-concurrent-writes'] },
  // Concurrency.
  { id: 'concurrency.writers', rule: 'a hundred concurrent writers to distinct keys all persist; to one key, one whole value wins; reads never see a torn value; get and exists agree after a put/delete race', source: '§5 "concurrent_writes_dont_panic"', cases: ['concurrency.distinct-writers', 'concurrency.distinct-counters', 'concurrency.same-key.one-winner', 'concurrency.no-torn-reads', 'concurrency.put-delete-race'], mutant: 'broken-loses-writes-over-64-in-flight' },
  // Errors.
  { id: 'error.http', rule: 'each KvError kind maps to its HTTP status and error body: Validation 400, NotFound 404, Unavailable 503, Serialization 500, Internal 500, LimitExceeded 503, Unsupported 501', source: '§2.3', cases: ['validation.http-mapping', 'validation.http-mapping.every-kind'] },
];

/** Matches a case id against a table entry: an id, or a glob with "*". */
export function caseMatches(pattern: string, id: string): boolean {
  return new RegExp('^' + pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$').test(id);
}

/** docs/contract-rules.md, rendered from RULES and the cases' titles. */
export function renderRules(cases: Array<{ id: string; title: string; check: string }>): string {
  const lines = [
    '# Contract rules and the cases that catch them',
    '',
    'Generated from `suites/rules.ts` (`KVPARITY_WRITE_DOCS=1 npx vitest run test/rules.test.ts` rewrites it); the test fails when this file, the',
    'rules or the cases disagree. Each rule is caught by example cases (fixed inputs, so every seed',
    'catches a violation); fast-check properties and model-based runs are a second net, never the only',
    'one. A mutant is a broken provider in `test/broken/` that breaks the rule: the kit\'s tests run it',
    'on five seeds and require its cases to FAIL on each, and nothing outside its declared areas.',
    '',
    '| rule | contract | cases | mutant |',
    '|---|---|---|---|',
  ];
  for (const rule of RULES) {
    const ids = cases.filter((c) => rule.cases.some((pattern) => caseMatches(pattern, c.id))).map((c) => c.id);
    const shown = rule.cases.map((pattern) => (pattern.includes('*') ? `\`${pattern}\` (${ids.filter((id) => caseMatches(pattern, id)).length})` : `\`${pattern}\``));
    const cell = (text: string) => text.replaceAll('|', '\\|');
    lines.push(`| ${cell(rule.rule)} | ${cell(rule.source)} | ${shown.join(', ')} | ${rule.mutant ? `\`${rule.mutant}\`` : ''} |`);
  }
  lines.push('', 'Not rules of the contract, so no case is required to catch them: what a platform does itself beyond the contract\'s edges (the native probes, `*.native.*`), metadata (EdgeZero has none; `metadata.*` record it), and consistency timings (`consistency.*`).', '');
  return lines.join('\n');
}
