/** Text helpers every renderer shares: make odd characters visible, escape, compact JSON. */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

const hex = (char: string) => char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');

/**
 * Lone surrogates and control characters would be lost (turned into U+FFFD)
 * or break a table when written as UTF-8; show them as \uXXXX instead.
 */
export function visible(text: string): string {
  return text.replace(LONE_SURROGATE, (c) => `\\u${hex(c)}`).replace(CONTROL, (c) => `\\u${hex(c)}`);
}

export function escapeHtml(text: string): string {
  return visible(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A Markdown table cell: one line, no pipes, no HTML, no stray formatting. */
export function escapeMarkdown(text: string): string {
  return visible(text)
    .replace(/\r?\n/g, ' ')
    .replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;');
}

export function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** JSON with sorted keys, so two equal observations compare equal as text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Only http(s) links become anchors; anything else is shown as text. */
export const isWebLink = (link: string) => /^https?:\/\/[^\s"'<>]+$/.test(link);

export const percent = (share: number | null) => (share === null ? 'n/a' : `${(share * 100).toFixed(1)}%`);
