/**
 * Builds a js-compute app (the Fastly bridge, the demo) into a Compute wasm with
 * @fastly/js-compute's own compiler, cached by a hash of its sources and the
 * js-compute version: it is rebuilt only when one of them changes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basename, join } from 'node:path';
import { addCommand, packageDir } from '../optional.ts';
import { cacheDir, spawnTracked } from '../process.ts';
import type { Log } from './install.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const BRIDGE_ENTRY = here('./bridge-app/index.js');
const BRIDGE_SOURCES = [BRIDGE_ENTRY, here('../bridge/handler.js')];
const BUILD_TIMEOUT_MS = 5 * 60 * 1000;

/** @fastly/js-compute, an optional peer dependency: found where Node resolves it from the kit (the project's node_modules). */
function jsCompute(): { version: string; compiler: string } | null {
  const dir = packageDir('@fastly/js-compute');
  if (!dir) return null;
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
  const compiler = join(dir, manifest.bin['js-compute-runtime']);
  return existsSync(compiler) ? { version: manifest.version, compiler } : null;
}

export function jsComputeVersion(): string | null {
  return jsCompute()?.version ?? null;
}

export function compilerAvailable(): boolean {
  return jsCompute() !== null;
}

export interface ComputeApp {
  /** What it is, in log lines ("bridge", "demo"). */
  name: string;
  /** The entry module the compiler starts from. */
  entry: string;
  /** Every file the compiler bundles: a change to any of them rebuilds the wasm. */
  sources: string[];
}

const BRIDGE_APP: ComputeApp = { name: 'bridge', entry: BRIDGE_ENTRY, sources: BRIDGE_SOURCES };

/** sha256 over the app's sources (each named by its last two path parts) and the js-compute version: the cache key. */
function appHash(app: ComputeApp): string {
  const hash = createHash('sha256');
  hash.update(`js-compute ${jsComputeVersion()}\n`);
  for (const file of app.sources) hash.update(`${file.split('/').slice(-2).join('/')}\n`).update(readFileSync(file)).update('\n');
  return hash.digest('hex');
}

export interface BuiltWasm {
  path: string;
  hash: string;
  jsComputeVersion: string;
  reused: boolean;
}

/** The app's wasm from the cache (~/.cache/kvparity/fastly-<name>/<hash>/), built there first if needed. */
export async function ensureWasm(app: ComputeApp, log: Log, signal?: AbortSignal): Promise<BuiltWasm> {
  const found = jsCompute();
  if (!found) throw new Error(`@fastly/js-compute is not installed: ${addCommand('@fastly/js-compute')}`);
  const version = found.version;
  const hash = appHash(app);
  const dir = cacheDir(`fastly-${app.name}`, hash);
  const wasm = join(dir, `${app.name}.wasm`);
  const short = hash.slice(0, 12);
  if (existsSync(wasm)) {
    log(`reusing built ${app.name} wasm ${short}`);
    return { path: wasm, hash, jsComputeVersion: version, reused: true };
  }
  log(`building ${app.name} wasm ${short} with @fastly/js-compute ${version} (about 15 s the first time)`);
  const started = Date.now();
  // Write beside the final file, then rename: parallel builds never see half a wasm.
  const partial = join(dir, `${basename(wasm, '.wasm')}.${process.pid}.partial.wasm`);
  const spawned = spawnTracked(process.execPath, [found.compiler, app.entry, partial], { cwd: dir });
  const onAbort = () => void spawned.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => void spawned.stop(), BUILD_TIMEOUT_MS);
  const { code } = await spawned.exited;
  clearTimeout(timer);
  signal?.removeEventListener('abort', onAbort);
  if (code !== 0 || !existsSync(partial)) {
    rmSync(partial, { force: true });
    signal?.throwIfAborted();
    throw new Error(`building the ${app.name} wasm failed (exit ${code}):\n${spawned.output().slice(-4000)}`);
  }
  renameSync(partial, wasm);
  log(`built ${app.name} wasm ${short} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { path: wasm, hash, jsComputeVersion: version, reused: false };
}

/** The Fastly bridge app's wasm. */
export const ensureBridgeWasm = (log: Log, signal?: AbortSignal) => ensureWasm(BRIDGE_APP, log, signal);
