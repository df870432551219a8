/**
 * `kvparity bench`: measures each provider that can start here, one process per
 * provider, then prints the tables and writes bench.json and bench.md.
 * Not a test: figures depend on the machine (which the report records).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BATCH_SIZE, ROUNDS, type BenchEntry, type BenchReport, type ProviderBench } from '../bench/measure.ts';
import { renderMarkdown } from '../bench/table.ts';
import { defaultIds, loadProvider, looksLikePath } from '../providers/registry.ts';
import { onExit } from '../runners/process.ts';
import { UsageError, ensureDirFlag, intFlag, listFlag, parseArgs } from './args.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHILD_TIMEOUT_MS = 60 * 60_000;

export async function benchCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, { values: ['provider', 'ops', 'out'] });
  if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const ops = intFlag(parsed.flags, 'ops', { min: 10, max: 100_000 }) ?? 500;
  const out = ensureDirFlag('out', resolve(parsed.flags.out ?? 'reports/out'));
  const named = parsed.flags.provider !== undefined;
  const specs = named ? listFlag(parsed.flags.provider) : await defaultIds();
  if (specs.length === 0) throw new UsageError(`--provider=${parsed.flags.provider} names no provider`);

  const report: BenchReport = {
    format: 'kvparity-bench@1',
    date: new Date().toISOString(),
    kit_version: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    ops,
    rounds: ROUNDS,
    batch_size: BATCH_SIZE,
    machine: machine(),
    providers: [],
  };
  process.stderr.write(`kvparity bench: ${ops} sequential ops per figure (fastest of ${ROUNDS} rounds), batches of ${BATCH_SIZE}; ${report.machine.cpus} × ${report.machine.model}, load ${report.machine.load_average_at_start.join(' ')}\n`);

  let unavailableNamed = false;
  for (const spec of specs) {
    const { definition } = await loadProvider(spec);
    const availability = definition.availability ? await definition.availability() : { available: true as const };
    if (!availability.available) {
      process.stderr.write(`\n✖ ${definition.id}: unavailable here: ${availability.reason}\n  enable it with: ${availability.enable}\n`);
      report.providers.push({ id: definition.id, skipped: availability.reason });
      unavailableNamed ||= named;
      continue;
    }
    process.stderr.write(`\n▶ ${definition.id}: ${definition.title}\n`);
    report.providers.push(await measureInChild(definition.id, looksLikePath(spec) ? resolve(spec) : spec, ops));
  }

  const markdown = renderMarkdown(report);
  writeFileSync(join(out, 'bench.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(out, 'bench.md'), markdown);
  process.stdout.write(`\n${markdown}`);
  process.stderr.write(`\n→ ${join(out, 'bench.json')}\n→ ${join(out, 'bench.md')}\n`);
  const failed = report.providers.some((entry) => 'error' in entry);
  return failed || unavailableNamed ? 1 : 0;
}

/** Runs bench/child.ts for one provider; its own exit hook stops its runtimes, and ours stops it. */
async function measureInChild(id: string, spec: string, ops: number): Promise<BenchEntry> {
  const dir = mkdtempSync(join(tmpdir(), 'kvparity-bench-'));
  const resultFile = join(dir, 'result.json');
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/child.ts'), spec, String(ops), resultFile], {
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
