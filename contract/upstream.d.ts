// Types for upstream.js (plain JS, so the zx smoke script reads the same pin).
export const CONTRACT_REPO: string;
export const CONTRACT_SOURCE: string;
export const CONTRACT_COMMIT: string;
export const CONTRACT_COMMIT_DATE: string;
export function upstreamLink(path: string): string;
