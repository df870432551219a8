#!/usr/bin/env node
// Runs on `npm pack` (prepack): builds the public API, api/, into dist/ as ESM (dist/esm), CommonJS
// (dist/cjs) and type declarations beside each, for the package's "exports" map. The kit itself
// never needs dist/: it runs its TypeScript through tsx, and in this repository `kvparity`
// resolves to api/index.ts (tsconfig "paths", vitest alias).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const common = ['api/index.ts', '--declaration', '--rewriteRelativeImportExtensions', '--strict', '--skipLibCheck', '--target', 'ES2022', '--types', 'node', '--rootDir', 'api'];
const builds = [
  { dir: 'dist/esm', flags: ['--module', 'nodenext', '--moduleResolution', 'nodenext'] },
  { dir: 'dist/cjs', flags: ['--module', 'commonjs', '--moduleResolution', 'node10'], packageJson: '{ "type": "commonjs" }\n' },
];

rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const { dir, flags, packageJson } of builds) {
  execFileSync(process.execPath, [tsc, ...common, ...flags, '--outDir', dir], { cwd: root, stdio: 'inherit' });
  if (packageJson) writeFileSync(join(root, dir, 'package.json'), packageJson);
  // Declarations keep the sources' "./x.ts" imports; consumers resolve the emitted "./x.js".
  for (const name of readdirSync(join(root, dir)).filter((file) => file.endsWith('.d.ts'))) {
    const path = join(root, dir, name);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/((?:from\s+|import\()['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2'));
  }
}
