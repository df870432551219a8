// docs/ARCHITECTURE.md cannot drift from the code: each folder imports only what its row says,
// the paths in "What a change touches" exist, and no list of built-in providers or categories is
// kept by hand outside the files it is derived from.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinIds } from '../providers/registry.ts';
import { categories } from '../suites/case-files.ts';

const root = resolve(import.meta.dirname, '..');
const architecture = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((file) => file && existsSync(join(root, file)));
const code = tracked.filter((file) => /\.(ts|js|mjs)$/.test(file) && !file.startsWith('test/'));

/** The rows of the markdown table that follows `heading`, as cells. */
function tableAfter(heading: string): string[][] {
  const from = architecture.indexOf(heading);
  expect(from, `docs/ARCHITECTURE.md has "${heading}"`).toBeGreaterThanOrEqual(0);
  const lines = architecture.slice(from).split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

/** Top folder → the other top folders its files import (static and dynamic imports, and JSDoc import types). */
function folderImports(): Map<string, Set<string>> {
  const imports = new Map<string, Set<string>>();
  const pattern = /(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const file of code) {
    const folder = file.split('/')[0];
    if (!file.includes('/')) continue;
    for (const [, specifier] of readFileSync(join(root, file), 'utf8').matchAll(pattern)) {
      const target = normalize(join(dirname(file), specifier)).split('/')[0];
      if (target !== folder) imports.set(folder, (imports.get(folder) ?? new Set()).add(target));
    }
  }
  return imports;
}

describe('docs/ARCHITECTURE.md', () => {
  it('says, for each folder, every folder it imports', () => {
    const rows = tableAfter('each folder imports only these');
    const declared = new Map(rows.map(([folder, imports]) => [folder.replace(/[`/]/g, ''), imports]));
    for (const [folder, targets] of folderImports()) {
      const row = declared.get(folder);
      expect(row, `a row for ${folder}/`).toBeDefined();
      if (row === 'everything above' || row === 'anything') continue;
      const allowed = new Set(ticked(row!));
      for (const target of targets) expect(allowed.has(target), `${folder}/ imports ${target}/, which its row does not name`).toBe(true);
    }
  });

  it('names only paths that exist in "What a change touches"', () => {
    const rows = tableAfter('## What a change touches');
    expect(rows.length).toBeGreaterThan(5);
    for (const [, files] of rows) {
      for (const path of ticked(files).filter((text) => /^[a-z]+\//.test(text))) {
        // `suites/cases/NN-<category>.ts` → a regex over the tracked files.
        const shape = new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/NN/g, '\\d+').replace(/<[^>]+>/g, '[^/]+')}`);
        expect(tracked.some((file) => shape.test(file)), `${path} matches a file of the kit`).toBe(true);
      }
    }
  });
});

describe('lists derived from the code', () => {
  const providers = builtinIds();
  const categoryNames = categories();
  // The demo's own runtimes are a list of its own (it runs on three of the platforms).
  const own = new Set(['demo/runtimes.ts']);

  it('keeps no list of built-in providers or categories by hand', () => {
    for (const file of [...code, ...tracked.filter((file) => file.endsWith('.yml'))]) {
      if (own.has(file)) continue;
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          // Quoted names in code; in YAML also the bare names of a [a, b, c] list.
          const quoted = [...line.matchAll(/['"]([a-z][a-z0-9-]*)['"]/g)].map((match) => match[1]);
          const bare = file.endsWith('.yml') ? [...line.matchAll(/\[([^\]]*)\]/g)].flatMap((match) => match[1].split(',').map((word) => word.trim())) : [];
          const words = new Set([...quoted, ...bare]);
          const listed = (names: string[]) => names.filter((name) => words.has(name)).length;
          const where = `${file}:${index + 1}: ${line.trim().slice(0, 120)}`;
          expect(listed(providers) < 3, `a list of built-in providers: ${where}`).toBe(true);
          expect(listed(categoryNames) < 3, `a list of categories: ${where}`).toBe(true);
        });
    }
  });

  it('has a provider file for every built-in and a case file for every category, nothing else', () => {
    const providerFiles = readdirSync(join(root, 'providers')).filter((name) => name.endsWith('.ts') && name !== 'registry.ts');
    expect(providers).toEqual(providerFiles.map((name) => name.replace(/\.ts$/, '')).sort());
    const caseFiles = readdirSync(join(root, 'suites/cases')).filter((name) => statSync(join(root, 'suites/cases', name)).isFile() && name !== 'index.ts');
    expect(caseFiles.map((name) => name.replace(/^\d+-|\.ts$/g, ''))).toEqual(categoryNames);
  });
});
