/**
 * Throughput of the Cloudflare bridge: native KV ops through the kit (HTTP to the
 * bridge Worker, one op per request and batches of 100) against the same ops looped
 * inside the Worker (/bench). Run: npx tsx bench/cloudflare-bridge.ts [count]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NativeOp } from '../api/index.ts';
import { startCloudflareKv } from '../runners/miniflare/store.ts';

const count = Number(process.argv[2] ?? 2000);
const batchSize = 100;
const value = new TextEncoder().encode('v'.repeat(64));
const dir = mkdtempSync(join(tmpdir(), 'kvparity-bench-cloudflare-'));

const t0 = performance.now();
const kv = await startCloudflareKv({ persistDir: join(dir, 'kv') });
const startMs = performance.now() - t0;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}
const rate = (ops: number, ms: number) => Math.round((ops / ms) * 1000);
const keys = Array.from({ length: count }, (_, i) => `bench/${i}`);
const batches = (make: (key: string) => NativeOp) =>
  Array.from({ length: Math.ceil(count / batchSize) }, (_, b) => keys.slice(b * batchSize, (b + 1) * batchSize).map(make));

try {
  await kv.put('warm', value); // first request pays for connection setup
  const rows: Array<[string, number, number]> = [];
  const single = Math.min(count, 1000);
  rows.push(['put, 1 op/request', single, await timed(async () => { for (const key of keys.slice(0, single)) await kv.put(key, value); })]);
  rows.push(['get, 1 op/request', single, await timed(async () => { for (const key of keys.slice(0, single)) await kv.get(key); })]);
  rows.push([`put, batches of ${batchSize}`, count, await timed(async () => { for (const ops of batches((key) => ({ op: 'put', key, value }))) await kv.batch!(ops); })]);
  rows.push([`get, batches of ${batchSize}`, count, await timed(async () => { for (const ops of batches((key) => ({ op: 'get', key }))) await kv.batch!(ops); })]);
  const insidePut = await kv.benchInside!('put', count);
  const insideGet = await kv.benchInside!('get', count);
  rows.push(['put, inside the Worker', insidePut.ops, insidePut.ms]);
  rows.push(['get, inside the Worker', insideGet.ops, insideGet.ms]);

  console.log(`workerd ${kv.runtime.version} (${kv.runtime.detail}); bridge ready in ${Math.round(startMs)} ms`);
  for (const [label, ops, ms] of rows) console.log(`${label.padEnd(26)} ${String(ops).padStart(6)} ops ${String(Math.round(ms)).padStart(7)} ms ${String(rate(ops, ms)).padStart(7)} ops/s`);
  const r = (name: string) => rows.find(([label]) => label === name)!;
  for (const kind of ['put', 'get']) {
    const inside = rate(r(`${kind}, inside the Worker`)[1], r(`${kind}, inside the Worker`)[2]);
    const one = rate(r(`${kind}, 1 op/request`)[1], r(`${kind}, 1 op/request`)[2]);
    const batch = rate(r(`${kind}, batches of ${batchSize}`)[1], r(`${kind}, batches of ${batchSize}`)[2]);
    console.log(`${kind}: kit/inside = ${(one / inside).toFixed(2)} (1 op/request), ${(batch / inside).toFixed(2)} (batches of ${batchSize})`);
  }
} finally {
  await kv.stop();
  rmSync(dir, { recursive: true, force: true });
}
