/** Walking a listing page by page: the one walker behind the client walk, native listings and cleanup. */
import type { ListPage } from '../api/index.ts';
import type { CaseInstance } from './instance.ts';

/**
 * The pages of one listing, in order: `listPage(cursor)` fetches a page, `nextCursor(page)` says where
 * the next starts, or null after the last. A walk ends at its last page, never at a page count: a
 * store may answer many empty pages that carry a cursor (Redis SCAN over a large table). A cursor that
 * comes back unchanged would never end, so it throws WalkStuck.
 */
export async function* eachPage<C, P>(listPage: (cursor: C | undefined) => Promise<P>, nextCursor: (page: P) => C | null): AsyncGenerator<P> {
  let cursor: C | undefined;
  for (let pages = 1; ; pages++) {
    const page = await listPage(cursor);
    yield page;
    const next = nextCursor(page);
    if (next === null) return;
    if (next === cursor) throw new WalkStuck(pages, String(next));
    cursor = next;
  }
}

/** The store answered the same cursor it was given: the walk would never end. */
export class WalkStuck extends Error {
  constructor(
    readonly pages: number,
    readonly cursor: string,
  ) {
    super(`the walk does not advance: page ${pages} gave back the cursor it was asked with (${cursor.length > 80 ? cursor.slice(0, 80) + '…' : cursor})`);
    this.name = 'WalkStuck';
  }
}

/**
 * Whether a store's listing varies with where keys land, observed rather than declared: the same
 * 16 names written under two prefixes, each set walked in pages of 3. A store that orders or pages
 * by its own hashing (Redis SCAN) lists the two sets in different orders or different page sizes;
 * a deterministic store, right or wrong, lists them alike. Outcomes on a store that varies need
 * several attempts to be decided. Writes under `prefix` only, and removes what it wrote.
 */
export async function listingVaries(kv: CaseInstance, prefix: string): Promise<boolean> {
  const names = Array.from({ length: 16 }, (_, i) => `${String.fromCharCode(97 + i)}${i}`);
  const shapes: string[] = [];
  for (const round of ['a', 'b']) {
    const base = `${prefix}${round}/`;
    const keys = names.map((name) => base + name);
    await kv.batch(keys.map((key) => ({ op: 'put', key, value: new Uint8Array([1]) })));
    try {
      const { keys: seen, pages } = await listAllNative(kv, base, { limit: 3 });
      shapes.push(JSON.stringify([seen.map((key) => key.slice(base.length)), pages.map((page) => page.keys.length)]));
    } finally {
      await kv.batch(keys.map((key) => ({ op: 'delete', key })));
    }
  }
  return shapes[0] !== shapes[1];
}

/** Every key under `prefix`, natively, page by page (at most `maxPages`, when given). */
export async function listAllNative(
  kv: { list(options: { prefix: string; cursor?: string; limit?: number }): Promise<ListPage> },
  prefix: string,
  options: { limit?: number; maxPages?: number } = {},
): Promise<{ keys: string[]; pages: ListPage[] }> {
  const keys: string[] = [];
  const pages: ListPage[] = [];
  const listPage = (cursor: string | undefined) => kv.list({ prefix, cursor, ...(options.limit ? { limit: options.limit } : {}) });
  for await (const page of eachPage(listPage, (page) => (page.complete || !page.cursor ? null : page.cursor))) {
    pages.push(page);
    keys.push(...page.keys);
    if (options.maxPages !== undefined && pages.length >= options.maxPages) break;
  }
  return { keys, pages };
}
