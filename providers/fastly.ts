/**
 * Fastly KV Store, run locally: the js-compute bridge app (runners/viceroy/bridge-app)
 * inside real Viceroy, driven over the bridge protocol. Options: --token=<t>
 * (the bridge then requires it), --faketime=0 (run on the real clock).
 */
import { defineProvider } from '../api/index.ts';
import { BridgeClient } from '../runners/bridge/client.ts';
import { ensureViceroy, viceroyAvailability, VICEROY_VERSION } from '../runners/viceroy/install.ts';
import { compilerAvailable, ensureBridgeWasm } from '../runners/viceroy/bridge-wasm.ts';
import { addCommand, missingPackage } from '../runners/optional.ts';
import { faketimeLibrary, startViceroy } from '../runners/viceroy/runner.ts';

/** The runtime's process name: the kit's own tests check that it never outlives a run. */
export const runtimeProcess = 'viceroy';

export default defineProvider({
  id: 'fastly',
  title: 'Fastly KV Store (Viceroy)',
  kind: 'emulator',
  runtime: `Viceroy ${VICEROY_VERSION} + @fastly/js-compute 3.46.0`,
  capabilities: {
    ttl: true,
    metadata: true,
    // Viceroy's expiry reads CLOCK_REALTIME; libfaketime moves it (see runners/viceroy/runner.ts).
    clock: faketimeLibrary() !== null,
    listOrder: 'utf8-bytes',
    durable: false,
    strongConsistency: true,
  },
  docs: 'https://www.fastly.com/documentation/reference/api/services/resources/kv-store-item/',

  async availability() {
    if (!compilerAvailable()) {
      return missingPackage('@fastly/js-compute', 'the fastly provider') ?? { available: false, reason: "@fastly/js-compute's compiler (js-compute-runtime) is missing", enable: addCommand('@fastly/js-compute') };
    }
    const viceroy = viceroyAvailability();
    return viceroy.available ? { available: true } : viceroy;
  },

  async start({ tmpDir, log, options, signal }) {
    const viceroy = await ensureViceroy(log, signal);
    const wasm = await ensureBridgeWasm(log, signal);
    const token = options.token || undefined;
    const run = await startViceroy({
      viceroyPath: viceroy.path,
      viceroyVersion: viceroy.version,
      wasmPath: wasm.path,
      tmpDir,
      token,
      fakeTime: options.faketime === '0' ? false : undefined,
      log,
      signal,
    });
    const client = new BridgeClient({ baseUrl: run.url, token });
    // Transport failures get Viceroy's own account (guest trap or OOM, host panic) appended.
    const explained = async <T>(op: () => Promise<T>): Promise<T> => {
      run.mark();
      try {
        return await op();
      } catch (error) {
        throw await run.explain(error);
      }
    };
    return {
      runtime: { name: 'viceroy', version: viceroy.version, detail: `${run.url} (js-compute ${wasm.jsComputeVersion}, bridge ${wasm.hash.slice(0, 12)})` },
      get: (key) => explained(() => client.get(key)),
      put: (key, value, putOptions) => explained(() => client.put(key, value, putOptions)),
      delete: (key) => explained(() => client.delete(key)),
      list: (listOptions) => explained(() => client.list(listOptions)),
      batch: (ops) => explained(() => client.batch(ops)),
      benchInside: (kind, count) => explained(() => client.benchInside(kind, count)),
      clock: run.clock && { advance: (seconds) => run.clock!.advance(seconds) },
      alive: async () => run.alive(),
      stop: () => run.stop(),
    };
  },
});
