/** Walking a listing page by page: the one walker behind the client walk, native listings and cleanup. */
import type { ListPage } from '../api/index.ts';

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
