/**
 * The "inside" figure for in-process providers: the same ops as a plain loop on
 * the store itself, with no provider interface in between. Bridged providers
 * measure inside the runtime instead (KvInstance.benchInside).
 */
import { join } from 'node:path';
import { KvModel } from '../contract/model.ts';
import { SqliteKvStore } from '../runners/sqlite/store.ts';

interface SyncStore {
  put(key: string, value: Uint8Array): void;
  get(key: string): unknown;
  close?(): void;
}

const STORES: Record<string, (tmpDir: string) => SyncStore> = {
  memory: () => new KvModel(Date.now()),
  sqlite: (tmpDir) => new SqliteKvStore(join(tmpDir, 'direct-loop.sqlite')),
};

export const hasDirectLoop = (providerId: string) => providerId in STORES;

type Timing = { ops: number; ms: number };

/** `count` puts, then `count` gets of the same keys, on one fresh store of the provider's kind; the fastest of `rounds`. */
export function directLoop(providerId: string, tmpDir: string, count: number, value: Uint8Array, rounds: number): { put: Timing; get: Timing } {
  const store = STORES[providerId](tmpDir);
  const time = (op: (i: number) => void): Timing => {
    let best = Infinity;
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      for (let i = 0; i < count; i++) op(i);
      best = Math.min(best, performance.now() - started);
    }
    return { ops: count, ms: best };
  };
  try {
    return { put: time((i) => store.put(`bench/${i}`, value)), get: time((i) => store.get(`bench/${i}`)) };
  } finally {
    store.close?.();
  }
}
