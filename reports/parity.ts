/** Builds parity.json: merged results, a verdict per case, rollups, the native table and the platform axis. */
import { mergeResults } from './merge.ts';
import { nativeTable } from './native-table.ts';
import { compareAdapters, comparePlatforms } from './platforms.ts';
import { DECIDING_RULE, INTEROP_RULE, OBSERVATION_RULE, VERDICT_RULES, countVerdicts, decideVerdict, interopScore } from './verdict.ts';
import { PARITY_FORMAT, type CaseRow, type Cell, type KnownDivergenceEntry, type LoadedResults, type Parity, type Rollup, type SmokeReport } from './types.ts';

export function buildParity(loaded: LoadedResults[], smoke: SmokeReport[] = [], now = new Date()): Parity {
  const merged = mergeResults(loaded);
  const didNotStart = new Set(merged.providers.filter((p) => p.start_error).map((p) => p.id));
  const ran = (cells: Record<string, Cell>) => Object.fromEntries(Object.entries(cells).filter(([id]) => !didNotStart.has(id)));
  const cases: CaseRow[] = merged.cases.map(({ definition, cells }) => ({
    id: definition.test,
    category: definition.category,
    check: definition.check,
    title: definition.title,
    ref: definition.ref,
    ...(definition.contract !== undefined ? { contract: definition.contract } : {}),
    ...decideVerdict(ran(cells), definition.check === 'probe'),
    providers: cells,
  }));
  const providerIds = merged.providers.map((p) => p.id);

  return {
    format: PARITY_FORMAT,
    generated: now.toISOString(),
    rules: { verdicts: VERDICT_RULES, deciding: DECIDING_RULE, observations: OBSERVATION_RULE, interop: INTEROP_RULE },
    merge: { files: merged.files, superseded: merged.superseded, ...(merged.shards.length ? { shards: merged.shards } : {}) },
    providers: merged.providers,
    interop: interopScore(cases.map((c) => c.verdict), merged.providers.filter((p) => p.available && p.total > 0 && !didNotStart.has(p.id)).length),
    verdicts: countVerdicts(cases.map((c) => c.verdict)),
    categories: rollups(cases, providerIds),
    cases,
    native: nativeTable(merged.cases, providerIds),
    platforms: comparePlatforms(merged.providers, merged.cases),
    adapters: compareAdapters(merged.providers, merged.cases),
    divergences: knownDivergences(cases),
    smoke,
  };
}

/** Per category, test262.fyi style: how many cases, and how many each provider passes. */
function rollups(cases: CaseRow[], providerIds: string[]): Record<string, Rollup> {
  const result: Record<string, Rollup> = {};
  for (const row of cases) {
    const rollup = (result[row.category] ??= { total: 0, providers: Object.fromEntries(providerIds.map((id) => [id, 0])), verdicts: {} });
    rollup.total++;
    rollup.verdicts[row.verdict] = (rollup.verdicts[row.verdict] ?? 0) + 1;
    for (const [id, cell] of Object.entries(row.providers)) if (cell.status === 'PASS') rollup.providers[id]++;
  }
  return result;
}

function knownDivergences(cases: CaseRow[]): KnownDivergenceEntry[] {
  return cases.flatMap((row) =>
    Object.entries(row.providers)
      .filter(([, cell]) => cell.divergence)
      .map(([provider, cell]) => ({ case: row.id, provider, status: cell.status, link: cell.divergence!.link, ...(cell.divergence!.note ? { note: cell.divergence!.note } : {}) })),
  );
}
