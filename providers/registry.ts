/**
 * Finds providers: built-ins by id, anything else by path (`--provider=./my-provider.ts`)
 * or listed in a config file. A provider from outside the kit runs every suite
 * exactly like a built-in one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { ProviderDefinition } from '../api/index.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Built-in ids, in report order. `http` needs --url, so it is not part of `all`. */
export const BUILTIN_IDS = ['memory', 'sqlite', 'cloudflare', 'fastly', 'redis', 'http'] as const;
export const DEFAULT_IDS = BUILTIN_IDS.filter((id) => id !== 'http');

export const builtinIds = (): string[] => BUILTIN_IDS.filter((id) => existsSync(resolve(here, `${id}.ts`)));

export interface LoadedProvider {
  definition: ProviderDefinition;
  /** 'builtin' or the absolute path it was loaded from. */
  source: string;
}

export class ProviderSpecError extends Error {}

export const looksLikePath = (spec: string) => /[\\/]/.test(spec) || /\.(m?[jt]s)$/.test(spec);

export async function loadProvider(spec: string, cwd = process.cwd()): Promise<LoadedProvider> {
  if (!looksLikePath(spec)) {
    if (!builtinIds().includes(spec)) {
      throw new ProviderSpecError(`unknown provider "${spec}". Known providers: ${builtinIds().join(', ')}; or give a path to a provider file (./my-provider.ts)`);
    }
    return { definition: await importDefinition(resolve(here, `${spec}.ts`), spec), source: 'builtin' };
  }
  const path = isAbsolute(spec) ? spec : resolve(cwd, spec);
  if (!existsSync(path)) throw new ProviderSpecError(`provider file not found: ${path}`);
  return { definition: await importDefinition(path, spec), source: path };
}

async function importDefinition(path: string, spec: string): Promise<ProviderDefinition> {
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new ProviderSpecError(`provider "${spec}" failed to load from ${path}: ${(error as Error).message}`);
  }
  const definition = module.default;
  const problems = definitionProblems(definition);
  if (problems.length) throw new ProviderSpecError(`provider "${spec}" (${path}) is not a valid provider definition:\n  - ${problems.join('\n  - ')}`);
  return definition as ProviderDefinition;
}

/** Checks the shape a provider file must export, naming each field that is wrong. */
export function definitionProblems(definition: unknown): string[] {
  if (!definition || typeof definition !== 'object') return ['the file must `export default defineProvider({...})`'];
  const d = definition as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof d.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(d.id)) problems.push('id must be a lower-case string like "my-kv"');
  if (typeof d.title !== 'string') problems.push('title must be a string');
  if (!['local', 'emulator', 'production'].includes(d.kind as string)) problems.push('kind must be "local", "emulator" or "production"');
  if (typeof d.runtime !== 'string') problems.push('runtime must be a string describing what the provider runs on');
  if (typeof d.start !== 'function') problems.push('start must be a function returning the running instance');
  if (d.availability !== undefined && typeof d.availability !== 'function') problems.push('availability, when given, must be a function');
  const caps = d.capabilities as Record<string, unknown> | undefined;
  if (!caps || typeof caps !== 'object') problems.push('capabilities must be an object');
  else {
    for (const flag of ['ttl', 'metadata', 'clock']) if (typeof caps[flag] !== 'boolean') problems.push(`capabilities.${flag} must be true or false`);
    if (!['utf8-bytes', 'unordered'].includes(caps.listOrder as string)) problems.push('capabilities.listOrder must be "utf8-bytes" or "unordered"');
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

/** The absolute paths of the providers a config file lists. */
export function readConfig(path: string): string[] {
  return readConfigFile(path).providers;
}
