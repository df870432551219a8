/**
 * One-time cargo builds into the kit's cache (Viceroy, EdgeZero's adapters): one build at a time
 * per cache folder (a lock file; a run that finds another building follows its log), progress
 * lines with an estimate of the time left from the last build of the same kind on this machine,
 * a bound on the whole build, and the build's time recorded for the next estimate.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { delimiter, join } from 'node:path';
import { spawnTracked } from './process.ts';

export type Log = (message: string) => void;

const PROGRESS_EVERY_MS = 15_000;
const BUILD_TIMEOUT_MS = 60 * 60 * 1000;

/** What a build cost: the estimate for the next one of its kind. */
export interface BuildRecord {
  version: string;
  seconds: number;
  /** Crates cargo compiled ("Compiling …" lines): progress is counted in them. */
  crates: number;
  date: string;
  cpus: number;
}

export interface Estimate {
  seconds: number;
  crates: number;
  where: string;
}

/** Every finished build of one kind on this machine, newest last. */
export function recordedBuilds(file: string): BuildRecord[] {
  try {
    const builds = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(builds) ? (builds as BuildRecord[]).filter((b) => Number.isFinite(b?.seconds) && Number.isFinite(b?.crates)) : [];
  } catch {
    return [];
  }
}

/** How long a build will take: the last one recorded in `file`, else `typical`. */
export function estimate(file: string, typical: Estimate, what: string): Estimate {
  const last = recordedBuilds(file).at(-1);
  return last ? { seconds: last.seconds, crates: last.crates, where: `the last build here (${last.date.slice(0, 10)}, ${what} ${last.version})` } : typical;
}

/** One progress line: what cargo does now, how far it is in crates, and the time left by the estimate. */
export function buildProgress(logText: string, elapsedS: number, expected: Estimate): string {
  const lines = logText.split('\n').map((line) => line.trim()).filter(Boolean);
  const current = lines.filter((line) => /^(Compiling|Downloaded|Installing|Finished|Updating)\b/.test(line)).at(-1) ?? lines.at(-1) ?? 'starting';
  const compiled = lines.filter((line) => /^Compiling\b/.test(line)).length;
  const left = Math.max(0, expected.seconds - elapsedS);
  const eta = left > 0 ? `about ${formatDuration(left)} left` : 'taking longer than expected';
  return `${current} (crate ${compiled} of about ${expected.crates}; ${formatDuration(elapsedS)} of about ${formatDuration(expected.seconds)}, ${eta})`;
}

export const formatDuration = (seconds: number) => (seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`);

export function cargoPath(): string | null {
  const home = process.env.CARGO_HOME ?? join(process.env.HOME ?? '', '.cargo');
  return onPath('cargo') ?? (existsSync(join(home, 'bin', 'cargo')) ? join(home, 'bin', 'cargo') : null);
}

export function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return null;
}

/** The Rust targets rustup has installed here, or null when there is no rustup to ask. */
export function installedTargets(): string[] | null {
  const home = process.env.CARGO_HOME ?? join(process.env.HOME ?? '', '.cargo');
  const rustup = onPath('rustup') ?? (existsSync(join(home, 'bin', 'rustup')) ? join(home, 'bin', 'rustup') : null);
  if (!rustup) return null;
  try {
    return execFileSync(rustup, ['target', 'list', '--installed'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
  } catch {
    return null;
  }
}

export interface LockedBuild<T> {
  /** In words, for the log ("Viceroy 0.22.0"). */
  what: string;
  /** The cache folder this build owns: its lock and log go here. */
  root: string;
  log: Log;
  signal?: AbortSignal;
  /** What was built, if it is there already (checked before and after taking the lock). */
  done(): T | null;
  /** Builds it (`logPath` is this build's log), then returns it. */
  build(logPath: string): Promise<T>;
}

/** Runs `build` unless its result is there, one build at a time per `root`; a waiting run follows the builder's log. */
export async function lockedBuild<T>(options: LockedBuild<T>): Promise<T> {
  const lockPath = join(options.root, 'build.lock');
  const logPath = join(options.root, 'build.log');
  for (;;) {
    const done = options.done();
    if (done) return done;
    options.signal?.throwIfAborted();
    if (takeLock(lockPath)) break;
    options.log(`another run is building ${options.what} (lock ${lockPath}); waiting for it`);
    await waitForLockRelease(lockPath, logPath, options.what, options.log, options.signal);
  }
  try {
    return options.done() ?? (await options.build(logPath));
  } finally {
    rmSync(lockPath, { force: true });
  }
}

export interface CargoRun {
  what: string;
  cargo: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logPath: string;
  expected: Estimate;
  log: Log;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Runs cargo with its output in `logPath` and a progress line every 15 s; resolves with the seconds it took, or throws with the log's tail. */
export async function runCargo(run: CargoRun): Promise<{ seconds: number; crates: number }> {
  const started = Date.now();
  writeFileSync(run.logPath, ''); // this build's log alone: progress counts its crates only
  const fd = openSync(run.logPath, 'a');
  const spawned = spawnTracked(run.cargo, run.args, { cwd: run.cwd, stdio: ['ignore', fd, fd], env: { ...process.env, CARGO_TERM_COLOR: 'never', ...run.env } });
  closeSync(fd);
  const onAbort = () => void spawned.stop();
  run.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = setInterval(() => run.log(`building ${run.what}: ${buildProgress(tail(run.logPath, 256 * 1024), (Date.now() - started) / 1000, run.expected)}`), PROGRESS_EVERY_MS);
  const timeout = setTimeout(() => void spawned.stop(), run.timeoutMs ?? BUILD_TIMEOUT_MS);
  const { code, signal: killedBy } = await spawned.exited;
  clearInterval(progress);
  clearTimeout(timeout);
  run.signal?.removeEventListener('abort', onAbort);
  run.signal?.throwIfAborted();
  if (code !== 0) throw new Error(`building ${run.what} failed (cargo exit ${code ?? killedBy}); see ${run.logPath}:\n${tail(run.logPath, 3000)}`);
  return { seconds: Math.round((Date.now() - started) / 1000), crates: (tail(run.logPath, 1024 * 1024).match(/^\s*Compiling\b/gm) ?? []).length };
}

/** Records a build's time for the next estimate, unless it resumed an interrupted one (a few crates say nothing of a whole build). */
export function recordBuild(file: string, version: string, took: { seconds: number; crates: number }, expected: Estimate): void {
  if (took.crates < expected.crates / 2) return;
  writeFileSync(file, JSON.stringify([...recordedBuilds(file), { version, ...took, date: new Date().toISOString(), cpus: cpus().length }], null, 2) + '\n');
}

export function tail(path: string, chars: number): string {
  try {
    return readFileSync(path, 'utf8').slice(-chars);
  } catch {
    return '';
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

async function waitForLockRelease(lockPath: string, logPath: string, what: string, log: Log, signal?: AbortSignal): Promise<void> {
  let lastReport = Date.now();
  while (existsSync(lockPath) && lockHolderAlive(lockPath)) {
    signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
      lastReport = Date.now();
      const lines = tail(logPath, 256 * 1024).split('\n').map((line) => line.trim()).filter(Boolean);
      log(`still waiting for the other build of ${what}: ${lines.at(-1) ?? 'starting'}`);
    }
  }
}
