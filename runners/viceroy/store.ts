/**
 * The Fastly KvInstance: real Viceroy (runtime.ts) serving the js-compute bridge app
 * (wasm.ts builds it), spoken to through the shared BridgeClient, with libfaketime's clock.
 */
import type { KvInstance } from '../../api/index.ts';
import { BridgeClient, bridgedOps } from '../bridge/client.ts';
import { ensureViceroy, type Log } from './install.ts';
import { startViceroy } from './runtime.ts';
import { ensureBridgeWasm } from './wasm.ts';

export interface FastlyKvOptions {
  /** A fresh directory owned by this run. */
  tmpDir: string;
  log: Log;
  /** When set, the bridge requires it as a bearer token. */
  token?: string;
  /** false: run on the real clock (default: under libfaketime when it is installed). */
  fakeTime?: boolean;
  signal?: AbortSignal;
}

/** The instance carries its bridge's URL: the runtime pool (cli/pool.ts) hands it to the kit's tests. */
export async function startFastlyKv(options: FastlyKvOptions): Promise<KvInstance & { bridge: { url: string } }> {
  const { tmpDir, log, token, signal } = options;
  const viceroy = await ensureViceroy(log, signal);
  const wasm = await ensureBridgeWasm(log, signal);
  const run = await startViceroy({ viceroyPath: viceroy.path, viceroyVersion: viceroy.version, wasmPath: wasm.path, tmpDir, token, fakeTime: options.fakeTime, log, signal });
  // Viceroy (hyper) keeps a connection until the client closes it: no fresh one per request.
  const client = new BridgeClient({ baseUrl: run.url, token, freshConnections: false });
  // Transport failures get Viceroy's own account (guest trap or OOM, host panic) appended.
  return {
    bridge: { url: run.url },
    runtime: { name: 'viceroy', version: viceroy.version, detail: `${run.url} (js-compute ${wasm.jsComputeVersion}, bridge ${wasm.hash.slice(0, 12)})` },
    ...bridgedOps(client, run.explained),
    clock: run.clock && { advance: (seconds) => run.clock!.advance(seconds) },
    alive: async () => run.alive(),
    stop: () => run.stop(),
  };
}
