/** Validates parity.json files (reports/parity.schema.json), e.g. the two sides of a diff. */
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';

// ajv is CommonJS: under NodeNext its class is the module's `default` export.
const Ajv = AjvModule.default;

const schema = JSON.parse(readFileSync(new URL('./parity.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema);

export function validateParity(data: unknown): string[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath || '/'} ${e.message}`);
}
