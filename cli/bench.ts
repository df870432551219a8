/**
 * `kvparity bench`: measures each provider that can start here, one process per
 * provider, then times a full `kvparity test` (where its time goes: conformance per
 * provider, kit tests, runtime starts), prints the tables and writes bench.json and bench.md.
 * Not a test: figures depend on the machine (which the report records).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchEntry, BenchReport, ProviderBench } from '../bench/measure.ts';
import { MAX_OPS } from '../runners/bridge/handler.js';
import { renderMarkdown } from '../bench/table.ts';
import { defaultIds, loadProvider, looksLikePath } from '../providers/registry.ts';
import { KIT_ROOT, kitPackage, nodeScript } from '../runners/kit.ts';
import { onExit } from '../runners/process.ts';
import { TIMING_FILE, breakdown, type TestTiming } from './timing.ts';
import { UsageError, ensureDirFlag, intFlag, listFlag, parseArgs } from './args.ts';

const root = KIT_ROOT;
const CHILD_TIMEOUT_MS = 60 * 60_000;
/** Flags handed to the providers, as `kvparity run` hands them. */
const PROVIDER_OPTIONS = ['url', 'token-env', 'kind'];

/** A whole `kvparity test` in a child process: its breakdown (cli/test.ts), or why there is none. */
async function timeTestRun(): Promise<BenchReport['test_run']> {
  process.stderr.write('\n▶ the full test run (npm run test:full), timed\n');
  const out = mkdtempSync(join(tmpdir(), 'kvparity-bench-test-'));
  const load_average_at_start = loadavg().map((n) => Number(n.toFixed(2)));
  const child = spawn(process.execPath, [join(root, 'cli/kvparity.mjs'), 'test', `--out=${out}`], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const unregister = onExit(() => child.kill('SIGTERM'));
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  unregister();
  try {
    const timing = JSON.parse(readFileSync(join(out, TIMING_FILE), 'utf8')) as TestTiming;
    return { code, load_average_at_start, breakdown: breakdown(timing), slowest_files: timing.kit_tests?.files.slice(0, 8) ?? [], timing };
  } catch (error) {
    return { code, load_average_at_start, error: `no timing from the test run (exit ${code}): ${(error as Error).message}` };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export async function benchCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, { values: ['provider', 'ops', 'out', ...PROVIDER_OPTIONS], booleans: ['no-test-run'] });
  if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const ops = intFlag(parsed.flags, 'ops', { min: 10, max: 100_000 }) ?? MAX_OPS;
  // What providers take, as `run` passes them (the http provider's --url and its token's variable).
  const options = Object.fromEntries(PROVIDER_OPTIONS.flatMap((name) => (parsed.flags[name] === undefined ? [] : [[name, parsed.flags[name]]])));
  const out = ensureDirFlag('out', resolve(parsed.flags.out ?? 'reports/out'));
  const named = parsed.flags.provider !== undefined;
  const specs = named ? listFlag(parsed.flags.provider) : await defaultIds();
  if (specs.length === 0) throw new UsageError(`--provider=${parsed.flags.provider} names no provider`);
  const loaded = [];
  for (const spec of specs) loaded.push({ spec, definition: (await loadProvider(spec)).definition });
  // Loaded once the flags and providers are checked: it brings the suites (fast-check) with it.
  const { BATCH_SIZE, ROUNDS } = await import('../bench/measure.ts');

  const report: BenchReport = {
    format: 'kvparity-bench@1',
    date: new Date().toISOString(),
    kit_version: kitPackage.version,
    ops,
    rounds: ROUNDS,
    batch_size: BATCH_SIZE,
    machine: machine(),
    providers: [],
  };
  process.stderr.write(`kvparity bench: ${ops} sequential ops per figure (fastest of ${ROUNDS} rounds), batches of ${BATCH_SIZE}; ${report.machine.cpus} × ${report.machine.model}, load ${report.machine.load_average_at_start.join(' ')}\n`);

  let unavailableNamed = false;
  for (const { spec, definition } of loaded) {
    const availability = definition.availability ? await definition.availability(options) : { available: true as const };
    if (!availability.available) {
      process.stderr.write(`\n✖ ${definition.id}: unavailable here: ${availability.reason}\n  enable it with: ${availability.enable}\n`);
      report.providers.push({ id: definition.id, skipped: availability.reason });
      unavailableNamed ||= named;
      continue;
    }
    process.stderr.write(`\n▶ ${definition.id}: ${definition.title}\n`);
    report.providers.push(await measureInChild(definition.id, looksLikePath(spec) ? resolve(spec) : spec, ops, options));
  }
  // Not for a single named provider or an outside target: the kit's whole `npm run test:full`, as CI runs it.
  if (!named && !parsed.booleans.has('no-test-run')) report.test_run = await timeTestRun();

  const markdown = renderMarkdown(report);
  writeFileSync(join(out, 'bench.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(out, 'bench.md'), markdown);
  process.stdout.write(`\n${markdown}`);
  process.stderr.write(`\n→ ${join(out, 'bench.json')}\n→ ${join(out, 'bench.md')}\n`);
  const failed = report.providers.some((entry) => 'error' in entry);
  return failed || unavailableNamed ? 1 : 0;
}

/** Runs bench/child.ts (compiled, as the kit runs) for one provider; its own exit hook stops its runtimes, and ours stops it. */
async function measureInChild(id: string, spec: string, ops: number, options: Record<string, string>): Promise<BenchEntry> {
  const dir = mkdtempSync(join(tmpdir(), 'kvparity-bench-'));
  const resultFile = join(dir, 'result.json');
  const child = spawn(process.execPath, [...nodeScript('bench/child.ts'), spec, String(ops), resultFile, JSON.stringify(options)], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
    process.stderr.write(chunk);
  });
  const unregister = onExit(() => child.kill('SIGTERM'));
  const timer = setTimeout(() => child.kill('SIGTERM'), CHILD_TIMEOUT_MS);
  const [code, signal] = await new Promise<[number | null, string | null]>((done) => child.on('exit', (c, s) => done([c, s])));
  clearTimeout(timer);
  unregister();
  try {
    if (code === 0) return JSON.parse(readFileSync(resultFile, 'utf8')) as ProviderBench;
    const last = stderr.trim().split('\n').filter((line) => !/^\s+at /.test(line)).slice(-3).join(' ');
    return { id, error: `measurement ${signal ? `killed by ${signal}` : `exited ${code}`}: ${last}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function machine(): BenchReport['machine'] {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? 'unknown',
    memory_gb: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    kernel: `${osType()} ${release()}`,
    load_average_at_start: loadavg().map((n) => Number(n.toFixed(2))),
  };
}
