/**
 * Viceroy with wasmtime's compilation cache. Viceroy 0.22.0 compiles the guest with Cranelift on
 * every start (the js-compute engine is 10 MB of wasm: about 12 CPU-seconds), and enables no cache.
 * The kit's build of it adds one: the pinned crates from crates.io, with one change to viceroy-lib's
 * configure_wasmtime(): when $KVPARITY_WASMTIME_CACHE names a directory, wasmtime's own cache (the
 * one the wasmtime CLI uses) keeps the compiled guest there. Nothing the guest sees changes: the
 * cache is keyed by the wasm bytes, wasmtime's version and the engine's whole configuration.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../process.ts';

/** The variable the patched Viceroy reads; unset, it runs exactly as upstream. */
export const COMPILE_CACHE_ENV = 'KVPARITY_WASMTIME_CACHE';

/** Where compiled guests are kept, shared by every run on this machine. */
export const compileCacheDir = () => cacheDir('viceroy', 'wasmtime-cache');

/** The environment a Viceroy start gets: harmless for a Viceroy without the patch (VICEROY_BIN, PATH). */
export const compileCacheEnv = (): NodeJS.ProcessEnv => ({ [COMPILE_CACHE_ENV]: compileCacheDir() });

const ANCHOR = '    config.wasm_wide_arithmetic(true);\n';
const RUST = `
    // kvparity: wasmtime's compilation cache in the directory KVPARITY_WASMTIME_CACHE names (unset:
    // no cache, as upstream), so a start that finds the compiled guest there skips Cranelift.
    if let Some(directory) = std::env::var_os("KVPARITY_WASMTIME_CACHE") {
        let mut cache_config = wasmtime::CacheConfig::new();
        // No background recompression of entries that are used often: a start pays for nothing but its lookup.
        cache_config.with_directory(directory).with_optimized_compression_usage_counter_threshold(u64::MAX);
        match wasmtime::Cache::new(cache_config) {
            Ok(cache) => {
                config.cache(Some(cache));
            }
            Err(error) => eprintln!("kvparity: wasmtime compile cache not enabled: {error}"),
        }
    }
`;

/** The crates the build needs, as published. */
export const CRATES = ['viceroy', 'viceroy-lib'] as const;

const INDEX = 'https://index.crates.io';

/** Downloads crates from crates.io's sparse index (as cargo does), each checked against the index's checksum, and unpacks them into `into`. */
export async function fetchCrates(names: readonly string[], version: string, into: string): Promise<string[]> {
  // Where the index says crates are downloaded from: asked once for all of them.
  const { dl } = JSON.parse(await text(`${INDEX}/config.json`)) as { dl: string };
  return Promise.all(names.map((name) => fetchCrate(name, version, dl, into)));
}

async function fetchCrate(name: string, version: string, dl: string, into: string): Promise<string> {
  const path = name.length <= 2 ? `${name.length}/${name}` : name.length === 3 ? `3/${name[0]}/${name}` : `${name.slice(0, 2)}/${name.slice(2, 4)}/${name}`;
  const entries = (await text(`${INDEX}/${path}`)).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { vers: string; cksum: string });
  const entry = entries.find((e) => e.vers === version);
  if (!entry) throw new Error(`crates.io has no ${name} ${version}`);
  const url = /\{(crate|version)\}/.test(dl) ? dl.replaceAll('{crate}', name).replaceAll('{version}', version) : `${dl}/${name}/${version}/download`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`downloading ${name} ${version} from ${url}: HTTP ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const sum = createHash('sha256').update(bytes).digest('hex');
  if (sum !== entry.cksum) throw new Error(`${name} ${version} from ${url}: sha256 ${sum}, the index says ${entry.cksum}`);
  const file = join(into, `${name}-${version}.crate`);
  writeFileSync(file, bytes);
  execFileSync('tar', ['-xzf', file, '-C', into]);
  return join(into, `${name}-${version}`);
}

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

/**
 * The one change: the cache in viceroy-lib, which the viceroy crate then builds against (a path
 * patch; its Cargo.lock loses only viceroy-lib's registry source, so `--locked` still pins the rest).
 */
export function patchSources(viceroyDir: string, libDir: string): void {
  const execute = join(libDir, 'src', 'execute.rs');
  const source = readFileSync(execute, 'utf8');
  if (source.split(ANCHOR).length !== 2) throw new Error(`${execute}: the line the compile-cache patch follows is not there once; is this Viceroy the pinned version?`);
  writeFileSync(execute, source.replace(ANCHOR, ANCHOR + RUST));

  const manifest = join(viceroyDir, 'Cargo.toml');
  writeFileSync(manifest, `${readFileSync(manifest, 'utf8')}\n[patch.crates-io]\nviceroy-lib = { path = ${JSON.stringify(libDir)} }\n`);
  const lock = join(viceroyDir, 'Cargo.lock');
  const original = readFileSync(lock, 'utf8');
  const locked = original.replace(/(\[\[package\]\]\nname = "viceroy-lib"\nversion = "[^"]+"\n)source = "[^"]+"\nchecksum = "[^"]+"\n/, '$1');
  if (locked === original) throw new Error(`${lock}: viceroy-lib's registry entry is not where the compile-cache patch expects it`);
  writeFileSync(lock, locked);
}
