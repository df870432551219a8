/** Validates parity.json files (reports/parity.schema.json), e.g. the two sides of a diff. */
import { schemaChecker } from '../results/schema.ts';

export const validateParity = schemaChecker(new URL('./parity.schema.json', import.meta.url));
