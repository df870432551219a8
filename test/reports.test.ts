/**
 * The parity report, from results files the kit writes by actually running the
 * memory and sqlite providers. Deviations (a failure, a skip, an odd message) are
 * injected into copies of those files, never written from scratch.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reportCommand, writeReport } from '../cli/report.ts';
import { diffParity, isEmpty } from '../reports/diff.ts';
import { nativeRowFor } from '../reports/native-table.ts';
import { decideVerdict } from '../reports/verdict.ts';
import type { CaseResult, ResultsFile } from '../results/types.ts';
import type { Cell, Parity } from '../reports/types.ts';
import { CONTRACT_COMMIT, CONTRACT_SOURCE } from '../contract/upstream.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SEED = '4242';
/** Every category but values (its 64 MiB probes are the slow part), few property runs. */
const RUN_FLAGS = [`--seed=${SEED}`, '--runs=5', '--category=crud,ttl,keys,pagination,unicode,metadata,concurrency,validation,model,consistency'];
let tmp: string;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function kvparity(args: string[]): Promise<Outcome> {
  return new Promise((done) => {
    execFile(process.execPath, ['cli/kvparity.mjs', ...args], { cwd: root, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** `kvparity report ...` in this process (starting the CLI costs seconds), with what it printed. */
async function report(args: string[]): Promise<Outcome> {
  const printed = { stdout: '', stderr: '' };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((printed.stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((printed.stderr += String(chunk)), true));
  try {
    return { code: await reportCommand(args), ...printed };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Copies a real results file, changing what `edit` changes. */
function inject(from: string, to: string, edit: (file: ResultsFile) => void): void {
  const file = readJson<ResultsFile>(from);
  edit(file);
  mkdirSync(join(to, '..'), { recursive: true });
  writeFileSync(to, JSON.stringify(file, null, 2));
}

const result = (file: ResultsFile, id: string): CaseResult => {
  const found = file.results.find((r) => r.test === id);
  if (!found) throw new Error(`case ${id} is not in the run: the fixtures need it`);
  return found;
};

/** parity.json minus what differs between two runs of the same thing: times, paths, run ids. */
function comparable(parity: Parity): unknown {
  const copy = structuredClone(parity) as Partial<Parity>;
  delete copy.generated;
  delete copy.merge;
  for (const p of copy.providers!) {
    for (const key of ['file', 'run_id', 'time_start', 'time_end'] as const) delete (p as Partial<typeof p>)[key];
    if (p.runtime) delete p.runtime.detail;
  }
  for (const row of copy.cases!) for (const cell of Object.values(row.providers)) delete (cell as Partial<Cell>).duration_ms;
  return copy;
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kvparity-reports-test-'));
  const runs = await Promise.all([
    kvparity(['run', '--provider=memory,sqlite', `--out=${join(tmp, 'both')}`, ...RUN_FLAGS]),
    kvparity(['run', '--provider=memory', `--out=${join(tmp, 'a')}`, ...RUN_FLAGS]),
    kvparity(['run', '--provider=sqlite', `--out=${join(tmp, 'b')}`, ...RUN_FLAGS]),
  ]);
  for (const run of runs) expect(run.code, run.stderr).toBe(0);
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('merge', { timeout: 60_000 }, () => {
  it('merging results files from two runs gives the same report as one run over both providers', async () => {
    const merged = await report([`--in=${join(tmp, 'a')},${join(tmp, 'b')}`, `--out=${join(tmp, 'merged')}`]);
    expect(merged.code, merged.stderr).toBe(0);
    // `run` wrote its own report next to its results files.
    const single = readJson<Parity>(join(tmp, 'both', 'parity.json'));
    const fromTwo = readJson<Parity>(join(tmp, 'merged', 'parity.json'));
    expect(fromTwo.providers.map((p) => p.id)).toEqual(['memory', 'sqlite']);
    expect(fromTwo.cases.length).toBeGreaterThan(5);
    expect(Object.keys(fromTwo.cases[0].providers)).toEqual(['memory', 'sqlite']);
    expect(comparable(fromTwo)).toEqual(comparable(single));
  });

  it('prints a compact summary with pass counts, the interop score and its rule, and the paths written', async () => {
    const out = await report([`--in=${join(tmp, 'both')}`, `--out=${join(tmp, 'summary')}`]);
    expect(out.code, out.stderr).toBe(0);
    const total = readJson<ResultsFile>(join(tmp, 'both', 'sqlite.json')).results.length;
    expect(out.stdout).toMatch(new RegExp(`sqlite +local +\\d+/${total} pass`));
    expect(out.stdout).toMatch(/interop score \d+\.\d%: \d+ portable of \d+ judged cases \(interop score = portable cases ÷ judged cases/);
    expect(out.stdout).toMatch(/divergent cases: \d+/);
    for (const name of ['parity.json', 'parity.md', 'parity.html']) expect(out.stdout).toContain(join(tmp, 'summary', name));
  });

  it('records the pinned upstream commit in every results file and shows it in parity.md and parity.html', () => {
    for (const id of ['memory', 'sqlite']) {
      expect(readJson<ResultsFile>(join(tmp, 'both', `${id}.json`)).run_info).toMatchObject({ contract_source: CONTRACT_SOURCE, contract_commit: CONTRACT_COMMIT });
    }
    const link = `[stackpop/edgezero \`${CONTRACT_COMMIT.slice(0, 7)}\`](${CONTRACT_SOURCE}/commit/${CONTRACT_COMMIT})`;
    expect(readFileSync(join(tmp, 'both', 'parity.md'), 'utf8')).toContain(`Contract: ${link}.`);
    expect(readFileSync(join(tmp, 'both', 'parity.html'), 'utf8')).toContain(`<p class="muted" id="contract">Contract: <a href="${CONTRACT_SOURCE}/commit/${CONTRACT_COMMIT}">stackpop/edgezero <code>${CONTRACT_COMMIT.slice(0, 7)}</code></a>.</p>`);
  });

  it('names each contract commit with its providers when results were run against different ones', () => {
    inject(join(tmp, 'a', 'memory.json'), join(tmp, 'older-pin', 'memory.json'), (file) => {
      file.run_info.contract_commit = '170b74b';
    });
    cpSync(join(tmp, 'b', 'sqlite.json'), join(tmp, 'older-pin', 'sqlite.json'));
    writeReport([join(tmp, 'older-pin')], join(tmp, 'older-pin-out'));
    expect(readFileSync(join(tmp, 'older-pin-out', 'parity.md'), 'utf8')).toMatch(
      new RegExp(`Contract: \\[stackpop/edgezero \`170b74b\`\\]\\([^)]+\\) \\(memory\\); \\[stackpop/edgezero \`${CONTRACT_COMMIT.slice(0, 7)}\`\\]\\([^)]+\\) \\(sqlite\\)\\.`),
    );
  });

  it('keeps the newer file when one provider comes twice, and names the one it dropped', () => {
    inject(join(tmp, 'a', 'memory.json'), join(tmp, 'old', 'memory.json'), (file) => {
      file.time_start = file.time_end = '2000-01-01T00:00:00.000Z';
      result(file, 'crud.delete').status = 'FAIL';
    });
    const { parity } = writeReport([join(tmp, 'old'), join(tmp, 'both')], join(tmp, 'twice'));
    expect(parity.cases.find((c) => c.id === 'crud.delete')!.providers.memory.status).toBe('PASS');
    expect(parity.merge.superseded).toEqual([{ provider: 'memory', file: join(tmp, 'old', 'memory.json'), by: join(tmp, 'both', 'memory.json') }]);
  });
});

describe('verdicts', { timeout: 60_000 }, () => {
  let parity: Parity;
  const verdictOf = (id: string) => parity.cases.find((c) => c.id === id)!;

  beforeAll(() => {
    const dir = join(tmp, 'injected');
    // The same observation naming a key under each run's own namespace.
    const namespaced = (file: ResultsFile) => ({ ok: false, error: `no such key ${file.run_info.namespace}0a1b/k`, class: 'not-found' });
    inject(join(tmp, 'both', 'memory.json'), join(dir, 'memory.json'), (file) => {
      Object.assign(result(file, 'crud.delete.twice'), { status: 'FAIL', message: 'second delete failed (injected)' });
      result(file, 'crud.native-delete-missing').observed = namespaced(file);
    });
    inject(join(tmp, 'both', 'sqlite.json'), join(dir, 'sqlite.json'), (file) => {
      Object.assign(result(file, 'crud.delete'), { status: 'FAIL', message: 'get_bytes after delete: <script>alert("x")</script> | \ud800 lone' });
      Object.assign(result(file, 'crud.delete.twice'), { status: 'FAIL', message: 'second delete failed (injected)' });
      Object.assign(result(file, 'crud.round-trip'), { status: 'SKIP', message: 'capability absent: ttl' });
      Object.assign(result(file, 'crud.missing-is-null'), { status: 'ERROR', message: 'Error: connection reset (injected)' });
      Object.assign(result(file, 'crud.exists'), { status: 'EXPECTED_DIVERGENCE', message: 'exists after delete', divergence: { link: 'https://example.com/issues/1', note: 'recorded upstream' } });
      file.run_info.namespace = 'kvp-0000000000/';
      result(file, 'crud.native-delete-missing').observed = namespaced(file);
      const probe = result(file, 'crud.overwrite.replaces-metadata');
      probe.observed = { ...(probe.observed as object), value: 'TWO' };
    });
    parity = writeReport([dir], join(tmp, 'injected-out')).parity;
  });

  it('names each verdict by the printed rules', () => {
    expect(verdictOf('crud.delete')).toMatchObject({ verdict: 'provider-specific', reason: 'fails only on sqlite' });
    expect(verdictOf('crud.delete.twice')).toMatchObject({ verdict: 'failing' });
    expect(verdictOf('crud.round-trip')).toMatchObject({ verdict: 'unsupported' });
    expect(verdictOf('crud.missing-is-null')).toMatchObject({ verdict: 'unknown' });
    expect(verdictOf('crud.exists')).toMatchObject({ verdict: 'divergent', reason: 'known divergence on sqlite' });
    expect(verdictOf('crud.overwrite.replaces-metadata')).toMatchObject({ verdict: 'divergent', reason: '2 different observations' });
    expect(verdictOf('crud.overwrite.last-write-wins').verdict).toBe('portable');
    expect(verdictOf('crud.native-delete-missing')).toMatchObject({ verdict: 'portable', providers: { sqlite: { observed: { error: 'no such key {ns}/k' } } } });
  });

  it('scores interop as portable over judged cases and rolls up passes per category', () => {
    const portable = parity.cases.filter((c) => c.verdict === 'portable').length;
    const judged = parity.cases.filter((c) => c.verdict !== 'unknown').length;
    expect(parity.interop).toMatchObject({ portable, judged, score: portable / judged });
    const base = readJson<Parity>(join(tmp, 'both', 'parity.json'));
    expect(parity.verdicts.divergent).toBe(base.verdicts.divergent + 2);
    const crud = parity.categories.crud;
    expect(crud.total).toBe(parity.cases.filter((c) => c.category === 'crud').length);
    // sqlite lost 5 passes in crud (FAIL ×2, SKIP, ERROR, EXPECTED_DIVERGENCE), memory 1 (FAIL).
    expect(base.categories.crud.providers.sqlite - crud.providers.sqlite).toBe(5);
    expect(base.categories.crud.providers.memory - crud.providers.memory).toBe(1);
  });

  it('renders known divergences with their links as numbered notes, and escapes every message', () => {
    const markdown = readFileSync(join(tmp, 'injected-out', 'parity.md'), 'utf8');
    expect(markdown).toMatch(/\| `crud\.exists` \| divergent \| ✅ \| ≠¹ \|/);
    expect(markdown).toContain('1. sqlite · crud.exists: <https://example.com/issues/1> recorded upstream');
    expect(markdown).toContain('| `crud.delete` | provider-specific failure | ✅ | ❌ | fails only on sqlite |');
    const html = readFileSync(join(tmp, 'injected-out', 'parity.html'), 'utf8');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; | \\uD800 lone');
    expect(html).toContain('<a href="https://example.com/issues/1" rel="noreferrer">');
    const json = readJson<Parity>(join(tmp, 'injected-out', 'parity.json'));
    expect(json.cases.find((c) => c.id === 'crud.delete')!.providers.sqlite.message).toContain('\ud800 lone');
  });

  it('keeps every Markdown table row as wide as its header', () => {
    const markdown = readFileSync(join(tmp, 'injected-out', 'parity.md'), 'utf8');
    const columns = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    let header = 0;
    for (const line of markdown.split('\n')) {
      if (!line.startsWith('|')) header = 0;
      else if (header === 0) header = columns(line);
      else expect(columns(line), line).toBe(header);
    }
  });

  it('decides from statuses alone for contract cases and from observations too for probes', () => {
    const pass = (observed: unknown): Cell => ({ status: 'PASS', observed, duration_ms: 0 });
    expect(decideVerdict({ a: pass(1), b: pass(2) }, false).verdict).toBe('portable');
    expect(decideVerdict({ a: pass(1), b: pass(2) }, true).verdict).toBe('divergent');
    expect(decideVerdict({ a: { status: 'SKIP', duration_ms: 0 }, b: { status: 'SKIP', duration_ms: 0 } }, false).verdict).toBe('unsupported');
    expect(decideVerdict({ a: { status: 'TIMEOUT', duration_ms: 0 } }, false).verdict).toBe('unknown');
    expect(decideVerdict({ a: { status: 'FAIL', duration_ms: 0 } }, false).verdict).toBe('failing');
    expect(decideVerdict({ a: pass(1), b: { status: 'FAIL', duration_ms: 0 }, c: { status: 'EXPECTED_DIVERGENCE', duration_ms: 0 } }, false).verdict).toBe('divergent');
    expect(decideVerdict({}, false).verdict).toBe('unknown');
  });
});

describe('one provider', { timeout: 60_000 }, () => {
  it('reports pass, fail and divergence against the contract, with no cross-provider wording or interop score', () => {
    const from = join(tmp, 'a', 'memory.json');
    const dir = join(tmp, 'one');
    inject(from, join(dir, 'memory.json'), (file) => {
      file.run_info.capabilities = { ...file.run_info.capabilities, ttl: false, durable: false };
      Object.assign(result(file, 'ttl.native.min'), { status: 'SKIP', message: 'capability absent: ttl', observed: undefined });
      Object.assign(result(file, 'crud.exists'), { status: 'FAIL', message: 'exists: expected true, got false' });
      Object.assign(result(file, 'crud.delete'), { status: 'EXPECTED_DIVERGENCE', divergence: { link: 'https://example.com/issues/2' } });
    });
    const { parity } = writeReport([dir], join(dir, 'out'));
    expect(parity.interop.score).toBeNull();
    expect(parity.providers[0].capabilities).toMatchObject({ ttl: false, metadata: true, durable: false });
    const markdown = readFileSync(join(dir, 'out', 'parity.md'), 'utf8');
    expect(markdown).toMatch(/^# kvparity report: memory\n/);
    expect(markdown).toMatch(/Against the EdgeZero KV contract, \d+ cases: \d+ pass · 1 known divergence · 1 fail · 1 capability absent · 0 error or not run\./);
    expect(markdown).toContain('| `crud.exists` | fail | ❌ | exists: expected true, got false |');
    expect(markdown).toMatch(/\| memory \| local \| memory \| [^|]+ \| metadata, clock, strongConsistency; capability absent: ttl, durable \|/);
    expect(markdown).toMatch(/\| Smallest TTL \| capability absent: ttl \|/);
    for (const words of [/interop/i, /portable/, /failing everywhere/, /provider-specific/, /How verdicts are decided/]) expect(markdown).not.toMatch(words);
    const html = readFileSync(join(dir, 'out', 'parity.html'), 'utf8');
    expect(html).toContain('<h1>kvparity report: memory</h1>');
    expect(html).toContain('capability absent: ttl, durable');
    const text = html.replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, '').replace(/<[^>]*>/g, ' ');
    for (const words of [/interop/i, /portable/, /failing everywhere/, /How verdicts are decided/]) expect(text).not.toMatch(words);
  });
});

describe('diff', { timeout: 60_000 }, () => {
  it('of a report against itself, and against a separate run with the same outcomes, is "No changes"', async () => {
    const self = await report(['diff', join(tmp, 'both', 'parity.json'), join(tmp, 'both', 'parity.json')]);
    expect(self.code, self.stderr).toBe(0);
    expect(self.stdout).toContain('No changes.');
    const fresh = writeReport([join(tmp, 'a'), join(tmp, 'b')], join(tmp, 'diff-fresh')).parity;
    expect(isEmpty(diffParity(readJson<Parity>(join(tmp, 'both', 'parity.json')), fresh))).toBe(true);
  });

  it('names an injected regression by case and provider, and the reverse diff calls it an improvement', async () => {
    inject(join(tmp, 'b', 'sqlite.json'), join(tmp, 'regressed', 'sqlite.json'), (file) => {
      Object.assign(result(file, 'crud.delete'), { status: 'FAIL', message: 'get_bytes after delete: expected null, got "v" (injected)' });
    });
    cpSync(join(tmp, 'a', 'memory.json'), join(tmp, 'regressed', 'memory.json'));
    writeReport([join(tmp, 'regressed')], join(tmp, 'regressed-out'));
    const base = join(tmp, 'both', 'parity.json');
    const head = join(tmp, 'regressed-out', 'parity.json');

    const forward = await report(['diff', base, head, '--fail-on-regression']);
    expect(forward.code).toBe(1);
    expect(forward.stdout).toContain('### Regressions (1)');
    expect(forward.stdout).toContain('| `crud.delete` | sqlite | ✅ PASS | ❌ FAIL: get\\_bytes after delete: expected null, got "v" (injected) |');
    expect(forward.stdout).toContain('| `crud.delete` | portable | provider-specific |');

    const backward = await report(['diff', head, base]);
    expect(backward.code).toBe(0);
    expect(backward.stdout).toContain('### Improvements (1)');
    expect(backward.stdout).not.toContain('Regressions');
  });
});

describe('emulator vs production, native table, smoke', { timeout: 60_000 }, () => {
  it('sets a production result against the emulator of the same platform and lists where they differ', () => {
    const dir = join(tmp, 'platform');
    cpSync(join(tmp, 'both', 'sqlite.json'), join(dir, 'sqlite.json'));
    inject(join(tmp, 'both', 'sqlite.json'), join(dir, 'sqlite-prod.json'), (file) => {
      Object.assign(file.run_info, { provider: 'sqlite-prod', kind: 'production', platform: 'sqlite' });
      Object.assign(result(file, 'crud.delete-missing'), { status: 'FAIL', message: 'delete of a missing key failed: Not found (injected)' });
    });
    const { parity } = writeReport([dir], join(tmp, 'platform-out'));
    expect(parity.platforms).toHaveLength(1);
    expect(parity.platforms[0]).toMatchObject({ platform: 'sqlite', emulator: 'sqlite', production: 'sqlite-prod', compared: parity.cases.length });
    expect(parity.platforms[0].differences.map((d) => d.case)).toEqual(['crud.delete-missing']);
    const markdown = readFileSync(join(tmp, 'platform-out', 'parity.md'), 'utf8');
    expect(markdown).toContain('**sqlite**: sqlite (emulator) vs sqlite-prod (production): 1 of');
    expect(markdown).toContain('| `crud.delete-missing` | PASS | FAIL delete of a missing key failed: Not found (injected) |');
  });

  it('fills the native table from probes, with the error texts they observed', () => {
    const dir = join(tmp, 'native');
    cpSync(join(tmp, 'both', 'memory.json'), join(dir, 'memory.json'));
    inject(join(tmp, 'both', 'sqlite.json'), join(dir, 'sqlite.json'), (file) => {
      Object.assign(result(file, 'crud.native-delete-missing'), { status: 'FAIL', observed: { ok: false, error: 'KV DELETE failed: 404 <Not Found>', class: 'not-found' } });
    });
    const { parity } = writeReport([dir], join(tmp, 'native-out'));
    const row = parity.native.find((r) => r.key === 'delete-missing')!;
    expect(row.providers.memory).toEqual([{ case: 'crud.native-delete-missing', status: 'PASS', value: 'ok', errors: [] }]);
    expect(row.providers.sqlite).toEqual([{ case: 'crud.native-delete-missing', status: 'FAIL', value: 'rejected (not-found)', errors: ['KV DELETE failed: 404 <Not Found>'] }]);
    expect(readFileSync(join(tmp, 'native-out', 'parity.md'), 'utf8')).toContain('| Delete of a missing key | ok | rejected (not-found): «KV DELETE failed: 404 \\<Not Found\\>» |');
  });

  it('maps probe ids onto rows by pattern, leaving lookalikes to rows of their own', () => {
    expect(nativeRowFor('keys.native.max-bytes.4-byte-chars')).toBe('largest-key');
    expect(nativeRowFor('values.native.max')).toBe('largest-value');
    expect(nativeRowFor('ttl.native.min')).toBe('smallest-ttl');
    expect(nativeRowFor('ttl.native.zero')).toBeUndefined();
    expect(nativeRowFor('pagination.native.max-page')).toBe('largest-page');
    expect(nativeRowFor('pagination.native.limit-zero')).toBeUndefined();
    expect(nativeRowFor('pagination.native.order')).toBe('list-order');
    expect(nativeRowFor('crud.native-delete-missing')).toBe('delete-missing');
    expect(nativeRowFor('crud.delete-missing')).toBeUndefined();
    expect(nativeRowFor('pagination.native.malformed-cursor')).toBe('malformed-cursor');
    expect(nativeRowFor('metadata.native.max-bytes')).toBe('metadata-limit');
  });

  it('renders a smoke file found beside the results', () => {
    const dir = join(tmp, 'smoke');
    cpSync(join(tmp, 'both', 'memory.json'), join(dir, 'memory.json'));
    // The shape smoke/checks.mjs writes (kvparity-smoke@1).
    const checks = [
      { name: 'PUT /kv/a', status: 'PASS', detail: '201' },
      { name: 'GET /kv/<b>', status: 'FAIL', detail: 'got 500 <html>' },
      { name: 'parallel increments', status: 'INFO', detail: '19 of 20 lost' },
    ];
    const contract = { source: CONTRACT_SOURCE, commit: CONTRACT_COMMIT };
    const smoke = { format: 'kvparity-smoke@1', target: 'node', base_url: 'http://127.0.0.1:8787', contract, started: '2026-01-01T00:00:00.000Z', ended: '2026-01-01T00:00:02.000Z', checks };
    writeFileSync(join(dir, 'smoke-node.json'), JSON.stringify(smoke));
    const { parity } = writeReport([dir], join(tmp, 'smoke-out'));
    expect(parity.smoke).toEqual([{ file: join(dir, 'smoke-node.json'), provider: 'node', base_url: smoke.base_url, ended: smoke.ended, contract, checks }]);
    expect(readFileSync(join(tmp, 'smoke-out', 'parity.md'), 'utf8')).toContain(
      `**node**: 3 checks: 1 PASS, 1 FAIL, 1 INFO (http://127.0.0.1:8787, 2026-01-01T00:00:02.000Z, EdgeZero demo at ${CONTRACT_COMMIT.slice(0, 7)})`,
    );
    expect(readFileSync(join(tmp, 'smoke-out', 'parity.html'), 'utf8')).toContain('<td>GET /kv/&lt;b&gt;</td><td class="s-FAIL">FAIL</td><td>got 500 &lt;html&gt;</td>');
  });
});

describe('bad input', { timeout: 60_000 }, () => {
  const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

  it('a missing directory is named', async () => {
    const out = await kvparity(['report', `--in=${join(tmp, 'nowhere')}`, `--out=${join(tmp, 'x')}`]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`kvparity report: input not found: ${join(tmp, 'nowhere')}`);
    noStack(out.stderr);
  });

  it('a file that is not a results file is named, with the schema error', async () => {
    const bad = join(tmp, 'bad', 'memory.json');
    inject(join(tmp, 'both', 'memory.json'), bad, (file) => {
      delete (file.run_info as Partial<ResultsFile['run_info']>).seed;
      (file.results[0] as { status: string }).status = 'MAYBE';
    });
    const out = await report([bad, `--out=${join(tmp, 'x')}`]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`${bad} is not a kvparity results file (results/results.schema.json):`);
    expect(out.stderr).toContain("/run_info must have required property 'seed'");
    expect(out.stderr).toContain('/results/0/status must be equal to one of the allowed values');
    noStack(out.stderr);

    writeFileSync(join(tmp, 'bad', 'notes.json'), '{ not json');
    const dir = await report([`--in=${join(tmp, 'bad')}`, `--out=${join(tmp, 'x')}`]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toMatch(/is not a (kvparity )?results file/);
  });

  it('a results file of another format version is refused by name, also when found in a directory', async () => {
    const dir = join(tmp, 'other-version');
    cpSync(join(tmp, 'both', 'memory.json'), join(dir, 'memory.json'));
    inject(join(tmp, 'both', 'sqlite.json'), join(dir, 'sqlite.json'), (file) => {
      (file as { format: string }).format = 'kvparity-results@2';
    });
    const out = await report([`--in=${dir}`, `--out=${join(tmp, 'x')}`]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`${join(dir, 'sqlite.json')} cannot be merged: it is in the results format kvparity-results@2, and this kvparity reads kvparity-results@1 only`);
    noStack(out.stderr);
  });

  it('--format picks report formats from the renderer table, and refuses an unknown one', async () => {
    const out = join(tmp, 'md-only');
    const md = await report([`--in=${join(tmp, 'both')}`, `--out=${out}`, '--format=md']);
    expect(md.code).toBe(0);
    expect(readdirSync(out)).toEqual(['parity.md']);
    const bad = await kvparity(['report', `--in=${join(tmp, 'both')}`, `--out=${out}`, '--format=pdf']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format takes json, md, html (comma-separated), got "pdf"');
    noStack(bad.stderr);
  });

  it('diff wants two parity reports, says so when given a results file, and refuses a parity.json of another format version by name', async () => {
    const one = await kvparity(['report', 'diff', join(tmp, 'both', 'parity.json')]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('report diff takes two parity.json files (base and head), got 1');
    const results = join(tmp, 'both', 'sqlite.json');
    const wrong = await report(['diff', results, join(tmp, 'both', 'parity.json')]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`${results} is not a parity report (reports/parity.schema.json) (this is a results file;`);
    noStack(wrong.stderr);
    const other = join(tmp, 'parity-other-version.json');
    writeFileSync(other, JSON.stringify({ ...readJson<Parity>(join(tmp, 'both', 'parity.json')), format: 'kvparity-parity@2' }));
    const older = await report(['diff', other, join(tmp, 'both', 'parity.json')]);
    expect(older.code).toBe(2);
    expect(older.stderr).toContain(`${other} cannot be compared: it is in the parity format kvparity-parity@2, and this kvparity reads kvparity-parity@1 only`);
    noStack(older.stderr);
    const flag = await kvparity(['report', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('kvparity: unknown option --bogus');
  });
});
