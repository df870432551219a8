/** Validates results files against the checked-in JSON Schema (reports/results.schema.json). */
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';

// ajv is CommonJS: under NodeNext its class is the module's `default` export.
const Ajv = AjvModule.default;

const schema = JSON.parse(readFileSync(new URL('../reports/results.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const validate = ajv.compile(schema);

export function validateResults(file: unknown): string[] {
  if (validate(file)) return [];
  return (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath || '/'} ${e.message}`);
}
