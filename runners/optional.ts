/**
 * Packages that only some built-in providers need (better-sqlite3's compile, miniflare's workerd,
 * @fastly/js-compute, ioredis, testcontainers) are optional peer dependencies of kvparity: a
 * provider author's install does not pay for them. A built-in imports its package only when it
 * starts, and when the package is missing it is unavailable with the command that adds it, at the
 * version this kit is tested with (its devDependencies, installed in the kit's own checkout).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Availability } from '../api/index.ts';
import { kitPackage } from './kit.ts';

const require = createRequire(import.meta.url);

/** `npm i -D <name>@<tested version>`: the exact command that makes the package available. */
export function addCommand(name: string): string {
  const version = kitPackage.devDependencies?.[name];
  return `npm i -D ${name}${version ? `@${version}` : ''}`;
}

/** The package's directory as Node resolves it from the kit (the project's node_modules), or null. */
export function packageDir(name: string): string | null {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    return null;
  }
  for (let dir = dirname(entry); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
  }
  return null;
}

/** Unavailable because the package is not installed, or null when it is. */
export function missingPackage(name: string, forWhat: string): Extract<Availability, { available: false }> | null {
  if (packageDir(name) !== null) return null;
  return { available: false, reason: `${name} is not installed (${forWhat} needs it; it is an optional peer dependency of kvparity)`, enable: addCommand(name) };
}
