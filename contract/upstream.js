// The upstream commit kvparity's contract and demo follow: stackpop/edgezero main at
// f2bbe6f (2026-07-14). Plain JavaScript so the TypeScript kit, the zx smoke script and
// the reports read the one pin. Moving it is described in README.md ("The upstream pin").
export const CONTRACT_REPO = 'stackpop/edgezero';
export const CONTRACT_SOURCE = `https://github.com/${CONTRACT_REPO}`;
export const CONTRACT_COMMIT = 'f2bbe6ffe6d27acabc0dc1b578252b038faa32e5';
export const CONTRACT_COMMIT_DATE = '2026-07-14';

/** A link to `path` at the pinned commit, e.g. upstreamLink('crates/edgezero-core/src/error.rs'). */
export const upstreamLink = (/** @type {string} */ path) => `${CONTRACT_SOURCE}/blob/${CONTRACT_COMMIT}/${path}`;
