/**
 * Builds what runs EdgeZero's own code, from an EdgeZero source at the pin (source.ts), once per
 * machine: the kit's EdgeZero app (./app, the bridge protocol on EdgeZero's public API) for each
 * adapter, and upstream's own examples/app-demo for the smoke. Everything goes under
 * ~/.cache/kvparity/edgezero-build/<commit>/: a copy of ./app beside a link to the source (so its
 * Cargo paths resolve), one cargo target dir shared by all builds, and each finished build in
 * out/<name>, which a later run finds in milliseconds. Builds run one at a time (a lock), with
 * progress lines and an estimate, as the Viceroy build does.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, lstatSync, readlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cargoPath, estimate, formatDuration, installedTargets, lockedBuild, recordBuild, runCargo, type Estimate, type Log } from '../cargo.ts';
import { cacheDir } from '../process.ts';
import { lockedVersion, type EdgeZeroSource } from './source.ts';

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), 'app');

/** The three adapters the kit runs EdgeZero on, and what each builds to. */
export const ADAPTERS = {
  axum: { rustTarget: null, kitPackage: 'kvparity-edgezero-axum', demoPackage: 'app-demo-adapter-axum' },
  fastly: { rustTarget: 'wasm32-wasip1', kitPackage: 'kvparity-edgezero-fastly', demoPackage: 'app-demo-adapter-fastly' },
  cloudflare: { rustTarget: 'wasm32-unknown-unknown', kitPackage: 'kvparity-edgezero-cloudflare', demoPackage: 'app-demo-adapter-cloudflare' },
} as const;
export type AdapterName = keyof typeof ADAPTERS;

/** The name the axum binary runs under (a process name: 15 characters at most, as the kernel keeps it). */
export const AXUM_BINARY = 'edgezero-axum';

/** Which app: the kit's bridge, or upstream's demo. */
export type AppKind = 'kit' | 'demo';

/** A built app: a native binary, a Compute wasm, or a Worker (an ES module entry and the files beside it). */
export type BuiltApp =
  | { adapter: 'axum'; binary: string; name: string }
  | { adapter: 'fastly'; wasm: string; name: string }
  | { adapter: 'cloudflare'; dir: string; entry: string; name: string };

/** Measured here (2 cores, nothing else running), for the first estimate before any build is recorded. */
const TYPICAL: Record<`${AppKind}-${AdapterName}`, Estimate> = {
  'demo-axum': { seconds: 600, crates: 330, where: 'the typical time on 2 cores, from cold' },
  'demo-fastly': { seconds: 240, crates: 90, where: 'the typical time on 2 cores, after the axum build' },
  'demo-cloudflare': { seconds: 120, crates: 60, where: 'the typical time on 2 cores, after the other builds' },
  'kit-axum': { seconds: 420, crates: 300, where: 'the typical time on 2 cores, from cold' },
  'kit-fastly': { seconds: 240, crates: 90, where: 'the typical time on 2 cores' },
  'kit-cloudflare': { seconds: 150, crates: 80, where: 'the typical time on 2 cores' },
};

/** What is missing on this machine to build for `adapter`, with the command that adds it; null when nothing is. */
export function toolchainProblem(adapter: AdapterName): { reason: string; enable: string } | null {
  if (!cargoPath()) return { reason: 'cargo is missing (EdgeZero is built from source)', enable: 'curl https://sh.rustup.rs -sSf | sh' };
  const target = ADAPTERS[adapter].rustTarget;
  if (!target) return null;
  const targets = installedTargets();
  if (targets && !targets.includes(target)) return { reason: `the Rust target ${target} is not installed`, enable: `rustup target add ${target}` };
  return null;
}

/** The build folder of one EdgeZero commit. */
function buildRoot(commit: string): string {
  return cacheDir('edgezero-build', commit);
}

/** A hash of ./app, so a kit that changed its app builds it again (and an unchanged one never does). */
function appHash(): string {
  const hash = createHash('sha256');
  for (const file of appFiles()) hash.update(relative(APP_DIR, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 12);
}

function appFiles(dir = APP_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => (entry.isDirectory() ? appFiles(join(dir, entry.name)) : entry.name === 'Cargo.lock' ? [] : [join(dir, entry.name)]));
}

/** Copies ./app into the build folder, writing only files that changed (cargo rebuilds by their times), and points ../edgezero at the source. */
function prepareApp(source: EdgeZeroSource): string {
  const root = buildRoot(source.commit);
  const link = join(root, 'edgezero');
  if (!isLinkTo(link, source.dir)) {
    rmSync(link, { force: true });
    symlinkSync(source.dir, link);
  }
  const app = join(root, 'app');
  for (const file of appFiles()) {
    const target = join(app, relative(APP_DIR, file));
    const content = readFileSync(file);
    if (existsSync(target) && readFileSync(target).equals(content)) continue;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  // Upstream's demo lock pins every crate both apps share (worker, wasm-bindgen, fastly, …).
  const lock = join(app, 'Cargo.lock');
  if (!existsSync(lock)) copyFileSync(join(source.dir, 'examples', 'app-demo', 'Cargo.lock'), lock);
  return app;
}

function isLinkTo(link: string, target: string): boolean {
  try {
    return lstatSync(link).isSymbolicLink() && readlinkSync(link) === target;
  } catch {
    return false;
  }
}

/**
 * What this machine still lacks to run the kit's app on `adapter`, in words with how long it takes,
 * or null: built already, or not buildable here (the provider's availability says why).
 */
export function kitAppPending(adapter: AdapterName, commit: string): string | null {
  if (toolchainProblem(adapter)) return null;
  const build = appBuild('kit', adapter, commit);
  if (builtIn(build.out, adapter, build.name)) return null;
  const expected = estimate(build.buildsFile, TYPICAL[build.key], build.what);
  return `${build.what} is built once on this machine, from EdgeZero's source at ${commit.slice(0, 7)}: about ${formatDuration(expected.seconds)} (${expected.where})`;
}

/** Where one app's build goes for an EdgeZero commit, what it is called, and where its past build times are kept. */
function appBuild(kind: AppKind, adapter: AdapterName, commit: string) {
  const root = buildRoot(commit);
  const key = `${kind}-${adapter}` as const;
  const name = kind === 'kit' ? `kit-${adapter}-${appHash()}` : `demo-${adapter}`;
  const what = kind === 'kit' ? `the kit's EdgeZero app for ${adapter}` : `upstream's app-demo for ${adapter}`;
  return { root, key, name, what, out: join(root, 'out', name), buildsFile: join(root, `builds-${key}.json`) };
}

/** The built app, building it first if this machine has not. */
export async function ensureApp(kind: AppKind, adapter: AdapterName, source: EdgeZeroSource, log: Log, signal?: AbortSignal): Promise<BuiltApp> {
  const problem = toolchainProblem(adapter);
  if (problem) throw new Error(`${problem.reason}: ${problem.enable}`);
  const { root, key, name, what, out, buildsFile } = appBuild(kind, adapter, source.commit);
  return lockedBuild({
    what,
    root,
    log,
    signal,
    done: () => builtIn(out, adapter, name),
    async build(logPath) {
      const cargo = cargoPath()!;
      const expected = estimate(buildsFile, TYPICAL[key], what);
      const cwd = kind === 'kit' ? prepareApp(source) : join(source.dir, 'examples', 'app-demo');
      const { rustTarget } = ADAPTERS[adapter];
      const pkg = kind === 'kit' ? ADAPTERS[adapter].kitPackage : ADAPTERS[adapter].demoPackage;
      const args = ['build', '--release', '-p', pkg, ...(rustTarget ? ['--target', rustTarget] : []), ...(adapter === 'cloudflare' ? ['--lib'] : [])];
      // Upstream's demo builds from its own lock file, as upstream does; the kit's app from one seeded with it.
      if (kind === 'demo') args.push('--locked');
      log(`one-time build of ${what} at EdgeZero ${source.commit.slice(0, 7)}: about ${formatDuration(expected.seconds)} (${expected.where}); log: ${logPath}`);
      const took = await runCargo({
        what,
        cargo,
        args,
        cwd,
        env: { CARGO_TARGET_DIR: join(root, 'target'), KVPARITY_EDGEZERO_COMMIT: source.commit },
        logPath,
        expected,
        log,
        signal,
      });
      const artifacts = join(root, 'target', rustTarget ?? '', 'release');
      const partial = `${out}.partial-${process.pid}`;
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true });
      if (adapter === 'axum') copyFileSync(join(artifacts, pkg), join(partial, AXUM_BINARY));
      else if (adapter === 'fastly') copyFileSync(join(artifacts, `${pkg}.wasm`), join(partial, 'app.wasm'));
      else await bindWorker(join(artifacts, `${pkg.replaceAll('-', '_')}.wasm`), join(cwd, 'Cargo.lock'), partial, log, signal);
      rmSync(out, { recursive: true, force: true });
      renameSync(partial, out);
      recordBuild(buildsFile, source.commit.slice(0, 7), took, expected);
      log(`built ${what} in ${formatDuration(took.seconds)}`);
      return builtIn(out, adapter, name)!;
    },
  });
}

function builtIn(out: string, adapter: AdapterName, name: string): BuiltApp | null {
  if (adapter === 'axum') return existsSync(join(out, AXUM_BINARY)) ? { adapter, binary: join(out, AXUM_BINARY), name } : null;
  if (adapter === 'fastly') return existsSync(join(out, 'app.wasm')) ? { adapter, wasm: join(out, 'app.wasm'), name } : null;
  return existsSync(join(out, 'worker.mjs')) ? { adapter, dir: out, entry: join(out, 'worker.mjs'), name } : null;
}

/**
 * A Rust Worker as workerd runs it: wasm-bindgen's JS glue (`--target web`) and a four-line entry
 * module that instantiates the wasm synchronously and exports its `fetch`. wasm-bindgen's CLI must
 * be the version of the `wasm-bindgen` crate the lock file pins.
 */
async function bindWorker(wasm: string, lockFile: string, out: string, log: Log, signal?: AbortSignal): Promise<void> {
  const version = lockedVersion(lockFile, 'wasm-bindgen');
  if (!version) throw new Error(`no wasm-bindgen in ${lockFile}`);
  const bindgen = await ensureWasmBindgen(version, log, signal);
  const { execFileSync } = await import('node:child_process');
  execFileSync(bindgen, ['--target', 'web', '--out-dir', out, '--out-name', 'app', wasm], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  writeFileSync(
    join(out, 'worker.mjs'),
    [
      '// A Rust Worker on workerd: instantiate the wasm once, then serve its #[event(fetch)].',
      "import { initSync, fetch } from './app.js';",
      "import module from './app_bg.wasm';",
      'initSync({ module });',
      'export default { fetch };',
      '',
    ].join('\n'),
  );
}

/** wasm-bindgen's CLI at `version`, installed once into the kit's cache with cargo. */
async function ensureWasmBindgen(version: string, log: Log, signal?: AbortSignal): Promise<string> {
  const root = cacheDir('wasm-bindgen', version);
  const binary = join(root, 'bin', 'wasm-bindgen');
  return lockedBuild({
    what: `wasm-bindgen-cli ${version}`,
    root,
    log,
    signal,
    done: () => (existsSync(binary) ? binary : null),
    async build(logPath) {
      const buildsFile = join(cacheDir('wasm-bindgen'), 'builds.json');
      const expected = estimate(buildsFile, { seconds: 170, crates: 110, where: 'the typical time on 2 cores' }, 'wasm-bindgen-cli');
      log(`one-time install of wasm-bindgen-cli ${version} from crates.io (the version of the wasm-bindgen crate the Worker links): about ${formatDuration(expected.seconds)}; log: ${logPath}`);
      const took = await runCargo({
        what: `wasm-bindgen-cli ${version}`,
        cargo: cargoPath()!,
        args: ['install', 'wasm-bindgen-cli', '--version', version, '--locked', '--root', root],
        env: { CARGO_TARGET_DIR: join(root, 'target') },
        logPath,
        expected,
        log,
        signal,
      });
      rmSync(join(root, 'target'), { recursive: true, force: true });
      recordBuild(buildsFile, version, took, expected);
      return binary;
    },
  });
}

/** Every file of a built Worker, for Miniflare's module list: ES modules and compiled wasm. */
export function workerModules(app: Extract<BuiltApp, { adapter: 'cloudflare' }>): Array<{ path: string; type: 'ESModule' | 'CompiledWasm' }> {
  const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
  type Module = { path: string; type: 'ESModule' | 'CompiledWasm' };
  const modules = files(app.dir).flatMap((path): Module[] => (/\.m?js$/.test(path) ? [{ path, type: 'ESModule' }] : path.endsWith('.wasm') ? [{ path, type: 'CompiledWasm' }] : []));
  // The entry first (Miniflare takes the first module as the Worker's main).
  return modules.sort((a, b) => Number(b.path === app.entry) - Number(a.path === app.entry));
}
