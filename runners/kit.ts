/**
 * Where the kit itself is, found the same way from its TypeScript sources (a clone) and from their
 * compiled copy (dist/, in a clone or in the installed package): the package root holds
 * package.json; the code root holds api/, cli/, runners/, … as they run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

/** The extension of the kit's modules as they run: .ts from the sources, .js compiled. */
export const MODULE_EXTENSION = extname(here);

/** The folder holding the kit's code folders as they run: the clone, or dist/. */
export const CODE_ROOT = dirname(dirname(here));

/** The kit's package root: the clone, or node_modules/kvparity. */
export const KIT_ROOT = ((): string => {
  for (let dir = CODE_ROOT; dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'kvparity') return dir;
  }
  throw new Error(`kvparity: no package.json of kvparity above ${CODE_ROOT}`);
})();

export interface KitPackage {
  version: string;
  devDependencies?: Record<string, string>;
}

export const kitPackage = JSON.parse(readFileSync(join(KIT_ROOT, 'package.json'), 'utf8')) as KitPackage;

/**
 * A module of the kit (`bench/child.ts`) as the arguments that run it in a child Node: its
 * compiled form where the kit runs compiled, else its source through tsx (a clone's devDependency).
 */
export function nodeScript(path: string): string[] {
  return MODULE_EXTENSION === '.ts' ? ['--import', 'tsx', join(CODE_ROOT, path)] : [join(CODE_ROOT, path.replace(/\.ts$/, '.js'))];
}

/** Whether the kit runs from a clone (its sources are there) rather than an installed package. */
export const IN_CLONE = existsSync(join(KIT_ROOT, 'cli', 'main.ts'));

/** A kvparity command as the user types it here: `npx kvparity …`, or in a clone `npm run kvparity -- …`. */
export const kitCommand = (args: string): string => (IN_CLONE ? `npm run kvparity -- ${args}` : `npx kvparity ${args}`);
