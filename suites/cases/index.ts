/**
 * Every case, from the case files in this folder: `NN-<category>.ts`, each one
 * `export default defineCases('<category>', [...])`. The number orders the categories in
 * runs and reports; adding a category is adding its file. A case id is stable: reports
 * and known divergences refer to it.
 */
import type { Case } from '../case.ts';
import { CASES_DIR, caseFiles, categoryOf } from '../case-files.ts';
import { matchesCaseId } from '../case-glob.ts';

const modules = await Promise.all(caseFiles().map(async (name) => ({ name, cases: ((await import(new URL(name, CASES_DIR).href)) as { default: Case[] }).default })));

for (const { name, cases } of modules) {
  const stray = cases.find((c) => c.category !== categoryOf(name));
  if (stray) throw new Error(`suites/cases/${name}: ${stray.id} is declared in category "${stray.category}"; a case file's category is its name's`);
}

export const ALL_CASES: Case[] = modules.flatMap(({ cases }) => cases);

/** The categories, in order: one per case file. */
export const CATEGORIES: string[] = modules.map(({ name }) => categoryOf(name));

/** `quick`: without the heavy cases (Case.heavy), unless one is named by id. */
export function selectCases(filters: { categories?: string[]; ids?: string[]; quick?: boolean } = {}): Case[] {
  const ids = new Set<string>();
  for (const c of ALL_CASES) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
  }
  return ALL_CASES.filter(
    (c) =>
      (!filters.categories?.length || filters.categories.includes(c.category)) &&
      (!filters.ids?.length || filters.ids.some((pattern) => matchesCaseId(pattern, c.id))) &&
      !(filters.quick && c.heavy && !filters.ids?.length),
  );
}
