/**
 * EdgeZero's own adapters as KvInstances: the kit's EdgeZero app (./app), built from an EdgeZero
 * source at the pin (build.ts, source.ts), started on each adapter's runtime and spoken to over
 * the bridge protocol: native operations reach the adapter's KvStore (/ops, /value), contract
 * calls reach EdgeZero's KvHandle (/handle, as `kvHandle`).
 *
 * Clocks: the axum binary runs under libfaketime with a frozen clock (its redb store drops a key
 * at exactly its expiry, to the millisecond: a running clock would race), Viceroy under
 * libfaketime as for the fastly provider, workerd on Miniflare's fake timers as for cloudflare.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Availability, KvInstance, StartContext } from '../../api/index.ts';
import { BridgeClient, bridgedOps } from '../bridge/client.ts';
import { FAKETIME_INSTALL, fakeClock, removeFaketimeFiles } from '../faketime.ts';
import { miniflareAvailability } from '../miniflare/runtime.ts';
import { startCloudflareKv } from '../miniflare/store.ts';
import { freePort, recordStart, spawnTracked, storeDir, waitForHttp } from '../process.ts';
import { ensureViceroy, viceroyAvailability, viceroyBuildPending } from '../viceroy/install.ts';
import { startViceroy } from '../viceroy/runtime.ts';
import { ensureApp, kitAppPending, toolchainProblem, workerModules, type AdapterName, type BuiltApp } from './build.ts';
import { findSource, sourceAvailability, type EdgeZeroSource, type Pin } from './source.ts';

const READY_TIMEOUT_MS = 180_000;

/** Can EdgeZero run on `adapter` here: a source at the pin, the Rust toolchain and target, the runtime. */
export async function edgezeroAvailability(adapter: AdapterName, pin: Pin): Promise<Availability> {
  const toolchain = toolchainProblem(adapter);
  if (toolchain) return { available: false, ...toolchain };
  if (adapter === 'fastly') {
    const viceroy = viceroyAvailability();
    if (!viceroy.available) return viceroy;
  }
  if (adapter === 'cloudflare') {
    const miniflare = await miniflareAvailability();
    if (!miniflare.available) return miniflare;
  }
  return sourceAvailability(pin);
}

/**
 * The one-time preparation a provider file exports as `setup` (providers/registry.ts): the source
 * fetched, Viceroy built for Fastly, and the kit's app built for `adapter`. A machine that lacks it
 * does it once the other providers have run, so a first run's report never waits for cargo.
 */
export function edgezeroSetup(adapter: AdapterName, pin: Pin): { pending(): string | null; run(context: { log(line: string): void; signal: AbortSignal }): Promise<void> } {
  return {
    pending: () => [adapter === 'fastly' ? viceroyBuildPending() : null, kitAppPending(adapter, pin.commit)].filter(Boolean).join('; then ') || null,
    async run({ log, signal }) {
      const source = await sourceOrThrow(pin, log);
      if (adapter === 'fastly') await ensureViceroy(log, signal);
      await ensureApp('kit', adapter, source, log, signal);
    },
  };
}

export async function sourceOrThrow(pin: Pin, log: (line: string) => void): Promise<EdgeZeroSource> {
  const source = await findSource(pin, log);
  if ('problem' in source) throw new Error(source.problem);
  return source;
}

export interface EdgeZeroKvOptions {
  adapter: AdapterName;
  pin: Pin;
  context: StartContext;
  /** false: the real clock (default: the adapter's controlled clock where the machine has it). */
  controlledClock?: boolean;
}

export async function startEdgeZeroKv({ adapter, pin, context, controlledClock = true }: EdgeZeroKvOptions): Promise<KvInstance & { bridge: { url: string } }> {
  const { log, signal, tmpDir } = context;
  const source = await sourceOrThrow(pin, log);
  const app = await ensureApp('kit', adapter, source, log, signal);
  const detail = (url: string) => `${url} (EdgeZero ${source.commit.slice(0, 7)} from ${source.how}; app ${app.name})`;
  if (app.adapter === 'cloudflare') {
    const kv = await startCloudflareKv({
      persistDir: storeDir(tmpDir, 'kv'),
      clock: controlledClock ? 'auto' : 'off',
      signal,
      worker: { modulesRoot: app.dir, modules: workerModules(app), kvBinding: 'kvparity' },
    });
    log(`EdgeZero's cloudflare adapter ready at ${kv.bridge.url}`);
    return {
      ...kv,
      runtime: { name: 'edgezero-cloudflare on workerd', version: kv.runtime.version, detail: detail(kv.bridge.url) },
      kvHandle: { call: (call, options) => kv.handleCall(call, options) },
    };
  }
  if (app.adapter === 'fastly') {
    const viceroy = await ensureViceroy(log, signal);
    const run = await startViceroy({
      viceroyPath: viceroy.path,
      viceroyVersion: viceroy.version,
      wasmPath: app.wasm,
      tmpDir,
      fakeTime: controlledClock ? undefined : false,
      log,
      signal,
      localServer: { name: 'kvparity-edgezero', kvStores: ['kvparity'] },
    });
    log(`EdgeZero's fastly adapter ready at ${run.url}`);
    const client = new BridgeClient({ baseUrl: run.url, freshConnections: false });
    return {
      bridge: { url: run.url },
      runtime: { name: 'edgezero-fastly on viceroy', version: viceroy.version, detail: detail(run.url) },
      ...bridgedOps(client, run.explained),
      kvHandle: { call: (call, options) => run.explained(() => client.handleCall(call, options)) },
      clock: run.clock && { advance: (seconds) => run.clock!.advance(seconds) },
      alive: async () => run.alive(),
      stop: () => run.stop(),
    };
  }
  return startAxum(app, source, tmpDir, controlledClock, detail, log, signal);
}

/** Where a Linux machine keeps its CA bundle (what rustls-native-certs reads when SSL_CERT_FILE is unset). */
const CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

/**
 * EdgeZero's axum adapter builds a new HTTP client for every request it serves, for the app's
 * proxy handle (edgezero-adapter-axum src/request.rs:55-59), and each build reads the machine's
 * whole CA store: on Debian 292 files, about 10 ms a request, most of a KV call's time. The kit's
 * app never proxies: it is given a store of one certificate (the first of the machine's bundle),
 * so a request costs what EdgeZero's KV layer costs. docs/upstream-changes.md has the figures.
 * Without a bundle to take one from, the environment is left as it is (slower, not different).
 */
export function oneCertificateStore(dir: string, bundles = [process.env.SSL_CERT_FILE, ...CA_BUNDLES]): Record<string, string> {
  for (const bundle of bundles) {
    if (!bundle || !existsSync(bundle)) continue;
    const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(readFileSync(bundle, 'utf8'))?.[0];
    if (!first) continue;
    const file = join(dir, 'one-ca.pem');
    const none = join(dir, 'no-ca-dir');
    writeFileSync(file, first);
    mkdirSync(none, { recursive: true });
    return { SSL_CERT_FILE: file, SSL_CERT_DIR: none };
  }
  return {};
}

/** The axum binary on a free loopback port, its redb files in the run's directory, under a frozen libfaketime clock. */
async function startAxum(app: Extract<BuiltApp, { adapter: 'axum' }>, source: EdgeZeroSource, tmpDir: string, controlledClock: boolean, detail: (url: string) => string, log: (line: string) => void, signal?: AbortSignal) {
  const clock = controlledClock ? fakeClock(tmpDir, 'frozen') : null;
  if (controlledClock && !clock) throw new Error(`libfaketime is not installed, and the axum adapter's expiry reads the real clock (${FAKETIME_INSTALL}; or --faketime=0 for the real clock)`);
  const certificates = oneCertificateStore(tmpDir);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const started = performance.now();
    const spawned = spawnTracked(app.binary, [], {
      cwd: tmpDir,
      env: { ...process.env, KVPARITY_ADDR: `127.0.0.1:${port}`, KVPARITY_STORE_DIR: storeDir(tmpDir, 'redb'), RUST_LOG: 'error', ...certificates, ...clock?.env },
    });
    if (clock) void spawned.exited.then(() => removeFaketimeFiles(spawned.child.pid!));
    const onAbort = () => void spawned.stop(500);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await waitForHttp(`edgezero-axum on ${url}`, `${url}/health`, { timeoutMs: READY_TIMEOUT_MS, intervalMs: 50, spawned });
    } catch (error) {
      await spawned.stop(500);
      if (attempt < 3 && !signal?.aborted && /address already in use|os error 98/i.test(spawned.output())) continue;
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    recordStart('edgezero-axum', performance.now() - started);
    log(`EdgeZero's axum adapter ready at ${url}`);
    const client = new BridgeClient({ baseUrl: url, jsonBodies: true });
    return {
      bridge: { url },
      runtime: { name: 'edgezero-axum', version: source.commit.slice(0, 7), detail: `${detail(url)}${certificates.SSL_CERT_FILE ? '; a CA store of one certificate, which the adapter reads on every request' : ''}` },
      ...bridgedOps(client),
      kvHandle: { call: (call: Parameters<BridgeClient['handleCall']>[0], options?: { spy?: boolean }) => client.handleCall(call, options) },
      clock: clock ? { advance: (seconds: number) => clock.advance(seconds) } : undefined,
      alive: async () => spawned.child.exitCode === null && spawned.child.signalCode === null,
      stop: () => spawned.stop(2000),
    } satisfies KvInstance & { bridge: { url: string } };
  }
}
