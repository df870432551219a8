/** Every case module, in report order. A case id is stable: reports and known divergences refer to it. */
import type { CaseDefinition } from '../case.ts';
import crud from './crud.ts';
import ttl from './ttl.ts';
import keys from './keys.ts';
import values from './values.ts';
import pagination from './pagination.ts';
import unicode from './unicode.ts';
import metadata from './metadata.ts';
import concurrency from './concurrency.ts';
import validation from './validation.ts';
import model from './model.ts';
import consistency from './consistency.ts';

export const ALL_CASES: CaseDefinition[] = [
  ...crud,
  ...ttl,
  ...keys,
  ...values,
  ...pagination,
  ...unicode,
  ...metadata,
  ...concurrency,
  ...validation,
  ...model,
  ...consistency,
];

export function selectCases(filters: { categories?: string[]; ids?: string[] } = {}): CaseDefinition[] {
  const ids = new Set<string>();
  for (const c of ALL_CASES) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
  }
  return ALL_CASES.filter(
    (c) =>
      (!filters.categories?.length || filters.categories.includes(c.category)) &&
      (!filters.ids?.length || filters.ids.some((pattern) => globMatch(pattern, c.id))),
  );
}

function globMatch(pattern: string, id: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(id);
}
