/**
 * The emulator-vs-production axis: a production result is set against every
 * emulator (or local) result whose run_info.platform is the same.
 */
import { stableJson } from './text.ts';
import type { Cell, PlatformComparison, PlatformDifference, ProviderEntry } from './types.ts';

interface CaseCells {
  definition: { test: string; title: string; check: string };
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

function side(cell: Cell | undefined): PlatformDifference['emulator'] {
  if (!cell) return null;
  return { status: cell.status, ...(cell.observed !== undefined ? { observed: cell.observed } : {}), ...(cell.message ? { message: cell.message } : {}) };
}
