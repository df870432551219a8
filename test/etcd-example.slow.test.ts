/**
 * The etcd example (examples/etcd/), a server without a clock, as an outside author writes it, as a
 * regression check of --real-time and of the facts a store honours: a real etcd (Debian's
 * etcd-server) started by the provider, run through the real command line with its own config and
 * known divergences. The run waits in real time, about a minute and a few seconds, mostly idle.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateResults } from '../results/validate.ts';
import type { ResultsFile } from '../results/types.ts';
import { renderFact } from '../reports/facts.ts';
import type { Fact } from '../results/facts.ts';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'cli/kvparity.mjs');
const example = './examples/etcd/etcd.ts';
const etcd = (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, 'etcd')));
/** The budget the guide gives for etcd: its 60 s and 61 s cases, a second late at most, and the 61 s/65.5 s pair. */
const REAL_TIME = 68;

/** The CLI, without blocking the worker: this run is mostly waiting. */
function kvparity(args: string[]): Promise<{ code: number | null; err: string; seconds: number }> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => done({ code, err, seconds: (performance.now() - started) / 1000 }));
  });
}

describe('examples/etcd: etcd, a real server without a clock', () => {
  it('is unavailable without the etcd binary, with the command that installs it', () => {
    const result = spawnSync(process.execPath, [cli, 'providers', `--provider=${example}`], { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    expect(result.stdout).toContain('unavailable: no etcd binary on PATH');
    expect(result.stdout).toContain('enable with: apt-get install etcd-server');
  });

  it.skipIf(!etcd)(
    `with --real-time=${REAL_TIME}: the expiry cases run side by side and pass, and the facts say what etcd honours (needs etcd: apt-get install etcd-server)`,
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'kvparity-etcd-'));
      const run = await kvparity(['run', '--config=examples/etcd/kvparity.config.json', '--category=ttl,values,model', `--real-time=${REAL_TIME}`, '--seed=23', `--out=${out}`]);
      expect(run.code, run.err).toBe(0);
      const file = JSON.parse(readFileSync(join(out, 'etcd.json'), 'utf8')) as ResultsFile;
      expect(validateResults(file)).toEqual([]);
      const result = (id: string) => file.results.find((r) => r.test === id)!;

      // The expiry rules ran in real time and held (etcd is late by a tick of its lease loop, under a second).
      for (const id of ['ttl.expiry.exact', 'ttl.expiry.exact-61s', 'ttl.expired.vanishes', 'ttl.expired.list-only', 'ttl.overwrite.replaces-ttl', 'ttl.independent-keys.61s-65.5s', 'model.commands.ttl']) {
        expect(result(id).status, `${id}: ${result(id).message}`).toBe('PASS');
      }
      // The run says what ran and what did not fit, and the SKIPs say what budget would run them.
      expect(run.err).toMatch(new RegExp(`⏱ real time \\(--real-time=${REAL_TIME}\\): \\d+ of \\d+ cases ran side by side in \\d+\\.\\d s`));
      expect(result('ttl.expiry.exact-300s').message).toContain('--real-time=301 runs it');
      expect(result('ttl.expiry.one-year').message).toContain('only a clock runs it');

      // What etcd honours, not what it accepts: a 2 s floor, whole seconds, lateness with the 2 s TTL.
      const min = result('ttl.native.min').observed as Fact & { lifetimes: { fraction: { asked: number; lived: number } } };
      expect(min).toMatchObject({ unit: 'ms', value: 1000, lifetimes: { honoured: 2, floor: { lives: 2 }, fraction: { rule: 'truncated' }, measured: 'real-time' } });
      // 59.5 s when the whole ladder fits what is left of the phase; on a loaded machine a smaller fraction.
      expect(min.lifetimes.fraction.lived).toBe(Math.floor(min.lifetimes.fraction.asked));
      expect(renderFact(min).value).toMatch(/^2 s honoured \(accepted: 1,000 ms\): anything under 2 s lives 2 s; fractions truncated: \d+\.5 s lives \d+ s/);
      const expiry = result('ttl.native.expiry-at-ttl').observed as { ttlSeconds: number; lateMs: number };
      expect(expiry).toMatchObject({ fact: 'expiry', ttlSeconds: 2, measured: 'real-time' });
      expect(expiry.lateMs).toBeLessThan(1000);
      // The value limit is a request limit over key and value.
      expect(result('values.native.max').observed).toMatchObject({ error: expect.stringContaining('request is too large'), movesWith: { input: 'key', at: 23, by: 64, total: expect.any(Number) } });
      console.log(`etcd example with --real-time=${REAL_TIME}: ${run.seconds.toFixed(1)} s`);
    },
    300_000,
  );
});
