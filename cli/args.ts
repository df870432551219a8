/** Strict flag parsing: `--name=value`, `--name value` or `--flag`; anything else is a usage error. */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export class UsageError extends Error {}

export interface FlagSpec {
  /** Flags that take a value. */
  values: string[];
  /** Flags that take none. */
  booleans?: string[];
}

export interface Parsed {
  flags: Record<string, string>;
  booleans: Set<string>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: FlagSpec): Parsed {
  const flags: Record<string, string> = {};
  const booleans = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (spec.booleans?.includes(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      booleans.add(name);
    } else if (spec.values.includes(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '' || (eq === -1 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      if (name in flags) throw new UsageError(`--${name} given twice`);
      flags[name] = value;
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { flags, booleans, positionals };
}

export function intFlag(flags: Record<string, string>, name: string, { min, max }: { min: number; max: number }): number | undefined {
  if (flags[name] === undefined) return undefined;
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${flags[name]}")`);
  }
  return value;
}

export const listFlag = (value: string | undefined): string[] =>
  value === undefined ? [] : value.split(',').map((part) => part.trim()).filter(Boolean);

/** Creates the directory a flag names (--out), or says why it cannot be used, before any work is done. */
export function ensureDirFlag(flag: string, path: string): string {
  try {
    makeDirs(path);
    if (!statSync(path).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(path, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : code === 'ENOENT' ? 'it cannot be created there' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'not writable' : (code ?? (error as Error).message);
    throw new UsageError(`--${flag}=${path} cannot be used as a directory (${why})`);
  }
  return path;
}

/** mkdir -p one level at a time: Node 20's recursive mkdirSync never returns for some paths (/proc/x). */
function makeDirs(path: string): void {
  const missing: string[] = [];
  for (let dir = path; !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) mkdirSync(dir);
}
