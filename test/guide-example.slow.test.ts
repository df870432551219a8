// docs/adding-a-provider.md cannot rot: its worked example is run through the real command line,
// its code block is the example file, and its config, divergence entry and capability table are checked.
import { kvparityCli } from './fixtures/cli.ts';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateResults } from '../results/validate.ts';
import type { ResultsFile } from '../results/types.ts';
import { ALL_CASES } from '../suites/cases/index.ts';
import { loadDivergences } from '../suites/divergences.ts';
import example from '../examples/my-provider/my-provider.ts';
import { NATIVE_ERROR_CLASSES } from '../api/index.ts';

const root = resolve(import.meta.dirname, '..');
const examplePath = join(root, 'examples/my-provider/my-provider.ts');
const guide = readFileSync(join(root, 'docs/adding-a-provider.md'), 'utf8');
const tmp = () => mkdtempSync(join(tmpdir(), 'kvparity-guide-test-'));

const kvparity = (args: string[], cwd?: string) => kvparityCli(args, { cwd, timeoutMs: 300_000 });

/** The body of the first fenced block of `language` after `marker` in the guide. */
function block(language: string, marker = ''): string {
  const from = guide.indexOf(marker);
  expect(from, `the guide has "${marker}"`).toBeGreaterThanOrEqual(0);
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(guide.slice(from));
  expect(match, `a \`\`\`${language} block after "${marker}"`).not.toBeNull();
  return match![1];
}

const readResults = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ResultsFile;

describe('docs/adding-a-provider.md', () => {
  it('shows the example provider file exactly', () => {
    expect(block('ts', '<!-- example: examples/my-provider/my-provider.ts -->')).toBe(readFileSync(examplePath, 'utf8'));
  });

  it('shows the etcd example, a server without a clock, exactly (test/etcd-example.slow.test.ts runs it)', () => {
    expect(block('ts', '<!-- example: examples/etcd/etcd.ts -->')).toBe(readFileSync(join(root, 'examples/etcd/etcd.ts'), 'utf8'));
  });

  it('runs the example by path through the real CLI: its own results file, valid, every case passing', () => {
    const out = tmp();
    const { code, err } = kvparity(['run', '--provider=./examples/my-provider/my-provider.ts', `--out=${out}`]);
    expect(code, err).toBe(0);
    const file = readResults(join(out, `${example.id}.json`));
    expect(validateResults(file)).toEqual([]);
    expect(file.run_info).toMatchObject({ provider: 'json-file', source: examplePath, available: true, runtime: { name: 'json-file', version: '1' } });
    expect(file.results.length).toBe(ALL_CASES.length);
    const notPassing = file.results.filter((r) => r.status !== 'PASS').map((r) => `${r.test} ${r.status}: ${r.message}`);
    expect(notPassing).toEqual([]);
  }, 300_000);

  it('shows the config kvparity init writes, and a config file loads the example with paths relative to it', () => {
    const scaffolded = tmp();
    const init = kvparity(['init'], scaffolded);
    expect(init.code, init.err).toBe(0);
    expect(JSON.parse(block('json', '## 1.'))).toEqual(JSON.parse(readFileSync(join(scaffolded, 'kvparity.config.json'), 'utf8')));
    // The config's paths are relative to it, so give its directory the repository's examples/.
    const dir = tmp();
    symlinkSync(join(root, 'examples'), join(dir, 'examples'));
    writeFileSync(join(dir, 'kvparity.config.json'), JSON.stringify({ providers: ['./examples/my-provider/my-provider.ts'] }));
    const out = join(dir, 'out');
    // Run from the repository, where 'kvparity' resolves to api/ (tsconfig "paths"); the config lies elsewhere.
    const { code, err } = kvparity(['run', '--provider=memory', '--case=crud.round-trip', `--config=${join(dir, 'kvparity.config.json')}`, `--out=${out}`]);
    expect(code, err).toBe(0);
    const file = readResults(join(out, 'json-file.json'));
    expect(validateResults(file)).toEqual([]);
    expect(file.results.map((r) => [r.test, r.status])).toEqual([['crud.round-trip', 'PASS']]);
  }, 120_000);

  it('declares a divergence entry in the format the kit loads', () => {
    const path = join(tmp(), 'known-divergences.example.json');
    writeFileSync(path, block('json', '## 4.'));
    const [entry] = loadDivergences(path, ALL_CASES.map((c) => c.id));
    expect(entry).toMatchObject({ case: expect.any(String), provider: expect.any(String), link: expect.stringMatching(/^https:\/\//) });
    expect(ALL_CASES.map((c) => c.id)).toContain(entry.case); // the guide's example names one case
  });

  it('documents every native error class, once', () => {
    const table = guide.slice(guide.indexOf('<!-- native-error-classes -->')).split('\n\n')[0];
    const rows = table.split('\n').slice(3).map((line) => /^\| `([a-z-]+)` \|/.exec(line)?.[1]);
    expect(rows).toEqual([...NATIVE_ERROR_CLASSES]);
  });

  it('names, for each capability, every category whose cases it gates', () => {
    const table = guide.slice(guide.indexOf('## 7. Capability checklist'), guide.indexOf('## 8.'));
    for (const capability of ['ttl', 'metadata', 'clock'] as const) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${capability}\` |`));
      expect(row, `a row for ${capability}`).toBeDefined();
      const gates = row!.split('|')[3];
      const gated = (c: (typeof ALL_CASES)[number]) => (capability === 'clock' ? c.clock === 'required' : c.requires?.includes(capability));
      const categories = new Set(ALL_CASES.filter(gated).map((c) => c.category));
      for (const category of categories) expect(gates, `the ${capability} row names ${category}`).toContain(category);
    }
    for (const capability of ['durable', 'strongConsistency']) expect(table).toContain(`| \`${capability}\` |`);
  });

  it('keeps what the example declares: data survives stop() and a new start() on the same directory', async () => {
    const context = { tmpDir: tmp(), log: () => {}, options: {}, signal: new AbortController().signal };
    const first = await example.start(context);
    await first.put('k', new Uint8Array([0, 1, 255]), { metadata: { a: 1 } });
    await first.stop();
    const second = await example.start(context);
    expect(await second.get('k')).toEqual({ value: new Uint8Array([0, 1, 255]), metadata: { a: 1 } });
    await second.stop();
  });
});
