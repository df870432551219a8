/**
 * `kvparity smoke`: starts the demo on a runtime, runs smoke/checks.mjs against it and
 * stops it on every exit path; or runs the checks against a server it did not start.
 * On sqlite the server runs under V8 coverage and c8 prints what the smoke covered.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { DEMO_RUNTIMES, READY_TIMEOUT_MS, isDemoRuntime, startDemo, type DemoRuntime } from '../demo/runtimes.ts';
import { CONTRACT_COMMIT, CONTRACT_SOURCE } from '../contract/upstream.js';
import { ADAPTERS, type AdapterName } from '../runners/edgezero/build.ts';
import { startUpstreamDemo } from '../runners/edgezero/demo.ts';
import { KIT_ROOT } from '../runners/kit.ts';
import { spawnTracked, tempDir } from '../runners/process.ts';
import { UsageError, intFlag, listFlag, parseArgs } from './args.ts';

const ROOT = KIT_ROOT;
const CHECKS = fileURLToPath(new URL('../smoke/checks.mjs', import.meta.url));
const C8 = join(KIT_ROOT, 'node_modules/c8/bin/c8.js');

/** `--target=edgezero-<adapter>` alone: the kit builds and starts upstream's own app-demo on that adapter. */
const UPSTREAM_TARGETS = Object.keys(ADAPTERS).map((adapter) => `edgezero-${adapter}`);

export const SMOKE_USAGE = `Usage: kvparity smoke --provider=LIST | --target=NAME | --base-url=URL [--target=NAME] [options]

  --provider=LIST   start the kit's port of the demo on these runtimes, one after another: ${DEMO_RUNTIMES.join(', ')}
  --target=NAME     alone, one of ${UPSTREAM_TARGETS.join(', ')}: build EdgeZero's own examples/app-demo
                    from its source at the pin (once per machine) and start it on that adapter's runtime;
                    the run is held to the divergences recorded for NAME in smoke/known-divergences.json
  --base-url=URL    run the checks against a server already running (e.g. EdgeZero's demo on http://127.0.0.1:8787)
                    (with --target=NAME: the server's name, for its recorded divergences; default: the URL's host)
  --out=DIR         where smoke-<target>.json goes (default reports/out)
  --wait=SECONDS    bound on the wait for the server to answer GET / (default 60; fastly 180)
  --no-coverage     sqlite: do not measure the Node demo server with c8
`;

export async function smokeCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, { values: ['provider', 'base-url', 'target', 'out', 'wait'], booleans: ['no-coverage', 'help'] });
  if (parsed.booleans.has('help')) {
    process.stdout.write(SMOKE_USAGE);
    return 0;
  }
  if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const { provider, 'base-url': baseUrl, target, out } = parsed.flags;
  const upstream = !provider && !baseUrl && target !== undefined;
  if (upstream && !UPSTREAM_TARGETS.includes(target)) throw new UsageError(`--target alone starts upstream's demo: one of ${UPSTREAM_TARGETS.join(', ')} (got "${target}"); a server started elsewhere takes --base-url too`);
  if (!upstream && !provider === !baseUrl) throw new UsageError('smoke takes exactly one of --provider=LIST, --target=NAME and --base-url=URL');
  if (target !== undefined && provider) throw new UsageError('--target names a server of its own (with --provider, each runtime is its own target)');
  if (target !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(target)) throw new UsageError(`--target must be a name of letters, digits, ".", "_", "@" or "-" (got "${target}")`);
  const wait = intFlag(parsed.flags, 'wait', { min: 1, max: 600 });

  if (upstream) return smokeUpstream(target.slice('edgezero-'.length) as AdapterName, target, { out, wait: wait ?? 180 });

  if (baseUrl) {
    try {
      new URL(baseUrl);
    } catch {
      throw new UsageError(`--base-url is not a URL: "${baseUrl}"`);
    }
    return runChecks(baseUrl, { target, out, wait: wait ?? 60 });
  }

  const runtimes = listFlag(provider);
  if (runtimes.length === 0) throw new UsageError('--provider needs at least one runtime');
  for (const name of runtimes) {
    if (!isDemoRuntime(name)) throw new UsageError(`unknown demo runtime "${name}" (choose from ${DEMO_RUNTIMES.join(', ')})`);
  }
  let code = 0;
  for (const runtime of runtimes as DemoRuntime[]) {
    code = Math.max(code, await smokeRuntime(runtime, { out, wait, coverage: !parsed.booleans.has('no-coverage') }));
  }
  return code;
}

const log = (message: string) => process.stderr.write(`smoke: ${message}\n`);

async function smokeRuntime(runtime: DemoRuntime, options: { out?: string; wait?: number; coverage: boolean }): Promise<number> {
  const waitMs = options.wait ? options.wait * 1000 : READY_TIMEOUT_MS[runtime];
  const coverageDir = runtime === 'sqlite' && options.coverage ? tempDir('demo-coverage') : undefined;
  log(`starting the demo on ${runtime}`);
  const { code, started } = await checkStarted(`the demo did not start on ${runtime}`, () => startDemo(runtime, { log, readyTimeoutMs: waitMs, coverageDir }), { target: runtime, out: options.out, wait: Math.ceil(waitMs / 1000) });
  if (coverageDir && started) await printCoverage(coverageDir);
  return code;
}

/** Upstream's app-demo on one adapter, built and started by the kit, then the checks against it. */
async function smokeUpstream(adapter: AdapterName, target: string, options: { out?: string; wait: number }): Promise<number> {
  log(`starting EdgeZero's own app-demo on ${adapter} (built from source at ${CONTRACT_COMMIT.slice(0, 7)} once per machine)`);
  // A build or runtime the kit spawned dies with it on Ctrl-C (runners/process.ts).
  const { code } = await checkStarted(`upstream's demo did not start on ${adapter}`, () => startUpstreamDemo(adapter, { repository: CONTRACT_SOURCE, commit: CONTRACT_COMMIT }, { log, readyTimeoutMs: options.wait * 1000 }), { target, out: options.out, wait: options.wait });
  return code;
}

/** A demo started, the checks against it, and it stopped: a runtime that dies during the checks is reported, the exit stop() causes is not. */
async function checkStarted(
  startFailure: string,
  start: () => Promise<{ url: string; description: string; died: Promise<string>; stop(): Promise<void> }>,
  checks: { target: string; out?: string; wait: number },
): Promise<{ code: number; started: boolean }> {
  let demo;
  try {
    demo = await start();
  } catch (error) {
    process.stderr.write(`kvparity smoke: ${startFailure}: ${(error as Error).message}\n`);
    return { code: 1, started: false };
  }
  let died: string | undefined;
  let stopping = false;
  void demo.died.then((reason) => (died = stopping ? undefined : reason));
  let code: number;
  try {
    log(`${demo.description}, at ${demo.url}`);
    code = await runChecks(demo.url, checks);
  } finally {
    stopping = true;
    await demo.stop();
  }
  if (died) {
    process.stderr.write(`kvparity smoke: ${died}\n`);
    code = Math.max(code, 1);
  }
  return { code, started: true };
}

async function runChecks(url: string, options: { target?: string; out?: string; wait: number }): Promise<number> {
  const args = [`--base-url=${url}`, `--wait=${options.wait}`];
  if (options.target) args.push(`--target=${options.target}`);
  if (options.out) args.push(`--out=${options.out}`);
  // A tracked child: killed with the runtime if the kit is interrupted.
  const checks = spawnTracked(process.execPath, [CHECKS, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  const { code } = await checks.exited;
  return code ?? 1;
}

/** c8 over the server's V8 coverage: the demo files only (node-server.ts, routes.js). */
async function printCoverage(coverageDir: string): Promise<void> {
  const result = await $({ cwd: ROOT, nothrow: true, verbose: false, quiet: true })`${process.execPath} ${C8} report --temp-directory=${coverageDir} --report-dir=${tempDir('demo-coverage-report')} --reporter=text --reporter=text-summary --include=demo/**`;
  if (result.exitCode !== 0) {
    process.stderr.write(`kvparity smoke: c8 report failed: ${result.stderr.trim()}\n`);
    return;
  }
  process.stdout.write(`\nCoverage of the Node demo server during the smoke (c8):\n${result.stdout}`);
}
