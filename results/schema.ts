/**
 * The one way the kit checks a file against a JSON schema of its own (results.schema.json, and
 * reports/parity.schema.json): ajv with these options. The build (scripts/build.mjs) compiles each
 * schema's validator ahead, into `<name>.schema.validate.cjs` beside the schema in dist/, so no
 * command compiles one (ajv's compile is most of a short run's start); run from the sources (the
 * tests), a schema is compiled on its first check.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

const AJV_OPTIONS = { allErrors: true, strict: false, validateFormats: false };

type Validate = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };
type AjvClass = new (options: object) => { compile(schema: unknown): Validate };

/** Where the build puts a schema's compiled validator: beside it. */
export const validatorFile = (schemaPath: string): string => schemaPath.replace(/\.json$/, '.validate.cjs');

/** The schema's validator as a CommonJS module (ajv's standalone code), for the build. */
export function standaloneValidator(schemaPath: string): string {
  const Ajv = (require('ajv') as { default: AjvClass }).default;
  const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: unknown, validate: Validate) => string }).default;
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  return standaloneCode(ajv, ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8'))));
}

/** Checks data against the schema at `schemaUrl`: the problems in words, none when it is valid. */
export function schemaChecker(schemaUrl: URL): (data: unknown) => string[] {
  let validate: Validate | undefined;
  return (data) => {
    validate ??= loadValidator(fileURLToPath(schemaUrl));
    if (validate(data)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  };
}

function loadValidator(schemaPath: string): Validate {
  const built = validatorFile(schemaPath);
  if (existsSync(built)) return require(built) as Validate;
  const Ajv = (require('ajv') as { default: AjvClass }).default;
  return new Ajv(AJV_OPTIONS).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
}
