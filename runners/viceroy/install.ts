/**
 * Finds or builds Viceroy, Fastly's local Compute runtime. Order: $VICEROY_BIN, then
 * `viceroy` on PATH, then the kit's cache (cacheDir('viceroy', BUILD)/bin/viceroy).
 * When none exists and cargo does, builds the pinned version once from crates.io into the
 * cache, with wasmtime's compile cache enabled (compile-cache.ts), under a lock so parallel
 * runs never build twice.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { delimiter, join } from 'node:path';
import { cacheDir, spawnTracked } from '../process.ts';
import { CRATES, fetchCrates, patchSources } from './compile-cache.ts';

/** Pinned: 0.22.0 provides every host call @fastly/js-compute 3.46.0 imports (checked against its witx and by linking). */
export const VICEROY_VERSION = '0.22.0';
/** The kit's build of it: the pinned crates plus wasmtime's compile cache (compile-cache.ts). */
const VICEROY_BUILD = `${VICEROY_VERSION}+compile-cache`;

export interface ViceroyBinary {
  path: string;
  /** The real `viceroy --version` number, e.g. "0.22.0". */
  version: string;
  source: 'VICEROY_BIN' | 'PATH' | 'cache' | 'built';
}

export type Log = (message: string) => void;

const BUILD_TIMEOUT_MS = 60 * 60 * 1000;
const PROGRESS_EVERY_MS = 15_000;

/** What a build cost when none was recorded on this machine: measured on 2 cores (Viceroy 0.22.0, release). */
const TYPICAL_BUILD = { seconds: 1060, crates: 310, where: 'the typical time on 2 cores' };

export interface BuildRecord {
  version: string;
  seconds: number;
  /** Crates cargo compiled ("Compiling …" lines): progress is counted in them. */
  crates: number;
  date: string;
  cpus: number;
}

/** Every finished build on this machine, newest last; kept beside the versions so a new version can estimate from an old one. */
export function buildsFile(): string {
  return join(cacheDir('viceroy'), 'builds.json');
}

export function recordedBuilds(): BuildRecord[] {
  try {
    const builds = JSON.parse(readFileSync(buildsFile(), 'utf8')) as unknown;
    return Array.isArray(builds) ? (builds as BuildRecord[]).filter((b) => Number.isFinite(b?.seconds) && Number.isFinite(b?.crates)) : [];
  } catch {
    return [];
  }
}

/** How long a build will take: the last one on this machine, else the typical time. */
export function expectedBuild(): { seconds: number; crates: number; where: string } {
  const last = recordedBuilds().at(-1);
  return last ? { seconds: last.seconds, crates: last.crates, where: `the last build here (${last.date.slice(0, 10)}, Viceroy ${last.version})` } : TYPICAL_BUILD;
}

/** One progress line: what cargo does now, how far it is in crates, and the time left by the estimate. */
export function buildProgress(logText: string, elapsedS: number, expected = expectedBuild()): string {
  const lines = logText.split('\n').map((line) => line.trim()).filter(Boolean);
  const current = lines.filter((line) => /^(Compiling|Downloaded|Installing|Finished|Updating)\b/.test(line)).at(-1) ?? lines.at(-1) ?? 'starting';
  const compiled = lines.filter((line) => /^Compiling\b/.test(line)).length;
  const left = Math.max(0, expected.seconds - elapsedS);
  const eta = left > 0 ? `about ${formatDuration(left)} left` : 'taking longer than expected';
  return `${current} (crate ${compiled} of about ${expected.crates}; ${formatDuration(elapsedS)} of about ${formatDuration(expected.seconds)}, ${eta})`;
}

const formatDuration = (seconds: number) => (seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`);

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

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return null;
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

export function cargoPath(): string | null {
  const home = process.env.CARGO_HOME ?? join(process.env.HOME ?? '', '.cargo');
  return onPath('cargo') ?? (existsSync(join(home, 'bin', 'cargo')) ? join(home, 'bin', 'cargo') : null);
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
  const lockPath = join(root, 'build.lock');
  const logPath = join(root, 'build.log');
  const binary = join(root, 'bin', 'viceroy');

  for (;;) {
    signal?.throwIfAborted();
    if (takeLock(lockPath)) break;
    // Another run is building: follow its log until its lock goes away.
    log(`another run is building Viceroy ${VICEROY_VERSION} (lock ${lockPath}); waiting for it`);
    await waitForLockRelease(lockPath, logPath, log, signal);
    const built = findViceroy();
    if (built) {
      log(`reusing Viceroy ${built.version} at ${built.path}`);
      return built;
    }
  }

  try {
    const again = findViceroy();
    if (again) return again;
    const expected = expectedBuild();
    log(`one-time build of Viceroy ${VICEROY_VERSION} from crates.io, with wasmtime's compile cache: about ${formatDuration(expected.seconds)} (${expected.where}); log: ${logPath}`);
    const started = Date.now();
    // The published crates, patched in a source dir of the cache's own.
    const sources = join(root, 'src');
    rmSync(sources, { recursive: true, force: true });
    mkdirSync(sources, { recursive: true });
    const [viceroyDir, libDir] = await fetchCrates(CRATES, VICEROY_VERSION, sources);
    patchSources(viceroyDir, libDir);
    // This build's log alone: progress counts its crates, not an earlier attempt's.
    writeFileSync(logPath, '');
    const fd = openSync(logPath, 'a');
    // A target dir in the cache: an interrupted build resumes instead of starting over.
    const spawned = spawnTracked(cargo, ['build', '--release', '--locked', '--manifest-path', join(viceroyDir, 'Cargo.toml')], {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, CARGO_TARGET_DIR: join(root, 'target'), CARGO_TERM_COLOR: 'never' },
    });
    closeSync(fd);
    const onAbort = () => void spawned.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    const progress = setInterval(() => log(`building Viceroy: ${buildProgress(tail(logPath, 256 * 1024), (Date.now() - started) / 1000, expected)}`), PROGRESS_EVERY_MS);
    const timeout = setTimeout(() => void spawned.stop(), BUILD_TIMEOUT_MS);
    const { code, signal: killedBy } = await spawned.exited;
    clearInterval(progress);
    clearTimeout(timeout);
    signal?.removeEventListener('abort', onAbort);
    signal?.throwIfAborted();
    if (code === 0) {
      mkdirSync(join(root, 'bin'), { recursive: true });
      copyFileSync(join(root, 'target', 'release', 'viceroy'), binary);
    }
    const built = existsSync(binary) ? viceroyVersion(binary) : null;
    if (code !== 0 || !built) {
      throw new Error(
        `building Viceroy ${VICEROY_VERSION} failed (exit ${code ?? killedBy}); see ${logPath}:\n${tail(logPath, 3000)}\nTo build it by hand: ${installCommand()}`,
      );
    }
    rmSync(join(root, 'target'), { recursive: true, force: true });
    rmSync(sources, { recursive: true, force: true });
    const seconds = Math.round((Date.now() - started) / 1000);
    const crates = (tail(logPath, 1024 * 1024).match(/^\s*Compiling\b/gm) ?? []).length;
    // A build that resumed an interrupted one compiled a few crates only: it says nothing of the next one's time.
    if (crates >= expected.crates / 2) {
      writeFileSync(buildsFile(), JSON.stringify([...recordedBuilds(), { version: built, seconds, crates, date: new Date().toISOString(), cpus: cpus().length }], null, 2) + '\n');
    }
    log(`built Viceroy ${built} in ${formatDuration(seconds)} at ${binary}`);
    return { path: binary, version: built, source: 'built' };
  } finally {
    rmSync(lockPath, { force: true });
  }
}

/** Creates the lock exclusively; a lock left by a dead process is taken over. */
function takeLock(lockPath: string): boolean {
  try {
    writeFileSync(lockPath, `${process.pid}\n${Date.now()}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (!lockHolderAlive(lockPath)) {
    rmSync(lockPath, { force: true });
    try {
      writeFileSync(lockPath, `${process.pid}\n${Date.now()}\n`, { flag: 'wx' });
      return true;
    } catch {}
  }
  return false;
}

function lockHolderAlive(lockPath: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lockPath, 'utf8').split('\n')[0].trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForLockRelease(lockPath: string, logPath: string, log: Log, signal?: AbortSignal): Promise<void> {
  let lastReport = Date.now();
  while (existsSync(lockPath) && lockHolderAlive(lockPath)) {
    signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
      lastReport = Date.now();
      log(`still waiting for the other Viceroy build: ${lastProgressLine(logPath, lockPath)}`);
    }
  }
}

function tail(path: string, chars: number): string {
  try {
    return readFileSync(path, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

/** The other build's progress; its lock holds its pid and start time. */
function lastProgressLine(logPath: string, lockPath: string): string {
  const startedMs = Number(tail(lockPath, 100).split('\n')[1]) || Date.now();
  return buildProgress(tail(logPath, 256 * 1024), (Date.now() - startedMs) / 1000);
}
