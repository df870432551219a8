/**
 * `kvparity smoke`: starts the demo on a runtime, runs smoke/checks.mjs against it and
 * stops it on every exit path; or runs the checks against a server it did not start.
 * On sqlite the server runs under V8 coverage and c8 prints what the smoke covered.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { DEMO_RUNTIMES, READY_TIMEOUT_MS, isDemoRuntime, startDemo, type DemoRuntime } from '../demo/runtimes.ts';
import { KIT_ROOT } from '../runners/kit.ts';
import { spawnTracked, tempDir } from '../runners/process.ts';
import { UsageError, intFlag, listFlag, parseArgs } from './args.ts';

const ROOT = KIT_ROOT;
const CHECKS = fileURLToPath(new URL('../smoke/checks.mjs', import.meta.url));
const C8 = join(KIT_ROOT, 'node_modules/c8/bin/c8.js');

export const SMOKE_USAGE = `Usage: kvparity smoke --provider=LIST | --base-url=URL [--target=NAME] [options]

  --provider=LIST   start the demo on these runtimes, one after another: ${DEMO_RUNTIMES.join(', ')}
  --base-url=URL    run the checks against a server already running (e.g. EdgeZero's demo on http://127.0.0.1:8787)
  --target=NAME     with --base-url: the server's name, holding it to the divergences recorded for NAME
                    in smoke/known-divergences.json (e.g. edgezero-axum); default: the URL's host
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
  if (!provider === !baseUrl) throw new UsageError('smoke takes exactly one of --provider=LIST and --base-url=URL');
  if (target !== undefined && !baseUrl) throw new UsageError('--target names a server given with --base-url (with --provider, each runtime is its own target)');
  if (target !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(target)) throw new UsageError(`--target must be a name of letters, digits, ".", "_", "@" or "-" (got "${target}")`);
  const wait = intFlag(parsed.flags, 'wait', { min: 1, max: 600 });

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
  let demo;
  try {
    demo = await startDemo(runtime, { log, readyTimeoutMs: waitMs, coverageDir });
  } catch (error) {
    process.stderr.write(`kvparity smoke: the demo did not start on ${runtime}: ${(error as Error).message}\n`);
    return 1;
  }
  // A runtime that dies during the checks is reported; the exit stop() causes is not.
  let died: string | undefined;
  let stopping = false;
  void demo.died.then((reason) => (died = stopping ? undefined : reason));
  let code: number;
  try {
    log(`${demo.description}, at ${demo.url}`);
    code = await runChecks(demo.url, { target: runtime, out: options.out, wait: Math.ceil(waitMs / 1000) });
  } finally {
    stopping = true;
    await demo.stop();
  }
  if (died) {
    process.stderr.write(`kvparity smoke: ${died}\n`);
    code = Math.max(code, 1);
  }
  if (coverageDir) await printCoverage(coverageDir);
  return code;
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
