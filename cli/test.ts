/**
 * `kvparity test` (npm test runs it with --quick): the kit's own tests and the suites on every
 * selected provider, side by side, failing on anything unexpected; ends with one line that says
 * where the time went.
 *
 * Sharing: the kit's tests reach runtimes started once (cli/pool.ts) over loopback; the
 * conformance run starts its own, as `kvparity run` does (a destructive probe may end the runtime
 * it runs on, and the tests must not lose theirs).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { builtinIds } from '../providers/registry.ts';
import { KIT_ROOT } from '../runners/kit.ts';
import { TIMING_FILE, breakdown, type TestTiming } from './timing.ts';
import { STARTS_ENV, onExit, readStarts } from '../runners/process.ts';
import { UsageError, parseArgs } from './args.ts';
import { POOL_ENV, RuntimePool } from './pool.ts';
import { RUN_BOOLEANS, RUN_FLAGS, planRun, printTotals, reportProblems, runPlan, type RunSummary } from './run.ts';

/** The clone, whose test/ folder holds the kit's own tests (an installed package has none). */
const root = KIT_ROOT;
const log = (line: string) => void process.stderr.write(line + '\n');

export async function testCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, { values: RUN_FLAGS, booleans: [...RUN_BOOLEANS, 'no-unit'] });
  if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const plan = await planRun(parsed);
  const started = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'kvparity-test-'));
  const removeScratch = () => rmSync(scratch, { recursive: true, force: true });
  const unregister = onExit(removeScratch);
  // Children inherit it: starts in vitest's workers and in the CLIs the tests spawn count too.
  // Set for this run only: the process's environment is as it was once the run is done.
  const startsFile = join(scratch, 'starts.log');
  const startsBefore = process.env[STARTS_ENV];
  process.env[STARTS_ENV] = startsFile;

  const pool = new RuntimePool(plan.options, log);
  let kit: TestTiming['kit_tests'] = null;
  let summary: RunSummary;
  // The kit's own tests belong to the kit's checkout, and only to runs of its built-in providers:
  // testing a provider given by path or by a config file runs the suites alone.
  const ownProvidersOnly = plan.selection.loaded.every((loaded) => loaded.source === 'builtin');
  try {
    // The kit's tests and the conformance run go side by side: each alone leaves a core idle while
    // it waits on its runtimes. The tests share the pool's runtimes; the conformance run starts its own.
    const ids = plan.selection.loaded.map((loaded) => loaded.definition.id);
    const kitRun =
      !parsed.booleans.has('no-unit') && ownProvidersOnly && existsSync(join(root, 'test'))
        ? runKitTests(kitTestFiles(readdirSync(join(root, 'test')), ids, { quick: !!plan.quick }), ids, await pool.serve(), join(scratch, 'vitest.json'))
        : undefined;
    // Settled before anything can throw, so a failed run never leaves vitest behind unawaited.
    const [kitResult, runResult] = await Promise.allSettled([kitRun ?? Promise.resolve(null), runPlan(plan, { log })]);
    if (kitResult.status === 'rejected') throw kitResult.reason;
    if (runResult.status === 'rejected') throw runResult.reason;
    kit = kitResult.value;
    summary = runResult.value;
  } finally {
    await pool.stop();
    if (startsBefore === undefined) delete process.env[STARTS_ENV];
    else process.env[STARTS_ENV] = startsBefore;
  }

  const totals = printTotals(summary);
  const timing: TestTiming = {
    format: 'kvparity-test-timing@1',
    total_s: round((performance.now() - started) / 1000),
    conformance: { total_s: round(summary.wallSeconds), providers: summary.seconds.map((p) => ({ id: p.id, seconds: round(p.seconds) })) },
    kit_tests: kit,
    runtime_starts: readStarts(startsFile),
  };
  writeFileSync(join(plan.out, TIMING_FILE), JSON.stringify(timing, null, 2) + '\n');
  removeScratch();
  unregister();
  log(`\n${breakdown(timing)}`);
  // A green run ends with the line above; a run that went wrong ends saying which provider and why.
  const problems = reportProblems(summary);
  if (kit && kit.code !== 0) log(`kvparity: the kit's own tests failed (exit ${kit.code}): vitest's output is above, under "kit tests"`);
  return Math.max(problems || totals.failed > 0 ? 1 : 0, kit?.code ?? 0);
}

/**
 * Which of test/'s files run: a file named after a provider (test/cloudflare.test.ts) only when that
 * provider is selected; with --quick, none of the slow ones (`<name>.slow.test.ts`: they start
 * runtimes, spawn CLIs or install packages many times over).
 */
export function kitTestFiles(names: string[], selected: string[], { quick }: { quick: boolean }): string[] {
  const providerIds = new Set(builtinIds());
  return names
    .filter((name) => name.endsWith('.test.ts'))
    .filter((name) => !(quick && name.endsWith('.slow.test.ts')))
    .filter((name) => {
      const subject = name.split('.')[0];
      return !providerIds.has(subject) || selected.includes(subject);
    })
    .map((name) => `test/${name}`);
}

/** The kit's own tests, in one vitest run. */
async function runKitTests(files: string[], selected: string[], poolUrl: string, report: string): Promise<NonNullable<TestTiming['kit_tests']>> {
  if (files.length === 0) return { total_s: 0, code: 0, files: [] };
  log(`\nkit tests: vitest run (${files.length} files), beside the conformance run; their output comes in one piece when they are done`);
  const started = performance.now();
  // Not spawnSync: this process serves the runtime pool while vitest runs.
  const child = spawn(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...files], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KVPARITY_PROVIDERS: selected.join(','), [POOL_ENV]: poolUrl },
  });
  // Held until vitest ends, then printed whole, as each provider's output is (the two run side by side).
  const output: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk));
  const unregister = onExit(() => child.kill('SIGKILL'));
  const code = await new Promise<number>((done) => child.on('close', (exitCode, signal) => done(exitCode ?? (signal ? 1 : 0))));
  unregister();
  const seconds = round((performance.now() - started) / 1000);
  log(`\n▶ kit tests (vitest, ${files.length} files): exit ${code} in ${seconds} s\n${Buffer.concat(output).toString('utf8').trimEnd()}`);
  return { total_s: seconds, code, files: fileDurations(report) };
}

/** Per-file wall times from vitest's JSON report, slowest first. */
function fileDurations(report: string): Array<{ file: string; seconds: number }> {
  if (!existsSync(report)) return [];
  try {
    const { testResults } = JSON.parse(readFileSync(report, 'utf8')) as { testResults: Array<{ name: string; startTime: number; endTime: number }> };
    return testResults
      .map((result) => ({ file: relative(root, result.name), seconds: round((result.endTime - result.startTime) / 1000) }))
      .sort((a, b) => b.seconds - a.seconds);
  } catch {
    return [];
  }
}

const round = (n: number) => Number(n.toFixed(1));
