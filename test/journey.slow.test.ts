/**
 * A provider author's whole journey, outside this repository: `npm pack` → a fresh project
 * installs the tarball → `kvparity init` → the template filled in → `kvparity test` fails on
 * the store's one real difference → `kvparity divergences record` → a link given → `kvparity
 * test` passes → `kvparity report`. The fresh project installs no optional peer (better-sqlite3,
 * miniflare, …) until it adds tsx where its Node cannot load a TypeScript provider by itself,
 * and reuses the npm cache: only the registry is reached, if at all.
 *
 * The installed command runs on the Node that runs this test, or on $KVPARITY_JOURNEY_NODE (a
 * path to another node binary, to walk the journey on Node 22 or 24 from here).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../results/types.ts';
import { HIDE_PROC, inNamespace, namespaces } from './fixtures/mount-namespace.ts';

const root = resolve(import.meta.dirname, '..');
let dir: string;
let project: string;
let tarball: string;

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const node = process.env.KVPARITY_JOURNEY_NODE ?? process.execPath;
const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
/** Node 22.18 and later run TypeScript with its types stripped, without a loader. */
const stripsTypes = execFileSync(node, ['-p', 'Boolean(process.features.typescript)'], { encoding: 'utf8' }).trim() === 'true';
const tsxVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.tsx;

/** The installed command, on the journey's Node. */
const kvparity = (...args: string[]) => run(node, [join(project, 'node_modules/.bin/kvparity'), ...args], project);
const results = () => JSON.parse(readFileSync(join(project, 'reports/out/tiny-kv.json'), 'utf8')) as ResultsFile;
const lastLine = (text: string) => text.trim().split('\n').at(-1);

/** The template's store, filled in: a Map with the contract's limits, except values, capped at 64 KiB. */
const FILLED_IN = `// This store's own limits: the contract's (no empty key, no "." or ".."), except values, which it caps at 64 KiB.
const LIMITS = { keyBytes: 512, valueBytes: 64 * 1024, minTtl: 60, maxTtl: 365 * 24 * 3600, pageSize: 1000 };
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function openStore(): Promise<KvInstance> {
  const entries = new Map<string, { value: Uint8Array; metadata: Entry['metadata']; expiresAt: number | null }>();
  let now = 0; // moved by clock.advance()
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry?.expiresAt != null && entry.expiresAt <= now) entries.delete(key);
    return entries.get(key);
  };
  const checkKey = (key: string) => {
    if (key === '' || key === '.' || key === '..') throw new NativeError(\`\${JSON.stringify(key)} is not a key\`, 'invalid-key');
    if (Buffer.byteLength(key) > LIMITS.keyBytes) throw new NativeError(\`key longer than \${LIMITS.keyBytes} bytes\`, 'invalid-key');
  };
  return {
    runtime: { name: 'tiny-kv', version: '1.0.0' },
    async get(key) {
      checkKey(key);
      const entry = live(key);
      return entry ? { value: entry.value, metadata: entry.metadata } : null;
    },
    async put(key, value, { ttlSeconds, metadata = null }: PutOptions = {}) {
      checkKey(key);
      if (value.byteLength > LIMITS.valueBytes) throw new NativeError(\`value of \${value.byteLength} bytes exceeds limit of \${LIMITS.valueBytes}\`, 'too-large');
      if (ttlSeconds !== undefined && !(ttlSeconds >= LIMITS.minTtl && ttlSeconds <= LIMITS.maxTtl)) throw new NativeError(\`ttl \${ttlSeconds} out of range\`, 'invalid-ttl');
      entries.set(key, { value: value.slice(), metadata, expiresAt: ttlSeconds === undefined ? null : now + ttlSeconds * 1000 });
    },
    async delete(key) {
      checkKey(key);
      entries.delete(key);
    },
    async list({ prefix = '', limit = 1000, cursor }: ListOptions): Promise<ListPage> {
      if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.pageSize) throw new NativeError(\`limit \${limit} out of range\`, 'invalid-argument');
      const keys = [...entries.keys()].filter((key) => key.startsWith(prefix) && live(key) && (cursor === undefined || byBytes(key, cursor) > 0)).sort(byBytes);
      const page = keys.slice(0, limit);
      return { keys: page, cursor: keys.length > limit ? page[page.length - 1] : null, complete: keys.length <= limit };
    },
    clock: { advance: async (seconds) => void (now += seconds * 1000) },
    async stop() {},
  };
}
`;

const VALUE_CASES = ['values.1-mib', 'values.max.exactly-25-mib', 'values.overwrite.large-with-small', 'values.native.max'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvparity-journey-'));
  project = join(dir, 'tiny-kv');
  const packed = run('npm', ['pack', '--pack-destination', dir], root);
  expect(packed.code, packed.err).toBe(0);
  tarball = join(dir, readdirSync(dir).find((name) => name.endsWith('.tgz'))!);
  run('mkdir', [project], dir);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: '@acme/tiny-kv', version: '1.0.0', private: true }, null, 2));
  installed = run('npm', ['install', '--save-dev', '--prefer-offline', tarball], project);
  expect(installed.code, installed.err).toBe(0);
}, 300_000);
let installed: ReturnType<typeof run>;

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a provider author outside the repository', { timeout: 120_000 }, () => {
  it('installs a small tarball without the optional peers or an install script, and gets the kvparity command', () => {
    expect(statSync(tarball).size).toBeLessThan(400_000);
    for (const heavy of ['better-sqlite3', 'miniflare', '@fastly/js-compute', 'testcontainers', 'ioredis', 'tsx', 'esbuild']) expect(existsSync(join(project, 'node_modules', heavy)), heavy).toBe(false);
    // npm 11 warns of install scripts not covered by allowScripts (esbuild's, when tsx was a dependency).
    expect(installed.err).not.toMatch(/install-scripts|install script/i);
    const help = kvparity('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^  init /m);
    // Only what works in the package: smoke and bench drive the repository's demo and runtimes.
    expect(help.out).not.toMatch(/^  (smoke|bench) /m);
    const record = kvparity('divergences', 'record', '--help');
    expect(record.code, record.err).toBe(0);
    expect(record.out).toMatch(/^Usage: kvparity divergences record /);
  });

  it('names, for each built-in that needs an optional peer, the command that adds it', () => {
    const providers = kvparity('providers', '--provider=memory,sqlite,redis');
    expect(providers.code, providers.err).toBe(0);
    expect(providers.out).toMatch(/✔ memory/);
    expect(providers.out).toMatch(/✖ sqlite[\s\S]*enable with: npm i -D better-sqlite3@\d+\.\d+\.\d+/);
    expect(providers.out).toMatch(/✖ redis[\s\S]*enable with: npm i -D ioredis@\d+/);
  });

  // Each file and the provider id it declares; per package, the files Node's own type stripping runs
  // (ES module syntax where Node takes the file as an ES module: it converts nothing).
  const FORMATS = { 'a.ts': 'ts-tla', 'b.ts': 'ts', 'c.mts': 'mts', 'd.cts': 'cts', 'e.js': 'js', 'f.mjs': 'mjs', 'g.cjs': 'cjs' };
  const PACKAGES = [
    ['formats-cjs', 'commonjs', ['c.mts']],
    ['formats-esm', 'module', ['a.ts', 'b.ts', 'c.mts']],
  ] as const;
  const listFormat = (folder: string, name: string) => kvparity('providers', `--provider=./${folder}/${name}`);

  it('loads a provider from a .js, .mjs or .cjs file without a TypeScript loader, and says what a .ts file needs', () => {
    const body = (id: string) => `defineProvider({ id: '${id}', title: 'format check', kind: 'local', runtime: 'r', capabilities: { ttl: false, metadata: false, clock: false }, start: async () => { throw new Error('not started'); } })`;
    const esm = (id: string) => `import { defineProvider } from 'kvparity';\nexport default ${body(id)};\n`;
    const cjs = (id: string) => `const { defineProvider } = require('kvparity');\nmodule.exports = ${body(id)};\n`;
    const tla = (id: string) => `import { defineProvider, type ProviderDefinition } from 'kvparity';\nconst id: string = await Promise.resolve('${id}');\nconst definition: ProviderDefinition = ${body('${id}').replace("'${id}'", 'id')};\nexport default definition;\n`;
    for (const [folder, type, stripped] of PACKAGES) {
      const at = join(project, folder);
      run('mkdir', [at], project);
      writeFileSync(join(at, 'package.json'), JSON.stringify({ type }));
      const files: Record<string, string> = { 'a.ts': tla('ts-tla'), 'b.ts': esm('ts'), 'c.mts': tla('mts'), 'd.cts': esm('cts'), 'e.js': (type === 'module' ? esm : cjs)('js'), 'f.mjs': esm('mjs'), 'g.cjs': cjs('cjs') };
      for (const [name, text] of Object.entries(files)) writeFileSync(join(at, name), text);
      for (const [name, id] of Object.entries(FORMATS)) {
        const listed = listFormat(folder, name);
        if (!/\.[cm]?ts$/.test(name)) {
          expect(listed.code, `${type} ${name}: ${listed.err}`).toBe(0);
          expect(listed.out).toMatch(new RegExp(`✔ ${id} `));
          expect(listed.out).not.toContain('loaded with');
        } else if (stripsTypes && (stripped as readonly string[]).includes(name)) {
          expect(listed.code, `${type} ${name}: ${listed.err}`).toBe(0);
          expect(listed.out).toContain(`loaded with: Node ${nodeVersion}'s own type stripping`);
        } else {
          // A clear message, naming the command that adds tsx at the version the kit is tested with.
          expect(listed.code, `${type} ${name}`).toBe(2);
          expect(listed.err).toContain(`npm i -D tsx@${tsxVersion}`);
          expect(listed.err).toContain(stripsTypes ? `Node ${nodeVersion} runs a TypeScript file with its types stripped` : `Node ${nodeVersion} does not run TypeScript by itself`);
          expect(listed.err).not.toMatch(/^\s+at /m);
        }
      }
    }
  });

  it('with tsx added, loads a provider from a .ts, .mts or .cts file in a CommonJS or an ES module package, top-level await in .ts too, and says through what', () => {
    const added = run('npm', ['install', '--save-dev', '--prefer-offline', `tsx@${tsxVersion}`], project);
    expect(added.code, added.err).toBe(0);
    for (const [folder, type, stripped] of PACKAGES) {
      for (const [name, id] of Object.entries(FORMATS)) {
        if (!/\.[cm]?ts$/.test(name)) continue;
        const listed = listFormat(folder, name);
        expect(listed.code, `${type} ${name}: ${listed.err}`).toBe(0);
        expect(listed.out).toMatch(new RegExp(`✔ ${id} `));
        expect(listed.out).toContain(stripsTypes && (stripped as readonly string[]).includes(name) ? `loaded with: Node ${nodeVersion}'s own type stripping` : `loaded with: tsx ${tsxVersion}`);
      }
    }
  });

  it('init scaffolds the provider, config, known divergences and CI workflow, and refuses to write over them', () => {
    const init = kvparity('init');
    expect(init.code, init.err).toBe(0);
    expect(JSON.parse(readFileSync(join(project, 'kvparity.config.json'), 'utf8'))).toEqual({ providers: ['./kvparity/provider.ts'], divergences: ['./kvparity/known-divergences.json'] });
    expect(JSON.parse(readFileSync(join(project, 'kvparity/known-divergences.json'), 'utf8'))).toEqual([]);
    expect(readFileSync(join(project, 'kvparity/provider.ts'), 'utf8')).toContain("id: 'tiny-kv'");
    const workflow = readFileSync(join(project, '.github/workflows/kvparity.yml'), 'utf8');
    expect(workflow).toContain('node: [22, 24]');
    expect(workflow).toContain('npx kvparity test');
    expect(workflow).toContain('GITHUB_STEP_SUMMARY');
    const again = kvparity('init');
    expect(again.code).toBe(2);
    expect(again.err).toContain('init writes nothing over existing files');
  });

  it('test before the template is filled in ends with one clear message, no stack trace', () => {
    const test = kvparity('test');
    expect(test.code).toBe(1);
    expect(lastLine(test.err)).toBe('kvparity: tiny-kv did not start: start() is not written yet: fill in the TODOs in kvparity/provider.ts, then run npx kvparity test');
    expect(test.err).not.toMatch(/^\s+at /m);
    expect(test.err.match(/ERROR/g)!.length).toBeLessThan(5);
  });

  it('the template filled in type-checks against the package types, runs, and fails only where the store differs', () => {
    const template = readFileSync(join(project, 'kvparity/provider.ts'), 'utf8');
    const filled = template
      .replace(/ttl: false, \/\/ TODO/, 'ttl: true, // TODO')
      .replace(/metadata: false, \/\/ TODO/, 'metadata: true, // TODO')
      .replace(/clock: false, \/\/ TODO/, 'clock: true, // TODO')
      .replace("runtime: 'TODO: what it runs on, in words'", "runtime: 'a Map in the kit process'")
      .replace(/async function openStore[\s\S]*?\n}\n/, FILLED_IN);
    expect(filled).not.toContain('not written yet: fill in');
    writeFileSync(join(project, 'kvparity/provider.ts'), filled);
    // The package's own types, from its exports map (this project is CommonJS: the "require" ones).
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, typeRoots: [join(root, 'node_modules/@types')], types: ['node'] }, include: ['kvparity'] }),
    );
    const typecheck = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], project);
    expect(typecheck.code, typecheck.out).toBe(0);

    const test = kvparity('test');
    expect(test.code, test.err).toBe(1);
    const failing = results().results.filter((r) => r.status !== 'PASS');
    expect(failing.map((r) => `${r.test} ${r.status}`).sort()).toEqual(VALUE_CASES.map((id) => `${id} FAIL`).sort());
  });

  it('divergences record writes one entry for the one root cause, and the file is refused until it has a link', () => {
    const record = kvparity('divergences', 'record', '--from=reports/out/tiny-kv.json', '--case=values.*');
    expect(record.code, record.err).toBe(0);
    const entries = JSON.parse(readFileSync(join(project, 'kvparity/known-divergences.json'), 'utf8'));
    expect(entries).toEqual([{ case: VALUE_CASES, provider: 'tiny-kv', message: 'bytes exceeds limit of 65536', link: expect.stringMatching(/^TODO/) }]);
    const test = kvparity('test');
    expect(test.code).toBe(2);
    expect(lastLine(test.err)).toMatch(/^kvparity: kvparity\/known-divergences\.json: the entry for values\.1-mib, .* needs a link/);
  });

  it('with the link given, test passes with the recorded divergence, and report writes parity.md and parity.html', () => {
    const file = join(project, 'kvparity/known-divergences.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"TODO[^"]*"/, '"https://example.com/tiny-kv/limits"'));
    const test = kvparity('test');
    expect(test.code, test.err).toBe(0);
    const statuses = results().results.filter((r) => r.status !== 'PASS');
    expect(statuses.map((r) => `${r.test} ${r.status}`).sort()).toEqual(VALUE_CASES.map((id) => `${id} EXPECTED_DIVERGENCE`).sort());

    const report = kvparity('report');
    expect(report.code, report.err).toBe(0);
    const markdown = readFileSync(join(project, 'reports/out/parity.md'), 'utf8');
    expect(markdown).toMatch(/^# kvparity report: tiny-kv\n/);
    expect(markdown).toContain('4 known divergence');
    expect(markdown).toContain('https://example.com/tiny-kv/limits');
    expect(markdown).not.toMatch(/interop/i);
    expect(readFileSync(join(project, 'reports/out/parity.html'), 'utf8')).toContain('<h1>kvparity report: tiny-kv</h1>');
  });

  // An outside provider's path needs no Linux-only facility: macOS has no /proc, and the workflow
  // walks this journey there too. On Linux, the same run where /proc is hidden.
  const noProc = process.platform !== 'linux' ? ' (this system has no /proc: the whole journey ran without it)' : namespaces.available ? '' : ` — skipped: ${namespaces.why}; the workflow's macOS journey runs without /proc`;
  it.skipIf(process.platform !== 'linux' || !namespaces.available)(`runs the same, and reports the same, where /proc is not there${noProc}`, async () => {
    const hidden = await inNamespace(HIDE_PROC, node, [join(project, 'node_modules/.bin/kvparity'), 'test', '--out=reports/no-proc'], { cwd: project });
    expect(hidden.code, hidden.stderr).toBe(0);
    const file = JSON.parse(readFileSync(join(project, 'reports/no-proc/tiny-kv.json'), 'utf8')) as ResultsFile;
    expect(file.results.filter((r) => r.status !== 'PASS').map((r) => `${r.test} ${r.status}`).sort()).toEqual(VALUE_CASES.map((id) => `${id} EXPECTED_DIVERGENCE`).sort());
    expect(file.results.length).toBe(results().results.length);
  });
});
