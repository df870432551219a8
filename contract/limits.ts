/**
 * EdgeZero's KvHandle limits (stackpop/edgezero crates/edgezero-core/src/key_value_store.rs,
 * unchanged from PR #165's squash commit 170b74b to the pinned commit in upstream.js).
 * The single table every rule reads from.
 */
export const CONTRACT_LIMITS = {
  /** UTF-8 bytes; exactly 512 is accepted. "Cloudflare limit". */
  maxKeyBytes: 512,
  /** 25 MiB. "Standard limit". */
  maxValueBytes: 25 * 1024 * 1024,
  /** Seconds, inclusive. "Cloudflare limit". */
  minTtlSeconds: 60,
  /** One year (365 days), inclusive. */
  maxTtlSeconds: 365 * 24 * 60 * 60,
  /** Keys per page, inclusive; there is no default page size. */
  maxListPageSize: 1000,
  /** UTF-8 bytes of a list prefix. */
  maxPrefixBytes: 512,
} as const;

