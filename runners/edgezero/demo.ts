/**
 * Upstream's own examples/app-demo, built from EdgeZero's source at the pin (build.ts) and started
 * by the kit on each adapter's runtime, for the smoke (`kvparity smoke --target=edgezero-<adapter>`):
 * the axum binary on a free port with its redb files in a fresh directory, the Fastly wasm in
 * Viceroy with upstream's own fastly.toml (KV stores `sessions` and `cache`, its config and secret
 * stores), the Worker in workerd with the KV namespaces upstream's wrangler.toml binds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorkerd } from '../miniflare/runtime.ts';
import { freePort, spawnTracked, tempDir, waitForHttp, type Spawned } from '../process.ts';
import { ensureViceroy } from '../viceroy/install.ts';
import { serveWasm } from '../viceroy/runtime.ts';
import { ensureApp, workerModules, type AdapterName } from './build.ts';
import { sourceOrThrow } from './store.ts';
import type { Pin } from './source.ts';

export interface UpstreamDemo {
  url: string;
  /** What serves it, in words. */
  description: string;
  /** Resolves if the runtime dies on its own. */
  died: Promise<string>;
  stop(): Promise<void>;
}

/** upstream's `[stores.kv]` and `[stores.config]` ids: each is a Workers KV binding of its wrangler.toml. */
const WORKER_KV_BINDINGS = ['sessions', 'cache', 'app_config'];

export async function startUpstreamDemo(adapter: AdapterName, pin: Pin, options: { log: (line: string) => void; readyTimeoutMs: number; signal?: AbortSignal }): Promise<UpstreamDemo> {
  const source = await sourceOrThrow(pin, options.log);
  const app = await ensureApp('demo', adapter, source, options.log, options.signal);
  const at = `EdgeZero ${source.commit.slice(0, 7)} (${source.how})`;
  if (app.adapter === 'axum') {
    const dir = tempDir('edgezero-demo-axum');
    const port = await freePort();
    const spawned = spawnTracked(app.binary, [], { cwd: dir, env: { ...process.env, EDGEZERO__ADAPTER__HOST: '127.0.0.1', EDGEZERO__ADAPTER__PORT: String(port) } });
    const url = `http://127.0.0.1:${port}`;
    await ready(spawned, url, options.readyTimeoutMs);
    return { url, description: `upstream's app-demo on the axum adapter, ${at}, stores in ${dir}/.edgezero`, died: deathOf(spawned, 'the axum demo'), stop: () => spawned.stop(5000) };
  }
  if (app.adapter === 'fastly') {
    const viceroy = await ensureViceroy(options.log, options.signal);
    // Upstream's own manifest: its KV, config and secret stores, as `fastly compute serve` reads them.
    const config = readFileSync(join(source.dir, 'examples', 'app-demo', 'crates', 'app-demo-adapter-fastly', 'fastly.toml'), 'utf8');
    const { url, spawned } = await serveWasm({
      viceroyPath: viceroy.path,
      wasmPath: app.wasm,
      config,
      tmpDir: tempDir('edgezero-demo-fastly'),
      readyTimeoutMs: options.readyTimeoutMs,
      signal: options.signal,
    });
    return { url, description: `upstream's app-demo on the Fastly adapter in Viceroy ${viceroy.version}, ${at}, its fastly.toml`, died: deathOf(spawned, 'Viceroy'), stop: () => spawned.stop(2000) };
  }
  const workerd = await startWorkerd({
    modulesRoot: app.dir,
    modules: workerModules(app),
    storage: { kvNamespaces: WORKER_KV_BINDINGS },
    readyTimeoutMs: options.readyTimeoutMs,
    signal: options.signal,
  });
  try {
    await waitForHttp("upstream's demo Worker", `${workerd.url}/`, { timeoutMs: options.readyTimeoutMs });
  } catch (error) {
    await workerd.stop().catch(() => {});
    throw new Error(`${(error as Error).message}${workerd.output().trim() ? `\nworkerd output:\n${workerd.output().slice(-2000)}` : ''}`);
  }
  return {
    url: workerd.url,
    description: `upstream's app-demo on the Cloudflare adapter in workerd ${workerd.info.version} (Miniflare ${workerd.info.miniflareVersion}), ${at}, KV bindings ${WORKER_KV_BINDINGS.join(', ')}`,
    died: new Promise(() => {}),
    stop: () => workerd.stop(),
  };
}

async function ready(spawned: Spawned, url: string, timeoutMs: number): Promise<void> {
  try {
    await waitForHttp(`the demo on ${url}`, `${url}/`, { timeoutMs, intervalMs: 100, spawned });
  } catch (error) {
    await spawned.stop(500);
    throw error;
  }
}

const deathOf = (spawned: Spawned, what: string) =>
  spawned.exited.then(({ code, signal }) => `${what} exited (${signal ?? `code ${code}`}):\n${spawned.output().slice(-2000)}`);
