/**
 * EdgeZero's source at the pinned commit (contract/upstream.js hands it in): its crates are not on crates.io,
 * so the providers that run EdgeZero's own code build them from a checkout. Where it comes from,
 * in order: $KVPARITY_EDGEZERO_SRC (a git checkout at the pin, or an unpacked archive of it), the
 * kit's cache (~/.cache/kvparity/edgezero/<commit>), else a shallow clone of upstream at the pin
 * into that cache. Nothing of upstream's code is ever written into the kit's own folders.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Availability } from '../../api/index.ts';
import { cacheDir } from '../process.ts';

const run = promisify(execFile);
export const SOURCE_ENV = 'KVPARITY_EDGEZERO_SRC';
const CLONE_TIMEOUT_MS = 180_000;

/** Which upstream, at which commit (the kit's pin, contract/upstream.js). */
export interface Pin {
  repository: string;
  commit: string;
}

export interface EdgeZeroSource {
  dir: string;
  commit: string;
  /** Where it came from, in words: shown in the results' runtime detail. */
  how: string;
}

/** The cache folder a clone at the pin goes to. */
export function cachedCheckout(pin: Pin): string {
  return join(cacheDir('edgezero'), pin.commit);
}

/** The commands that give the kit a source, for an "unavailable" line. */
export function enableSource(pin: Pin): string {
  const dir = cachedCheckout(pin);
  return `git init -q ${dir} && git -C ${dir} fetch --depth 1 ${pin.repository} ${pin.commit} && git -C ${dir} checkout -q FETCH_HEAD   (or ${SOURCE_ENV}=<a checkout of ${pin.repository} at ${pin.commit.slice(0, 7)}>)`;
}

/** An EdgeZero source tree at `commit` in `dir`, or what is wrong with it. */
export async function checkSource(dir: string, commit: string): Promise<{ ok: true; how: string } | { ok: false; problem: string }> {
  for (const needed of ['crates/edgezero-core/Cargo.toml', 'examples/app-demo/Cargo.lock']) {
    if (!existsSync(join(dir, needed))) return { ok: false, problem: `${dir} is not an EdgeZero source tree (no ${needed})` };
  }
  if (!existsSync(join(dir, '.git'))) return { ok: true, how: `${dir} (an unpacked tree: its commit cannot be checked, taken as ${commit.slice(0, 7)})` };
  try {
    const head = (await run('git', ['-C', dir, 'rev-parse', 'HEAD'], { timeout: 20_000 })).stdout.trim();
    if (head !== commit) return { ok: false, problem: `${dir} is at ${head.slice(0, 12)}, not the pinned ${commit.slice(0, 12)} (git -C ${dir} checkout ${commit})` };
    return { ok: true, how: `${dir} (git checkout at ${commit.slice(0, 7)})` };
  } catch (error) {
    return { ok: false, problem: `cannot read the commit of ${dir}: ${(error as Error).message.split('\n')[0]}` };
  }
}

const found = new Map<string, Promise<EdgeZeroSource | { problem: string }>>();

/**
 * The source, cloning it once into the cache where there is none (one attempt per process: three
 * providers ask). A missing or wrong $KVPARITY_EDGEZERO_SRC is a problem, never replaced by a clone.
 */
export function findSource(pin: Pin, log: (line: string) => void = () => {}): Promise<EdgeZeroSource | { problem: string }> {
  const key = `${pin.commit} ${process.env[SOURCE_ENV] ?? ''}`;
  if (!found.has(key)) found.set(key, locate(pin, log));
  return found.get(key)!;
}

async function locate(pin: Pin, log: (line: string) => void): Promise<EdgeZeroSource | { problem: string }> {
  const given = process.env[SOURCE_ENV];
  if (given) {
    const checked = await checkSource(given, pin.commit);
    return checked.ok ? { dir: given, commit: pin.commit, how: `${SOURCE_ENV}=${checked.how}` } : { problem: `${SOURCE_ENV}: ${checked.problem}` };
  }
  const dir = cachedCheckout(pin);
  if (existsSync(dir)) {
    const checked = await checkSource(dir, pin.commit);
    if (checked.ok) return { dir, commit: pin.commit, how: checked.how };
    return { problem: `${checked.problem}; remove it to clone again` };
  }
  log(`cloning ${pin.repository} at ${pin.commit.slice(0, 7)} into ${dir} (once per machine)`);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  try {
    await run('git', ['init', '-q', partial], { timeout: 20_000 });
    await run('git', ['-C', partial, 'fetch', '-q', '--depth', '1', pin.repository, pin.commit], { timeout: CLONE_TIMEOUT_MS });
    await run('git', ['-C', partial, 'checkout', '-q', 'FETCH_HEAD'], { timeout: 60_000 });
    renameSync(partial, dir); // whole or not at all: a concurrent run sees a complete checkout
    return { dir, commit: pin.commit, how: `${dir} (cloned at ${pin.commit.slice(0, 7)})` };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (existsSync(dir)) return locate(pin, log); // another run cloned it meanwhile
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n').at(-1);
    return { problem: `no EdgeZero source: ${SOURCE_ENV} is not set, ${dir} does not exist, and cloning ${pin.repository} failed (${stderr || (error as Error).message.split('\n')[0]})` };
  }
}

/** Available when the source is here or could be cloned; else the commands that give it. */
export async function sourceAvailability(pin: Pin): Promise<Availability> {
  const source = await findSource(pin);
  return 'problem' in source ? { available: false, reason: source.problem, enable: enableSource(pin) } : { available: true };
}

/** The version of `crate` in a Cargo.lock (wasm-bindgen's CLI must equal the crate `worker` links). */
export function lockedVersion(lockFile: string, crate: string): string | null {
  const lock = readFileSync(lockFile, 'utf8');
  return new RegExp(`\\[\\[package\\]\\]\\nname = "${crate}"\\nversion = "([^"]+)"`).exec(lock)?.[1] ?? null;
}
