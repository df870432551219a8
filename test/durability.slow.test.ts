// SQLite durability under a crash: a writer process is SIGKILLed at a random moment,
// and every write it had acknowledged must be in the file when it is opened again.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteKvStore } from '../runners/sqlite/store.ts';
import { durabilityValue } from './fixtures/durability-value.ts';

const root = resolve(import.meta.dirname, '..');
const writer = join(root, 'test/fixtures/durability-writer.ts');
const TRIALS = 24;
const AT_ONCE = 4;

interface Trial {
  trial: number;
  killAfterMs: number;
  acknowledged: number;
  exit: string;
}

/** Starts a writer, waits for its first acknowledged write, kills it `killAfterMs` later; returns the keys it acknowledged. */
function crashWriter(path: string, killAfterMs: number): Promise<{ acked: string[]; exit: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, path], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      if (signal !== 'SIGKILL') return fail(new Error(`the writer ended by itself (code ${code}, signal ${signal}):\n${stderr}`));
      // Only complete lines count: a key cut off mid-line was not acknowledged.
      const lines = stdout.split('\n');
      done({ acked: lines.slice(0, -1), exit: `signal ${signal}` });
    });
  });
}

async function runTrial(trial: number): Promise<Trial> {
  const dir = mkdtempSync(join(tmpdir(), 'kvparity-durability-'));
  const path = join(dir, 'kv.sqlite');
  // Kills from "at once" to about a second in (thousands of writes), so some land during WAL checkpoints.
  const killAfterMs = Math.floor(Math.random() * (trial % 3 === 0 ? 20 : trial % 4 === 0 ? 1200 : 300));
  try {
    const { acked, exit } = await crashWriter(path, killAfterMs);
    expect(acked.length, `trial ${trial}: the writer acknowledged nothing before the kill`).toBeGreaterThan(0);
    expect(acked.every((key, i) => key === `k${i}`), `trial ${trial}: acknowledgements arrive in order`).toBe(true);

    const check = new Database(path, { readonly: false });
    expect(check.pragma('quick_check', { simple: true }), `trial ${trial}: the file is intact`).toBe('ok');
    check.close();

    const store = new SqliteKvStore(path);
    try {
      for (let i = 0; i < acked.length; i++) {
        const entry = store.get(`k${i}`);
        if (!entry) throw new Error(`trial ${trial} (killed ${killAfterMs} ms in): acknowledged key k${i} of ${acked.length} is missing`);
        if (!Buffer.from(entry.value).equals(Buffer.from(durabilityValue(i)))) throw new Error(`trial ${trial}: k${i} holds another value`);
      }
      // Nothing appears that was never written: at most the one put in flight when the kill came.
      const present = store.list({ limit: 100_000 }).keys;
      expect(present.length, `trial ${trial}: keys present vs acknowledged`).toBeGreaterThanOrEqual(acked.length);
      expect(present.length).toBeLessThanOrEqual(acked.length + 1);
      if (present.length > acked.length) expect(present).toContain(`k${acked.length}`);
    } finally {
      store.close();
    }
    return { trial, killAfterMs, acknowledged: acked.length, exit };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('SQLite durability', () => {
  it(`every acknowledged write survives a SIGKILL of the writer (${TRIALS} trials)`, async () => {
    const trials: Trial[] = [];
    let next = 0;
    const lane = async () => {
      while (next < TRIALS) trials.push(await runTrial(next++));
    };
    await Promise.all(Array.from({ length: AT_ONCE }, lane));
    expect(trials).toHaveLength(TRIALS);
    // Kills landed at different depths: not all trials stopped after the same few writes.
    const counts = trials.map((t) => t.acknowledged);
    expect(Math.max(...counts)).toBeGreaterThan(10 * Math.min(...counts) + 10);
    console.log(`durability: ${TRIALS} trials, acknowledged writes per trial ${Math.min(...counts)}–${Math.max(...counts)}, total ${counts.reduce((a, b) => a + b, 0)}`);
  }, 60_000);
});
