/**
 * Finds providers: built-ins by id, anything else by path (`--provider=./my-provider.ts`)
 * or listed in a config file. A provider from outside the kit runs every suite
 * exactly like a built-in one. The built-ins are the provider files in this folder:
 * adding one is adding its file.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire, register as registerHook } from 'node:module';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { PROVIDER_KINDS, type ProviderDefinition } from '../api/index.ts';
import { addCommand } from '../runners/optional.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const SELF = basename(fileURLToPath(import.meta.url));
/** The kit's modules are .ts in a clone's sources and .js compiled (dist/): the provider files are this one's kind. */
const MODULE_EXTENSION = extname(SELF);

/** Built-in ids: one per provider file in providers/, sorted by id. */
export const builtinIds = (): string[] =>
  readdirSync(here)
    .filter((name) => name.endsWith(MODULE_EXTENSION) && name !== SELF)
    .map((name) => name.slice(0, -MODULE_EXTENSION.length))
    .sort();

/** The built-in definitions in run and report order: local stores, then emulators, then production targets; by id within each. */
export async function orderedBuiltins(): Promise<ProviderDefinition[]> {
  const builtins = await Promise.all(builtinIds().map(async (id) => (await loadProvider(id)).definition));
  return builtins.sort((a, b) => PROVIDER_KINDS.indexOf(a.kind) - PROVIDER_KINDS.indexOf(b.kind) || a.id.localeCompare(b.id));
}

/** What `--provider=all` runs (and the CI matrix): every built-in but production targets, which need a --url to point at. */
export async function defaultIds(): Promise<string[]> {
  return (await orderedBuiltins()).filter((definition) => definition.kind !== 'production').map((definition) => definition.id);
}

export interface LoadedProvider {
  definition: ProviderDefinition;
  /** 'builtin' or the absolute path it was loaded from. */
  source: string;
  /** A provider written in TypeScript: how it was loaded, in words (Node's type stripping, or tsx and why). */
  loadedWith?: string;
  /** What the provider's file exports as `setup`: a one-time preparation it may need on this machine. */
  setup?: ProviderSetup;
}

/**
 * A one-time preparation a provider may need on a machine before it can start, longer than a run
 * should wait for (Viceroy, built from crates.io). Its file exports it as `setup`; `kvparity run`
 * and `test` do it once the other providers have run, its progress shown, and then run the provider.
 */
export interface ProviderSetup {
  /** What is still to be done here, in words (with how long it takes), or null when nothing is. */
  pending(): string | null;
  run(context: { log(line: string): void; signal: AbortSignal }): Promise<void>;
}

const isSetup = (value: unknown): value is ProviderSetup =>
  !!value && typeof (value as ProviderSetup).pending === 'function' && typeof (value as ProviderSetup).run === 'function';

export class ProviderSpecError extends Error {}

export const looksLikePath = (spec: string) => /[\\/]/.test(spec) || /\.[cm]?[jt]s$/.test(spec);

export async function loadProvider(spec: string, cwd = process.cwd()): Promise<LoadedProvider> {
  if (!looksLikePath(spec)) {
    if (!builtinIds().includes(spec)) {
      throw new ProviderSpecError(`unknown provider "${spec}". Known providers: ${builtinIds().join(', ')}; or give a path to a provider file (./my-provider.ts)`);
    }
    const { definition, setup } = await importDefinition(resolve(here, `${spec}${MODULE_EXTENSION}`), spec);
    return { definition, source: 'builtin', ...(setup ? { setup } : {}) };
  }
  const path = isAbsolute(spec) ? spec : resolve(cwd, spec);
  if (!existsSync(path)) throw new ProviderSpecError(`provider file not found: ${path}`);
  return { source: path, ...(await importDefinition(path, spec)) };
}

/**
 * A provider written in TypeScript, where the kit runs compiled (the package): Node's own type
 * stripping where this Node has it (22.18 and later), else tsx, an optional peer dependency,
 * registered only when such a provider is loaded. In a clone's sources the kit itself runs
 * through a TypeScript loader, which loads the provider too.
 */
const TYPESCRIPT_FILE = /\.[cm]?ts$/;
const nodeStripsTypes = (): boolean => Boolean((process.features as { typescript?: string | false }).typescript) && MODULE_EXTENSION === '.js';

/** Errors of a file Node's type stripping cannot run but tsx can: raised before any of its code ran (or at its first line). */
const NOT_FOR_TYPE_STRIPPING = /^ERR_(UNSUPPORTED|INVALID)_TYPESCRIPT_SYNTAX$/;
const notForTypeStripping = (error: Error & { code?: string }) =>
  error instanceof SyntaxError || NOT_FOR_TYPE_STRIPPING.test(error.code ?? '') || /is not defined in ES module scope/.test(error.message);

let tsx: Promise<string | null> | undefined;

/** Registers tsx's hooks (ES modules and CommonJS) once; its version, or null when it is not installed. */
function registerTsx(): Promise<string | null> {
  tsx ??= (async () => {
    let api: [typeof import('tsx/esm/api'), typeof import('tsx/cjs/api')];
    try {
      api = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return null;
      throw error;
    }
    api[0].register();
    api[1].register();
    // A .ts file with top-level await in a CommonJS package loads as ESM when asked (esm-hook.mjs).
    registerHook('./esm-hook.mjs', import.meta.url);
    return `tsx ${(createRequire(import.meta.url)('tsx/package.json') as { version: string }).version}`;
  })();
  return tsx;
}

/** tsx compiles a .ts file in a CommonJS package to CommonJS, which cannot hold top-level await. */
const TOP_LEVEL_AWAIT_IN_COMMONJS = /Top-level await is currently not supported with the "cjs" output format/;

/**
 * Through tsx: a .ts file with top-level await in a CommonJS package is asked for again as ESM.
 * `again`: Node failed to load this URL already, so it is asked for under another one.
 */
async function importThroughTsx(url: string, again = false): Promise<unknown> {
  return import(again ? `${url}?kvparity-tsx` : url).catch((error: Error) => {
    if (!TOP_LEVEL_AWAIT_IN_COMMONJS.test(error.message)) throw error;
    return import(`${url}?kvparity-format=module`); // nothing of it ran: it failed to compile (esm-hook.mjs)
  });
}

/** Imports a provider file whatever its project's module type: .ts/.mts/.cts/.js/.mjs/.cjs, ESM or CommonJS. */
async function importProviderModule(path: string): Promise<{ module: unknown; loadedWith?: string }> {
  const url = pathToFileURL(path).href;
  if (!TYPESCRIPT_FILE.test(path) || MODULE_EXTENSION === '.ts') return { module: await import(url) };
  if (nodeStripsTypes() && !(await tsx)) {
    try {
      return { module: await import(url), loadedWith: `Node ${process.version}'s own type stripping` };
    } catch (error) {
      if (!notForTypeStripping(error as Error)) throw error;
      const through = await registerTsx();
      if (!through) {
        throw new Error(
          `${(error as Error).message}\nNode ${process.version} runs a TypeScript file with its types stripped and nothing else changed: it does not turn import/export into CommonJS (a .cts file, or a .ts file in a "type": "commonjs" package) nor compile TypeScript-only syntax (enum, namespace, parameter properties). Write the file for that, or add tsx and kvparity loads it through tsx: ${addCommand('tsx')}`,
        );
      }
      return { module: await importThroughTsx(url, true), loadedWith: `${through} (Node's type stripping could not load it: ${(error as Error).message.split('\n')[0]})` };
    }
  }
  const through = await registerTsx();
  if (!through) {
    throw new Error(
      `it is TypeScript, and Node ${process.version} does not run TypeScript by itself (Node 22.18 and later strip types). Add tsx and kvparity loads it through tsx: ${addCommand('tsx')}; or run on Node 22.18 or later`,
    );
  }
  return { module: await importThroughTsx(url), loadedWith: nodeStripsTypes() ? through : `${through} (Node ${process.version} has no type stripping)` };
}

async function importDefinition(path: string, spec: string): Promise<{ definition: ProviderDefinition; loadedWith?: string; setup?: ProviderSetup }> {
  let module: unknown;
  let loadedWith: string | undefined;
  try {
    ({ module, loadedWith } = await importProviderModule(path));
  } catch (error) {
    const message = (error as Error).message;
    const hint = /Cannot find (module|package) 'kvparity'/.test(message) ? ' (install kvparity in the project the provider is in: npm i -D kvparity)' : '';
    throw new ProviderSpecError(`provider ${spec === path ? path : `"${spec}" (${path})`} failed to load: ${message}${hint}`);
  }
  let definition = (module as { default?: unknown }).default;
  // `export default` compiled to CommonJS arrives as { default: definition } (module.exports.default).
  if (definition && typeof definition === 'object' && !('id' in definition) && 'default' in definition) definition = (definition as { default: unknown }).default;
  const problems = definitionProblems(definition);
  if (problems.length) throw new ProviderSpecError(`provider "${spec}" (${path}) is not a valid provider definition:\n  - ${problems.join('\n  - ')}`);
  const setup = (module as { setup?: unknown }).setup;
  return { definition: definition as ProviderDefinition, ...(loadedWith ? { loadedWith } : {}), ...(isSetup(setup) ? { setup } : {}) };
}

/** Checks the shape a provider file must export, naming each field that is wrong. */
export function definitionProblems(definition: unknown): string[] {
  if (!definition || typeof definition !== 'object') return ['the file must `export default defineProvider({...})`'];
  const d = definition as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof d.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(d.id)) problems.push('id must be a lower-case string like "my-kv"');
  if (typeof d.title !== 'string') problems.push('title must be a string');
  if (!(PROVIDER_KINDS as readonly unknown[]).includes(d.kind)) problems.push(`kind must be ${oneOf(PROVIDER_KINDS)}`);
  if (typeof d.runtime !== 'string') problems.push('runtime must be a string describing what the provider runs on');
  if (typeof d.start !== 'function') problems.push('start must be a function returning the running instance');
  if (d.availability !== undefined && typeof d.availability !== 'function') problems.push('availability, when given, must be a function');
  const caps = d.capabilities as Record<string, unknown> | undefined;
  if (!caps || typeof caps !== 'object') problems.push('capabilities must be an object');
  else {
    for (const flag of ['ttl', 'metadata', 'clock']) if (typeof caps[flag] !== 'boolean') problems.push(`capabilities.${flag} must be true or false`);
  }
  return problems;
}

export interface KitConfig {
  /** Extra provider files, relative to the config file. */
  providers?: string[];
  /** Known-divergence files for those providers (same format as suites/known-divergences/<provider>.json), relative to the config file. */
  divergences?: string[];
}

const CONFIG_FIELDS = ['providers', 'divergences', '$schema'];

/** Reads a config file (JSON): the absolute paths of the providers and divergence files it lists. */
export function readConfigFile(path: string): { providers: string[]; divergences: string[] } {
  let config: KitConfig;
  try {
    config = JSON.parse(readFileSync(path, 'utf8')) as KitConfig;
  } catch (error) {
    throw new ProviderSpecError(`config file ${path} is not readable JSON: ${(error as Error).message}`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new ProviderSpecError(`config file ${path} must hold a JSON object like {"providers": ["./my-provider.ts"]}`);
  const unknown = Object.keys(config).filter((key) => !CONFIG_FIELDS.includes(key));
  if (unknown.length) throw new ProviderSpecError(`config file ${path}: unknown field(s) ${unknown.join(', ')}; the fields are "providers" and "divergences"`);
  const paths = (field: 'providers' | 'divergences', what: string): string[] => {
    const list = config[field];
    if (list !== undefined && (!Array.isArray(list) || list.some((p) => typeof p !== 'string'))) {
      throw new ProviderSpecError(`config file ${path}: "${field}" must be an array of paths to ${what}`);
    }
    return (list ?? []).map((p) => resolve(path, '..', p));
  };
  const result = { providers: paths('providers', 'provider files'), divergences: paths('divergences', 'known-divergence files') };
  const missing = result.divergences.find((file) => !existsSync(file));
  if (missing) throw new ProviderSpecError(`config file ${path}: divergence file not found: ${missing}`);
  return result;
}

/** "a", "b" or "c" */
function oneOf(values: readonly string[]): string {
  const quoted = values.map((value) => `"${value}"`);
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}
