/**
 * Every case, from the case files in this folder: `NN-<category>.ts`, each one
 * `export default defineCases('<category>', [...])`. The number orders the categories in
 * runs and reports; adding a category is adding its file. A case id is stable: reports
 * and known divergences refer to it.
 */
import { readdirSync } from 'node:fs';
import type { Case } from '../case.ts';
import { matchesCaseId } from '../case-glob.ts';

const CASE_FILE = /^\d+-([a-z][a-z0-9-]*)\.ts$/;
const here = new URL('./', import.meta.url);

/** The case files, in category order. */
export const CASE_FILES = readdirSync(here).filter((name) => CASE_FILE.test(name)).sort();

const modules = await Promise.all(CASE_FILES.map(async (name) => ({ name, cases: ((await import(new URL(name, here).href)) as { default: Case[] }).default })));

for (const { name, cases } of modules) {
  const stray = cases.find((c) => c.category !== CASE_FILE.exec(name)![1]);
  if (stray) throw new Error(`suites/cases/${name}: ${stray.id} is declared in category "${stray.category}"; a case file's category is its name's`);
}

export const ALL_CASES: Case[] = modules.flatMap(({ cases }) => cases);

/** The categories, in order: one per case file. */
export const CATEGORIES: string[] = modules.map(({ name }) => CASE_FILE.exec(name)![1]);

export function selectCases(filters: { categories?: string[]; ids?: string[] } = {}): Case[] {
  const ids = new Set<string>();
  for (const c of ALL_CASES) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
  }
  return ALL_CASES.filter(
    (c) =>
      (!filters.categories?.length || filters.categories.includes(c.category)) &&
      (!filters.ids?.length || filters.ids.some((pattern) => matchesCaseId(pattern, c.id))),
  );
}
