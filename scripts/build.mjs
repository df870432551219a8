#!/usr/bin/env node
// Builds the kit into dist/: each TypeScript module compiled to JavaScript (ESM) at the same path
// with .js, and every other file of those folders (bridge workers, the js-compute app, JSON
// schemas, templates, Cargo and wrangler manifests) copied as it is, so the tree runs on plain
// Node. Each JSON schema's validator is compiled ahead beside it (results/schema.ts), so no
// command compiles one. The public API (api/) is also built as CommonJS into dist/cjs/, and, with
// --package (npm pack), gets type declarations beside both.
//
// Incremental: a file is compiled again only when its size or mtime changed since the last build
// (dist/.build.json), and an output whose source is gone is removed, so the launcher in a clone
// (cli/kvparity.mjs) runs this before every command at the cost of a walk over the sources. Each
// output is written to a temporary name and renamed, so CLIs starting side by side never read
// half a file. TypeScript is loaded only when there is something to compile.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The folders of the kit's code. Which of them ship is package.json's "files" (bench, demo, smoke: a clone's tools only). */
export const CODE_FOLDERS = ['api', 'cli', 'contract', 'providers', 'reports', 'results', 'runners', 'suites', 'bench', 'demo', 'smoke'];
/** The public API, also built as CommonJS (dist/cjs) for the package's "require" export. */
const API_FOLDER = 'api';
const DIST = 'dist';
const MANIFEST = '.build.json';
/** A JSON schema of the kit gets its validator compiled ahead, by the module that checks files against it. */
const isSchema = (/** @type {string} */ path) => path.endsWith('.schema.json');
const SCHEMA_MODULE = 'results/schema.ts';

/** @typedef {typeof import('typescript')} TypeScript */
/** @typedef {{ size: number, mtimeMs: number, mode: number }} SourceStat */

/**
 * .gitignore's entries as tests on a path relative to the root: "dir/", "*.ext", "name" and "a/b/".
 * @param {string} root
 * @returns {(path: string) => boolean}
 */
function ignoredBy(root) {
  /** @type {string[]} */
  let lines = [];
  try {
    lines = readFileSync(join(root, '.gitignore'), 'utf8').split('\n');
  } catch {}
  const tests = lines
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'))
    .map((pattern) => {
      const bare = pattern.replace(/^\/|\/$/g, '');
      if (bare.startsWith('*.')) return (/** @type {string} */ path) => path.endsWith(bare.slice(1));
      if (bare.includes('/')) return (/** @type {string} */ path) => path === bare || path.startsWith(bare + '/');
      return (/** @type {string} */ path) => path.split('/').includes(bare);
    });
  return (path) => tests.some((test) => test(path));
}

/**
 * Every file of the code folders (paths relative to the root, with "/"), with its size and mtime.
 * @param {string} root
 */
function sources(root) {
  const ignored = ignoredBy(root);
  /** @type {Map<string, SourceStat>} */
  const found = new Map();
  /** @param {string} dir */
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (ignored(path)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const stat = statSync(join(root, path));
        found.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, mode: stat.mode & 0o777 });
      }
    }
  };
  for (const folder of CODE_FOLDERS) walk(folder);
  return found;
}

const isTypeScript = (/** @type {string} */ path) => path.endsWith('.ts') && !path.endsWith('.d.ts');
const toJs = (/** @type {string} */ path) => path.slice(0, -'.ts'.length) + '.js';

/**
 * What a source becomes in dist/: its compiled module (and the CommonJS one for the API), or itself.
 * @param {string} path
 * @returns {string[]}
 */
function outputsOf(path) {
  if (isSchema(path)) return [path, path.replace(/\.json$/, '.validate.cjs')];
  if (!isTypeScript(path)) return [path];
  return path.startsWith(`${API_FOLDER}/`) ? [toJs(path), `cjs/${toJs(path.slice(API_FOLDER.length + 1))}`] : [toJs(path)];
}

/**
 * @param {string} path
 * @param {string | Buffer} content
 * @param {number} [mode]
 */
function writeAtomically(path, content, mode) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, content);
  if (mode !== undefined) chmodSync(temporary, mode);
  renameSync(temporary, path);
}

/**
 * @param {string} dist
 * @returns {{ key: string, files: Record<string, { size: number, mtimeMs: number }> }}
 */
function readManifest(dist) {
  try {
    return JSON.parse(readFileSync(join(dist, MANIFEST), 'utf8'));
  } catch {
    return { key: '', files: {} };
  }
}

/**
 * Changes of this script or of the TypeScript version make every output stale.
 * @param {string} root
 */
function buildKey(root) {
  const require = createRequire(join(root, 'package.json'));
  const typescript = JSON.parse(readFileSync(require.resolve('typescript/package.json'), 'utf8')).version;
  return createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).update(typescript).digest('hex').slice(0, 16);
}

/**
 * Brings dist/ up to date with the sources; returns the paths it compiled or copied.
 * `declarations`: also writes the API's type declarations (npm pack), and removes any file in
 * dist/ that no source accounts for, so the package holds exactly what the sources give.
 * @param {{ root?: string, declarations?: boolean }} [options]
 * @returns {Promise<string[]>}
 */
export async function build({ root = ROOT, declarations = false } = {}) {
  const dist = join(root, DIST);
  const key = buildKey(root);
  const manifest = readManifest(dist);
  const fresh = manifest.key === key ? manifest.files : {};
  const current = sources(root);
  // A source that changed, or whose output is missing (dist/ cleaned by hand, in part): built again.
  const stale = [...current].filter(([path, stat]) => fresh[path]?.size !== stat.size || fresh[path]?.mtimeMs !== stat.mtimeMs || !outputsOf(path).every((output) => existsSync(join(dist, output))));
  const gone = Object.keys(fresh).filter((path) => !current.has(path));
  if (stale.length === 0 && gone.length === 0 && !declarations) return [];

  // required, not imported: an import of CommonJS scans all of typescript.js for its exports first (over a second)
  /** @type {TypeScript | undefined} */
  const ts = stale.some(([path]) => isTypeScript(path)) || declarations ? createRequire(join(root, 'package.json'))('typescript') : undefined;
  for (const [path, stat] of stale) {
    const source = readFileSync(join(root, path));
    if (!ts || !isTypeScript(path)) {
      writeAtomically(join(dist, path), source, stat.mode);
      continue;
    }
    const esm = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, rewriteRelativeImportExtensions: true, isolatedModules: true };
    const cjs = { ...esm, module: ts.ModuleKind.CommonJS, esModuleInterop: true };
    for (const output of outputsOf(path)) {
      const { outputText, diagnostics } = ts.transpileModule(source.toString('utf8'), { fileName: path, compilerOptions: output.startsWith('cjs/') ? cjs : esm, reportDiagnostics: true });
      if (diagnostics?.length) throw new Error(`${path}: ${ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (/** @type {string} */ f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' })}`);
      writeAtomically(join(dist, output), outputText);
    }
  }
  writeAtomically(join(dist, 'cjs/package.json'), '{ "type": "commonjs" }\n');
  // Validators: of the schemas that changed, or of every schema when the module that compiles them did.
  const schemas = stale.some(([path]) => path === SCHEMA_MODULE) ? [...current.keys()].filter(isSchema) : stale.map(([path]) => path).filter(isSchema);
  if (schemas.length) {
    /** @type {{ standaloneValidator(path: string): string, validatorFile(path: string): string }} */
    const compiler = await import(pathToFileURL(join(dist, toJs(SCHEMA_MODULE))).href);
    for (const path of schemas) writeAtomically(compiler.validatorFile(join(dist, path)), compiler.standaloneValidator(join(dist, path)));
  }
  for (const path of gone) for (const output of outputsOf(path)) rmSync(join(dist, output), { force: true });

  const expected = new Set([MANIFEST, 'cjs/package.json', ...[...current.keys()].flatMap(outputsOf)]);
  if (ts && declarations) {
    for (const name of writeDeclarations(ts, root, dist)) expected.add(name);
    // Exactly what the sources give: nothing left from a file renamed or removed before a manifest knew it.
    for (const file of walkFiles(dist)) if (!expected.has(file)) rmSync(join(dist, file), { force: true });
  }
  const files = Object.fromEntries([...current].map(([path, { size, mtimeMs }]) => [path, { size, mtimeMs }]));
  writeAtomically(join(dist, MANIFEST), JSON.stringify({ key, files }) + '\n');
  return [...stale.map(([path]) => path), ...gone];
}

/**
 * The API's declarations, for dist/api (ESM) and dist/cjs (CommonJS); returns their paths in dist/.
 * @param {TypeScript} ts
 * @param {string} root
 * @param {string} dist
 */
function writeDeclarations(ts, root, dist) {
  const options = { declaration: true, emitDeclarationOnly: true, strict: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowImportingTsExtensions: true, rewriteRelativeImportExtensions: true, types: ['node'], rootDir: join(root, API_FOLDER) };
  /** @type {Map<string, string>} */
  const written = new Map();
  const program = ts.createProgram([join(root, API_FOLDER, 'index.ts')], options);
  const { diagnostics } = program.emit(undefined, (file, text) => written.set(relative(join(root, API_FOLDER), file).split(sep).join('/'), text));
  const problems = [...ts.getPreEmitDiagnostics(program), ...diagnostics];
  if (problems.length) throw new Error(ts.formatDiagnostics(problems, { getCanonicalFileName: (/** @type {string} */ f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
  const names = [];
  for (const [name, text] of written) {
    // Declarations keep the sources' "./x.ts" imports; the package holds "./x.js".
    const content = text.replace(/((?:from\s+|import\()['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2');
    for (const folder of [API_FOLDER, 'cjs']) {
      writeAtomically(join(dist, folder, name), content);
      names.push(`${folder}/${name}`);
    }
  }
  return names;
}

/**
 * @param {string} dir
 * @param {string} [prefix]
 * @returns {string[]}
 */
function walkFiles(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? walkFiles(dir, path) : [path];
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const changed = await build({ declarations: process.argv.includes('--package') });
  process.stderr.write(`build: ${changed.length} files compiled or copied into dist/ in ${Math.round(performance.now() - started)} ms\n`);
}
