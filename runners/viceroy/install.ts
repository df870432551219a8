/**
 * Finds or builds Viceroy, Fastly's local Compute runtime. Order: $VICEROY_BIN, then
 * `viceroy` on PATH, then the kit's cache (cacheDir('viceroy', BUILD)/bin/viceroy).
 * When none exists and cargo does, builds the pinned version once from crates.io into the
 * cache, with wasmtime's compile cache enabled (compile-cache.ts), under a lock so parallel
 * runs never build twice.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgress as cargoProgress, cargoPath, estimate, formatDuration, lockedBuild, onPath, recordBuild, runCargo, type Estimate, type Log } from '../cargo.ts';
import { cacheDir } from '../process.ts';
import { CRATES, fetchCrates, patchSources } from './compile-cache.ts';

/** Pinned: 0.22.0 provides every host call @fastly/js-compute 3.46.0 imports (checked against its witx and by linking). */
export const VICEROY_VERSION = '0.22.0';
/** The kit's build of it: the pinned crates plus wasmtime's compile cache (compile-cache.ts). */
const VICEROY_BUILD = `${VICEROY_VERSION}+compile-cache`;

export type { Log };
export { cargoPath };

export interface ViceroyBinary {
  path: string;
  /** The real `viceroy --version` number, e.g. "0.22.0". */
  version: string;
  source: 'VICEROY_BIN' | 'PATH' | 'cache' | 'built';
}

/** What a build cost when none was recorded on this machine: measured on 2 cores (Viceroy 0.22.0, release). */
const TYPICAL_BUILD: Estimate = { seconds: 1060, crates: 310, where: 'the typical time on 2 cores' };

/** Every finished build on this machine, newest last; kept beside the versions so a new version can estimate from an old one. */
export function buildsFile(): string {
  return join(cacheDir('viceroy'), 'builds.json');
}

/** How long a build will take: the last one on this machine, else the typical time. */
export function expectedBuild(): Estimate {
  return estimate(buildsFile(), TYPICAL_BUILD, 'Viceroy');
}

/** One progress line of a Viceroy build (runners/cargo.ts). */
export function buildProgress(logText: string, elapsedS: number, expected = expectedBuild()): string {
  return cargoProgress(logText, elapsedS, expected);
}

export function viceroyCache(): string {
  return cacheDir('viceroy', VICEROY_BUILD);
}

/** By hand, onto PATH: the same Viceroy without the compile cache (each start then compiles the guest). */
export function installCommand(): string {
  return `cargo install viceroy --locked --version ${VICEROY_VERSION}`;
}

/** `viceroy --version` → "0.22.0", or null when the file is not a working viceroy. */
export function viceroyVersion(path: string): string | null {
  try {
    const out = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return /viceroy\s+(\S+)/i.exec(out)?.[1] ?? out.trim();
  } catch {
    return null;
  }
}

/** Finds a usable viceroy without building. `note` says why a candidate was passed over. */
export function findViceroy(note: Log = () => {}): ViceroyBinary | null {
  const fromEnv = process.env.VICEROY_BIN;
  if (fromEnv) {
    const version = viceroyVersion(fromEnv);
    if (version) {
      if (version !== VICEROY_VERSION) note(`VICEROY_BIN=${fromEnv} is Viceroy ${version}, not the pinned ${VICEROY_VERSION}; using it as asked`);
      return { path: fromEnv, version, source: 'VICEROY_BIN' };
    }
    note(`VICEROY_BIN=${fromEnv} does not run (\`${fromEnv} --version\` failed); ignoring it`);
  }
  const path = onPath('viceroy');
  if (path) {
    const version = viceroyVersion(path);
    if (version === VICEROY_VERSION) return { path, version, source: 'PATH' };
    note(`viceroy on PATH (${path}) is ${version ?? 'not runnable'}, not the pinned ${VICEROY_VERSION}; looking in the cache`);
  }
  const cached = join(viceroyCache(), 'bin', 'viceroy');
  if (existsSync(cached)) {
    const version = viceroyVersion(cached);
    if (version) return { path: cached, version, source: 'cache' };
  }
  return null;
}

export type ViceroyAvailability = { available: true; detail: string } | { available: false; reason: string; enable: string };

export function viceroyAvailability(): ViceroyAvailability {
  const found = findViceroy();
  if (found) return { available: true, detail: `Viceroy ${found.version} at ${found.path}` };
  if (cargoPath()) return { available: true, detail: `Viceroy ${VICEROY_VERSION} will be built once with cargo (several minutes)` };
  return {
    available: false,
    reason: `Viceroy ${VICEROY_VERSION} is not installed (no VICEROY_BIN, none on PATH, none in ${viceroyCache()}) and cargo is missing to build it`,
    enable: `${installCommand()}   (no cargo? install rustup first: curl https://sh.rustup.rs -sSf | sh)`,
  };
}

/** The one-time build this machine still needs, in words, or null (a Viceroy is there, or no cargo builds one: unavailable). */
export function viceroyBuildPending(): string | null {
  if (findViceroy() || !cargoPath()) return null;
  const expected = expectedBuild();
  return `Viceroy ${VICEROY_VERSION} is built once on this machine, from crates.io: about ${formatDuration(expected.seconds)} (${expected.where})`;
}

/** Returns a usable Viceroy, building the pinned version into the cache once if needed. */
export async function ensureViceroy(log: Log, signal?: AbortSignal): Promise<ViceroyBinary> {
  const found = findViceroy(log);
  if (found) {
    log(`reusing Viceroy ${found.version} at ${found.path}`);
    return found;
  }
  const cargo = cargoPath();
  if (!cargo) throw new Error(`Viceroy ${VICEROY_VERSION} is not installed and cargo is missing. Run: ${installCommand()} (install rustup first if needed)`);
  const root = viceroyCache();
  const binary = join(root, 'bin', 'viceroy');
  return lockedBuild({
    what: `Viceroy ${VICEROY_VERSION}`,
    root,
    log,
    signal,
    done: () => findViceroy(),
    async build(logPath) {
      const expected = expectedBuild();
      log(`one-time build of Viceroy ${VICEROY_VERSION} from crates.io, with wasmtime's compile cache: about ${formatDuration(expected.seconds)} (${expected.where}); log: ${logPath}`);
      // The published crates, patched in a source dir of the cache's own.
      const sources = join(root, 'src');
      rmSync(sources, { recursive: true, force: true });
      mkdirSync(sources, { recursive: true });
      const [viceroyDir, libDir] = await fetchCrates(CRATES, VICEROY_VERSION, sources);
      patchSources(viceroyDir, libDir);
      // A target dir in the cache: an interrupted build resumes instead of starting over.
      let took: { seconds: number; crates: number };
      try {
        took = await runCargo({
          what: 'Viceroy',
          cargo,
          args: ['build', '--release', '--locked', '--manifest-path', join(viceroyDir, 'Cargo.toml')],
          env: { CARGO_TARGET_DIR: join(root, 'target') },
          logPath,
          expected,
          log,
          signal,
        });
        mkdirSync(join(root, 'bin'), { recursive: true });
        copyFileSync(join(root, 'target', 'release', 'viceroy'), binary);
      } catch (error) {
        if (signal?.aborted) throw error;
        throw new Error(`${(error as Error).message}\nTo build it by hand: ${installCommand()}`);
      }
      const built = viceroyVersion(binary);
      if (!built) throw new Error(`the Viceroy just built does not run (${binary} --version failed); see ${logPath}`);
      rmSync(join(root, 'target'), { recursive: true, force: true });
      rmSync(sources, { recursive: true, force: true });
      recordBuild(buildsFile(), built, took, expected);
      log(`built Viceroy ${built} in ${formatDuration(took.seconds)} at ${binary}`);
      return { path: binary, version: built, source: 'built' as const };
    },
  });
}
