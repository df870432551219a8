/** Checks a results file against results.schema.json, after making sure it is the format this kit reads. */
import { schemaChecker } from './schema.ts';
import { RESULTS_FORMAT } from './types.ts';

export const RESULTS_SCHEMA_PATH = 'results/results.schema.json';
const checkSchema = schemaChecker(new URL('./results.schema.json', import.meta.url));

/** kvparity-results@N for any N: a results file, of this format version or another. */
export const isResultsFormat = (format: unknown): format is string => typeof format === 'string' && format.startsWith('kvparity-results@');

/** Why a results file of another format version cannot be read, or undefined when it is not one. */
export function otherFormatVersion(file: unknown): string | undefined {
  const format = (file as { format?: unknown } | null)?.format;
  if (!isResultsFormat(format) || format === RESULTS_FORMAT) return undefined;
  return `it is in the results format ${format}, and this kvparity reads ${RESULTS_FORMAT} only: produce both with the same kvparity version`;
}

/** Problems with a results file, in words; none when it is valid. */
export function validateResults(file: unknown): string[] {
  const otherVersion = otherFormatVersion(file);
  if (otherVersion) return [otherVersion];
  return checkSchema(file);
}
