/**
 * The case files: suites/cases/NN-<category>.ts, one per category, the number giving the order.
 * Their names alone give the categories (cases/index.ts checks each case against its file's),
 * so listing categories never has to load the cases.
 */
import { readdirSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** .ts in a clone's sources, .js compiled (dist/): the case files are this module's kind. */
const MODULE_EXTENSION = extname(fileURLToPath(import.meta.url));
const CASE_FILE = new RegExp(`^\\d+-([a-z][a-z0-9-]*)\\${MODULE_EXTENSION}$`);
export const CASES_DIR = new URL('./cases/', import.meta.url);

/** The case files' names, in category order. */
export const caseFiles = (): string[] => readdirSync(CASES_DIR).filter((name) => CASE_FILE.test(name)).sort();

/** The category a case file declares: its name without number and extension. */
export const categoryOf = (file: string): string => CASE_FILE.exec(file)![1];

/** The categories, in order. */
export const categories = (): string[] => caseFiles().map(categoryOf);
