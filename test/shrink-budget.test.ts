/**
 * A property whose failure is a recorded divergence shrinks for a bounded time: NATS once took
 * 86 s to minimise, on every run, a failure that was already known. Unrecorded failures still
 * shrink to the end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineCases } from '../suites/case.ts';
import { CaseFailure } from '../suites/case.ts';
import { checkProperty } from '../suites/property.ts';
import { SHRINK_BUDGET_MS, runCase } from '../suites/run-case.ts';
import { LimitedStore, limitedInstance, limitedProvider } from './fixtures/limited-store.ts';

/** Fails for any array holding a number over 100, slowly: minimising it takes many slow runs. */
const slowFailure = () =>
  fc.asyncProperty(fc.array(fc.integer(), { minLength: 0, maxLength: 200 }), async (numbers) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (numbers.some((n) => n > 100)) throw new CaseFailure(`a number over 100 among ${numbers.length}`);
  });

const check = async (shrinkBudgetMs?: number) => {
  const started = performance.now();
  const failure = await checkProperty({ seed: 1, runs: 50, observe: () => {}, ...(shrinkBudgetMs === undefined ? {} : { shrinkBudgetMs }) }, slowFailure()).catch((error: CaseFailure) => error);
  return { failure: failure as CaseFailure, ms: performance.now() - started };
};

describe('shrinking a failing property', () => {
  it('stops soon after the budget, with the failure found so far', async () => {
    const full = await check();
    const bounded = await check(50);
    expect(full.failure).toBeInstanceOf(CaseFailure);
    expect(bounded.failure).toBeInstanceOf(CaseFailure);
    expect(bounded.failure.message).toMatch(/a number over 100/);
    expect(bounded.failure.details.property?.replay).toMatch(/^1:/);
    // Full shrinking minimises to one number; the bounded one stops early, in far less time.
    expect(full.failure.details.property?.counterexample).toBe('[[101]]');
    expect(bounded.ms).toBeLessThan(full.ms);
  }, 60_000);

  it('is bounded only where a divergence is recorded for the case on this provider', async () => {
    const budgets: Array<number | undefined> = [];
    const [definition] = defineCases('model', [{ id: 'model.budget', check: 'model', title: 't', ref: 'r', run: async (context) => void budgets.push(context.shrinkBudgetMs) }]);
    const provider = limitedProvider('budget', 'budget', {});
    const run = (divergences: Parameters<typeof runCase>[1]['divergences']) =>
      runCase(definition, { kv: limitedInstance(new LimitedStore({})), ns: 'ns/', seed: 1, provider, runs: 1, divergences, divergenceFor: ['budget'] });
    await run([]);
    await run([{ case: 'model.budget', provider: 'budget', link: 'https://example.org/known', message: 'x' }]);
    await run([{ case: 'model.budget', provider: 'other', link: 'https://example.org/known', message: 'x' }]);
    expect(budgets).toEqual([undefined, SHRINK_BUDGET_MS, undefined]);
  });
});
