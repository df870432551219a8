// The first run on a machine: a provider whose one-time setup the machine lacks (Fastly's Viceroy
// builds from crates.io) holds nothing back. `kvparity run` runs the others first and writes their
// report as soon as they are done, says how the slow one joins, sets it up with its progress shown
// and runs it; `kvparity test` still requires it; a setup that fails is that provider's start
// error. The fixture's setup ends only once the others' file is there, so a run that waited for it
// first would never end.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Parity } from '../reports/types.ts';
import type { ResultsFile } from '../results/types.ts';

const root = resolve(import.meta.dirname, '..');
const fixture = join(root, 'test/fixtures/slow-setup.ts');
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function kvparity(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string; out: string }> {
  const out = mkdtempSync(join(tmpdir(), 'kvparity-first-run-'));
  dirs.push(out);
  const child = spawn(process.execPath, [join(root, 'cli/kvparity.mjs'), ...args, `--out=${out}`], { cwd: root, env: { ...process.env, KVPARITY_FIXTURE_OUT: out, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGTERM'), 100_000);
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  clearTimeout(timer);
  return { code, stderr, out };
}

const providers = `--provider=memory,sqlite,${fixture}`;

describe('a provider in its one-time setup', { timeout: 120_000 }, () => {
  it('run: the others are reported first, with how it joins; then its progress shows, and it joins the report', async () => {
    const run = await kvparity(['run', providers, '--category=crud'], { KVPARITY_FIXTURE_WAIT_FOR: 'parity.json' });
    expect(run.code, run.stderr).toBe(0);
    const at = (text: string) => {
      const index = run.stderr.indexOf(text);
      expect(index, `"${text}" in:\n${run.stderr}`).toBeGreaterThanOrEqual(0);
      return index;
    };
    const announced = at('⧗ slow-setup: a build this machine lacks, about 20 s. That is done once the other providers have run, so they do not wait for it, and slow-setup runs after it.');
    const firstReport = at('written: ');
    const howToJoin = at('That report holds every provider but test/fixtures/slow-setup.ts, which joins it once its one-time setup, starting now, is done (progress below). Or stop now (Ctrl-C) and add it later: npm run kvparity -- run --provider=test/fixtures/slow-setup.ts && npm run kvparity -- report');
    const progress = at('  slow-setup: building: step 1');
    const built = at('  slow-setup: built');
    const joined = at('▶ slow-setup:');
    const order = [announced, firstReport, howToJoin, progress, built, joined];
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(run.stderr.indexOf('written: ', joined)).toBeGreaterThan(joined);
    const parity = JSON.parse(readFileSync(join(run.out, 'parity.json'), 'utf8')) as Parity;
    expect(parity.providers.map((p) => p.id).sort()).toEqual(['memory', 'slow-setup', 'sqlite']);
  });

  it('test: the others run first, and it is still required', async () => {
    const test = await kvparity(['test', providers, '--case=crud.round-trip'], { KVPARITY_FIXTURE_WAIT_FOR: 'sqlite.json' });
    expect(test.code, test.stderr).toBe(0);
    expect(test.stderr).not.toContain('That report holds');
    const file = JSON.parse(readFileSync(join(test.out, 'slow-setup.json'), 'utf8')) as ResultsFile;
    expect(file.results.map((r) => `${r.test} ${r.status}`)).toEqual(['crud.round-trip PASS']);
  });

  it('a setup that fails is the provider’s start error, and the run says so last, with exit 1', async () => {
    const run = await kvparity(['run', providers, '--case=crud.round-trip'], { KVPARITY_FIXTURE_MODE: 'fail' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toBe('kvparity: slow-setup did not start: its one-time setup failed: the build broke at step 1');
    const file = JSON.parse(readFileSync(join(run.out, 'slow-setup.json'), 'utf8')) as ResultsFile;
    expect(file.run_info.start_error).toBe('its one-time setup failed: the build broke at step 1');
    const memory = JSON.parse(readFileSync(join(run.out, 'memory.json'), 'utf8')) as ResultsFile;
    expect(memory.results.map((r) => r.status)).toEqual(['PASS']);
  });
});
