/** Walking a listing page by page: the one walker behind the client walk, native listings and cleanup. */
import type { ListPage } from '../api/index.ts';

/** The pages of one listing, in order: `listPage(cursor)` fetches a page, `nextCursor(page)` says where the next starts, or null after the last. */
export async function* eachPage<C, P>(listPage: (cursor: C | undefined) => Promise<P>, nextCursor: (page: P) => C | null): AsyncGenerator<P> {
  let cursor: C | undefined;
  for (;;) {
    const page = await listPage(cursor);
    yield page;
    const next = nextCursor(page);
    if (next === null) return;
    cursor = next;
  }
}

/** Every key under `prefix`, natively, page by page (at most `maxPages`). */
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
    if (pages.length >= (options.maxPages ?? 1000)) break;
  }
  return { keys, pages };
}
