/**
 * The two axes that set one provider against another, case by case: emulator against production
 * (a production result against every emulator or local result whose run_info.platform is the
 * same), and a platform's own store against EdgeZero's adapter on it (run_info.adapter_of).
 */
import { stableJson } from './text.ts';
import type { AdapterComparison, Cell, PairSide, PlatformComparison, PlatformDifference, ProviderEntry } from './types.ts';

interface CaseCells {
  definition: { test: string; title: string; check: string; category: string };
  cells: Record<string, Cell>;
}

/** Every (emulator or local, production) pair on one platform, with the cases where they differ. */
export function comparePlatforms(providers: ProviderEntry[], cases: CaseCells[]): PlatformComparison[] {
  const comparisons: PlatformComparison[] = [];
  const ran = providers.filter((p) => p.available && p.total > 0);
  for (const production of ran.filter((p) => p.kind === 'production')) {
    for (const emulator of ran.filter((p) => p.kind !== 'production' && p.platform === production.platform)) {
      const differences: PlatformDifference[] = [];
      let compared = 0;
      for (const { definition, cells } of cases) {
        const a = cells[emulator.id];
        const b = cells[production.id];
        if (!a && !b) continue;
        compared++;
        if (a && b && sameOutcome(a, b, definition.check === 'probe')) continue;
        differences.push({ case: definition.test, title: definition.title, emulator: side(a), production: side(b) });
      }
      comparisons.push({ platform: production.platform, emulator: emulator.id, production: production.id, compared, differences });
    }
  }
  return comparisons;
}

function sameOutcome(a: Cell, b: Cell, isProbe: boolean): boolean {
  return a.status === b.status && (!isProbe || stableJson(a.observed) === stableJson(b.observed));
}

function side(cell: Cell | undefined): PairSide | null {
  if (!cell) return null;
  return { status: cell.status, ...(cell.observed !== undefined ? { observed: cell.observed } : {}), ...(cell.message ? { message: cell.message } : {}) };
}

/** Each platform's store beside EdgeZero's adapter on it: every case either ran, and where they differ. */
export function compareAdapters(providers: ProviderEntry[], cases: CaseCells[]): AdapterComparison[] {
  const ran = providers.filter((p) => p.available && p.total > 0 && !p.start_error);
  const comparisons: AdapterComparison[] = [];
  for (const adapter of ran.filter((p) => p.adapter_of)) {
    const platform = ran.find((p) => p.id === adapter.adapter_of);
    if (!platform) continue;
    const comparison: AdapterComparison = { platform: platform.id, adapter: adapter.id, compared: 0, same: 0, categories: {}, differences: [] };
    for (const { definition, cells } of cases) {
      const a = cells[platform.id];
      const b = cells[adapter.id];
      if (!a && !b) continue;
      const category = (comparison.categories[definition.category] ??= { compared: 0, same: 0 });
      comparison.compared++;
      category.compared++;
      if (a && b && sameOutcome(a, b, definition.check === 'probe')) {
        comparison.same++;
        category.same++;
        continue;
      }
      comparison.differences.push({ case: definition.test, title: definition.title, category: definition.category, platform: side(a), adapter: side(b) });
    }
    comparisons.push(comparison);
  }
  return comparisons;
}
