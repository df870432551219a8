/** The benchmark as Markdown: a throughput table, a time-and-memory table, and the machine it ran on. */
import type { BenchEntry, BenchReport, ProviderBench, Rate, SuiteFigures } from './measure.ts';

const measured = (entry: BenchEntry): entry is ProviderBench => 'put' in entry;
const perSecond = (rate: Rate | null) => (rate ? rate.ops_per_s.toLocaleString('en-US') : '—');
const ratio = (value: number | null) => (value === null ? '—' : value >= 10 ? value.toFixed(0) : Number(value.toPrecision(2)).toString());
const suiteCell = (suite: SuiteFigures) => `${suite.wall_s} (${suite.cases} cases; start ${suite.start_s})`;
const orDash = (value: number | null | undefined) => (value === null || value === undefined ? '—' : String(value));

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i < 2 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

export function renderMarkdown(report: BenchReport): string {
  const done = report.providers.filter(measured);
  const m = report.machine;
  const parts = [
    `### Benchmark (\`npm run bench\`)`,
    '',
    `Measured ${report.date.slice(0, 10)} with kvparity ${report.kit_version} on ${m.cpus} × ${m.model}, ${m.memory_gb} GB, ${m.kernel}, Node ${m.node}` +
      ` (load average at start ${m.load_average_at_start.join(' / ')}). Figures depend on the machine; compare rows of one run, not runs of different machines.`,
    '',
    `**Throughput**: ${report.ops} sequential ops of 64-byte values, the fastest of ${report.rounds} rounds. *Kit* goes through the provider interface (for bridges: one HTTP request per op); ` +
      `*inside* is the same loop run by the runtime itself (bridges' \`/bench\`) or, for in-process providers, a direct loop on the store (— where a provider has neither); ` +
      `*batch* sends ${report.batch_size} ops per request (— without \`batch\`). A ratio of 1 means the kit adds nothing.`,
    '',
    table(
      ['Provider', 'Op', 'Kit ops/s', 'Inside ops/s', 'Kit ÷ inside', `Batch (${report.batch_size}) ops/s`, 'Batch ÷ inside'],
      done.flatMap((p) =>
        (['put', 'get'] as const).map((op) => [p.id, op, perSecond(p[op].kit), perSecond(p[op].inside), ratio(p[op].kit_vs_inside), perSecond(p[op].batch), ratio(p[op].batch_vs_inside)]),
      ),
    ),
    '',
    `**Time and memory**: start is the first start of the runtime; suite times are the wall time of a whole run, with its case count and the part spent starting the runtime; ` +
      `peak RSS is the kit process's (one process per provider) and the sum over the runtime's own processes (VmHWM).`,
    '',
    table(
      ['Provider', 'Runtime', 'Start (ms)', 'Full suite (s)', 'TTL category (s)', 'Kit peak RSS (MB)', 'Runtime peak RSS (MB)'],
      done.map((p) => [
        p.id,
        p.runtime ? `${p.runtime.name} ${p.runtime.version}` : '—',
        String(p.start_ms),
        suiteCell(p.suite),
        p.ttl ? suiteCell(p.ttl) : '—',
        String(p.memory.kit_peak_rss_mb),
        p.memory.runtime_processes.length ? `${orDash(p.memory.runtime_peak_rss_mb)} (${p.memory.runtime_processes.join(', ')})` : 'in-process',
      ]),
    ),
  ];
  const pairs = done.flatMap((adapter) => {
    const platform = done.find((p) => p.id === adapter.adapter_of);
    return platform ? [{ adapter, platform }] : [];
  });
  if (pairs.length) {
    parts.push(
      '',
      `**EdgeZero's adapters against their platforms**: the whole suite through EdgeZero's own code (its KvHandle, its adapter's KvStore) against the same suite on the platform's store, in this run.`,
      '',
      table(
        ['Adapter', 'Platform', 'Full suite (s)', 'Platform\'s (s)', 'Suite ÷ platform\'s', 'Kit put ÷ platform\'s', 'Kit get ÷ platform\'s'],
        pairs.map(({ adapter, platform }) => [
          adapter.id,
          platform.id,
          String(adapter.suite.wall_s),
          String(platform.suite.wall_s),
          ratio(platform.suite.wall_s > 0 ? adapter.suite.wall_s / platform.suite.wall_s : null),
          ratio(adapter.put.kit && platform.put.kit ? adapter.put.kit.ops_per_s / platform.put.kit.ops_per_s : null),
          ratio(adapter.get.kit && platform.get.kit ? adapter.get.kit.ops_per_s / platform.get.kit.ops_per_s : null),
        ]),
      ),
    );
  }
  const run = report.test_run;
  if (run) {
    parts.push('', `**The full test run** (\`npm run test:full\`, every provider and case, and all of the kit's own tests; load average at its start ${run.load_average_at_start.join(' / ')}; exit ${run.code}):`, '');
    if ('error' in run) parts.push(run.error);
    else {
      parts.push(run.breakdown);
      if (run.slowest_files.length) parts.push('', `Slowest kit test files: ${run.slowest_files.map((f) => `${f.file} ${f.seconds} s`).join(', ')}.`);
    }
  }
  const problems = done.filter((p) => Object.keys(p.suite.statuses).some((s) => s === 'ERROR' || s === 'TIMEOUT'));
  if (problems.length) parts.push('', `Suite runs with errors or timeouts (their times are not comparable): ${problems.map((p) => `${p.id} ${JSON.stringify(p.suite.statuses)}`).join('; ')}.`);
  const others = report.providers.filter((entry) => !measured(entry));
  if (others.length) {
    const why = (entry: BenchEntry) => ('skipped' in entry ? `unavailable here (${entry.skipped})` : 'error' in entry ? entry.error : '');
    parts.push('', 'Not measured:', '', ...others.map((entry) => `- ${entry.id}: ${why(entry)}`));
  }
  return parts.join('\n') + '\n';
}
