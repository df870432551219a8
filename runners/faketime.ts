/**
 * libfaketime (Debian's libfaketime): a runtime's real-time clock moved by the kit, so
 * expiry is checked without waiting. The runtime is started with LD_PRELOAD and reads
 * FAKETIME_TIMESTAMP_FILE on every time call (FAKETIME_NO_CACHE=1); the monotonic clock is
 * left alone (FAKETIME_DONT_FAKE_MONOTONIC=1), so event loops and timers keep behaving.
 *
 * Two ways to move it:
 * - `offset`: "+N" seconds on top of the real clock, which keeps running (Viceroy);
 * - `frozen`: an absolute instant that only `advance()` moves (Redis, whose expiry is
 *   `now > when` to the millisecond: a running clock would make "gone at the TTL" a race).
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';

const FAKETIME_CANDIDATES = [
  process.env.KVPARITY_FAKETIME_LIB,
  `/usr/lib/${ARCH}-linux-gnu/faketime/libfaketimeMT.so.1`,
  '/usr/local/lib/faketime/libfaketimeMT.so.1',
  '/usr/lib/faketime/libfaketimeMT.so.1',
  '/usr/lib64/faketime/libfaketimeMT.so.1',
];

/**
 * glibc's own allocator as a preload (glibc ≥ 2.34 ships it). A program linked against an
 * unprefixed jemalloc (Debian's redis-server) deadlocks under libfaketime: jemalloc's first
 * malloc reads the clock, libfaketime's lazy start-up mallocs again inside it
 * (wolfcw/libfaketime#130, unfixed). Preloaded first, this routes malloc/free to glibc.
 */
const GLIBC_MALLOC_CANDIDATES = [`/lib/${ARCH}-linux-gnu/libc_malloc_debug.so.0`, `/usr/lib/${ARCH}-linux-gnu/libc_malloc_debug.so.0`, '/usr/lib64/libc_malloc_debug.so.0', '/lib64/libc_malloc_debug.so.0'];

export const FAKETIME_INSTALL = 'apt-get install -y libfaketime';

/**
 * libfaketime keeps a shared-memory segment and a semaphore for each process it runs in
 * (/dev/shm/faketime_shm_<pid>, /dev/shm/sem.faketime_sem_<pid>) and removes them when that
 * process exits, but not when it is killed: call this once such a process is gone.
 */
export function removeFaketimeFiles(pid: number): void {
  if (process.platform !== 'linux') return;
  for (const name of [`faketime_shm_${pid}`, `sem.faketime_sem_${pid}`]) rmSync(join('/dev/shm', name), { force: true });
}

/** The multithreaded libfaketime, or null. Linux only. */
export function faketimeLibrary(): string | null {
  if (process.platform !== 'linux') return null;
  return FAKETIME_CANDIDATES.find((path): path is string => !!path && existsSync(path)) ?? null;
}

export function glibcMallocLibrary(): string | null {
  if (process.platform !== 'linux') return null;
  return GLIBC_MALLOC_CANDIDATES.find((path) => existsSync(path)) ?? null;
}

export interface FakeClock {
  /** Environment for the child process (LD_PRELOAD and libfaketime's settings). */
  env: NodeJS.ProcessEnv;
  advance(seconds: number): Promise<void>;
  /** Seconds moved so far. */
  offsetSeconds(): number;
  /** How the clock works, for the runtime's detail line. */
  describe: string;
}

/**
 * A clock file in `dir` and the environment that makes a child read it. `preload` goes before
 * libfaketime in LD_PRELOAD (see glibcMallocLibrary). Null when libfaketime is not installed.
 */
export function fakeClock(dir: string, mode: 'offset' | 'frozen', options: { preload?: string[] } = {}): FakeClock | null {
  const library = faketimeLibrary();
  if (!library) return null;
  // One file per clock: two runtimes started in one directory must not move each other's time.
  const file = join(dir, `faketime-${randomBytes(6).toString('hex')}.rc`);
  // Frozen: whole seconds of the real clock at start, so stored expiries look like real ones.
  const startMs = Math.floor(Date.now() / 1000) * 1000;
  let offset = 0;
  const write = () => {
    const text = mode === 'offset' ? `+${offset}\n` : `${absolute(startMs, offset)}\n`;
    // Atomic replace: libfaketime re-reads the file on every call and must never see it half written.
    writeFileSync(`${file}.next`, text);
    renameSync(`${file}.next`, file);
  };
  write();
  return {
    env: {
      LD_PRELOAD: [...(options.preload ?? []), library, process.env.LD_PRELOAD].filter(Boolean).join(' '),
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      NO_FAKE_STAT: '1',
      // An absolute timestamp is read in the child's local time zone: make that UTC.
      ...(mode === 'frozen' ? { TZ: 'UTC' } : {}),
    },
    async advance(seconds: number) {
      if (!(seconds >= 0)) throw new Error(`clock.advance takes seconds >= 0 (got ${seconds})`);
      offset += seconds;
      write();
    },
    offsetSeconds: () => offset,
    describe: mode === 'offset' ? 'libfaketime, offset on the real clock' : 'libfaketime, frozen clock moved by the kit',
  };
}

/**
 * "YYYY-MM-DD hh:mm:ss.nnnnnnnnn" in UTC. libfaketime reads the fraction as a double and
 * truncates to microseconds, so ".003" would come out as 2,999 µs: half a microsecond more
 * lands every millisecond exactly.
 */
function absolute(startMs: number, offsetSeconds: number): string {
  const totalNs = (BigInt(startMs) * 1000n + BigInt(Math.round(offsetSeconds * 1e6))) * 1000n + 500n;
  const seconds = totalNs / 1_000_000_000n;
  const fraction = (totalNs % 1_000_000_000n).toString().padStart(9, '0');
  const date = new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return `${date}.${fraction}`;
}
