// Faults in a real runtime during a run: a runtime killed mid-case is reported with the cause and
// restarted once, and the rest of the run passes; a hung runtime gives a TIMEOUT, never a stuck run,
// and stopping a hung runtime is bounded. Each behaviour costs the runtime starts it needs, no more.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderDefinition } from '../api/index.ts';
import { tempDir } from '../runners/process.ts';
import { CaseFailure, type Case } from '../suites/case.ts';
import { selectCases } from '../suites/cases/index.ts';
import { findDivergence, loadDivergences } from '../suites/divergences.ts';
import type { ResultsFile } from '../results/types.ts';
import { runCases } from '../suites/engine.ts';
import { validateResults } from '../results/validate.ts';
import { descendants, stillRunning, type ProcessInfo } from '../bench/process-tree.ts';
import { describeName, newestRuntime, runtimeProviders } from './fixtures/runtime-providers.ts';

const providers = await runtimeProviders();
const bytes = (text: string) => new TextEncoder().encode(text);
// Real cases around the faulty one (two before it, the rest after), ones every provider can run and passes.
const recorded = loadDivergences();
const realCases = selectCases({ categories: ['crud'] })
  .filter((c) => c.check === 'contract' && !c.requires?.length && !providers.some(({ id }) => findDivergence(recorded, c.id, id)))
  .slice(0, 6);
const BEFORE = 2;

function run(definition: ProviderDefinition, fault: Case, hooks: { onResult?(test: string, last: boolean): void } = {}): Promise<ResultsFile> {
  return runCases({
    provider: definition,
    source: 'builtin',
    cases: [...realCases.slice(0, BEFORE), fault, ...realCases.slice(BEFORE)],
    seed: 1,
    runs: 5,
    kitVersion: 'test',
    divergences: [],
    defaultTimeoutMs: 20_000,
    start: () => definition.start({ tmpDir: tempDir(definition.id), log: () => {}, options: {}, signal: new AbortController().signal }),
    onResult: (result, index, total) => hooks.onResult?.(result.test, index === total - 1),
  });
}

async function waitGone(info: ProcessInfo, ms = 5000): Promise<void> {
  for (const deadline = Date.now() + ms; stillRunning(info) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  if (stillRunning(info)) throw new Error(`${info.name} ${info.pid} still runs ${ms} ms after SIGKILL`);
}

/** Processes a test froze: by the end of the test they should be gone; any that is not is killed, so none is left frozen. */
const frozen: ProcessInfo[] = [];
afterEach(() => {
  for (const info of frozen.splice(0)) {
    try {
      if (stillRunning(info)) process.kill(info.pid, 'SIGKILL');
    } catch {} // gone in between
  }
});

const ours = (processName: string) => descendants(process.pid).filter((p) => p.name === processName);

function expectTheRestPassed(file: ResultsFile, faultIndex: number): void {
  expect(validateResults(file)).toEqual([]);
  expect(file.run_info.start_error).toBeUndefined();
  const others = file.results.filter((_, i) => i !== faultIndex).map((r) => [r.test, r.status, r.message]);
  expect(others).toEqual(file.results.filter((_, i) => i !== faultIndex).map((r) => [r.test, 'PASS', '']));
  expect(others).toHaveLength(realCases.length);
}

describe.each(providers)('$id', (provider) => {
  const { definition, processName } = provider;

  it.skipIf(!!provider.skip)(`${describeName(provider)}: a runtime SIGKILLed mid-case → that case ERRORs with the cause, one restart, the rest PASS`, async () => {
    let victim: ProcessInfo | undefined;
    const killer: Case = {
      category: 'crud',
      id: 'reliability.runtime-killed',
      check: 'contract',
      title: 'the runtime is SIGKILLed between two operations',
      ref: 'issue 10: the runtime dies mid-run',
      async run({ kv, key }) {
        await kv.put(key('before'), bytes('v'));
        victim = newestRuntime(processName);
        if (!victim) throw new CaseFailure(`no ${processName} process below this process (${process.pid}) to kill`);
        process.kill(victim.pid, 'SIGKILL');
        await waitGone(victim);
        await kv.get(key('before'));
        throw new CaseFailure(`${processName} ${victim.pid} was killed, yet the instance still answered`);
      },
    };
    const file = await run(definition!, killer);
    const fault = file.results[BEFORE];
    expect(file.results.slice(0, BEFORE).map((r) => r.status)).toEqual(['PASS', 'PASS']);
    expect(victim, `a ${processName} process was found and killed`).toBeDefined();
    expect(fault.test).toBe('reliability.runtime-killed');
    expect(fault.status).toBe('ERROR');
    // The engine's words plus the operation's own error, so a reader sees why.
    expect(fault.message, `${provider.id}: the engine tells a dead runtime apart only through instance.alive()`).toMatch(/^the runtime died during this case \(.{10,}\)$/s);
    expect(file.run_info.restarts).toBe(1);
    expectTheRestPassed(file, BEFORE);
    // The restarted runtime was stopped at the end, and nothing else of ours is left.
    expect(ours(processName)).toEqual([]);
  }, 180_000);

  it.skipIf(!!provider.skip)(`${describeName(provider)}: a hung runtime (SIGSTOP) → that case TIMEOUTs within its limit, the run goes on; stopping a hung runtime at the end returns within 10 s and leaves no ${processName}`, async () => {
    const limitMs = 3000;
    let victim: ProcessInfo | undefined;
    const hang: Case = {
      category: 'crud',
      id: 'reliability.runtime-hung',
      check: 'contract',
      title: 'the runtime stops answering (SIGSTOP) between two operations',
      ref: 'issue 10: a hung runtime',
      timeoutMs: limitMs,
      async run({ kv, key }) {
        await kv.put(key('before'), bytes('v'));
        victim = newestRuntime(processName);
        if (!victim) throw new CaseFailure(`no ${processName} process below this process (${process.pid}) to stop`);
        frozen.push(victim);
        process.kill(victim.pid, 'SIGSTOP');
        await kv.get(key('before'));
        throw new CaseFailure(`${processName} ${victim.pid} was stopped, yet the instance still answered`);
      },
    };
    // Once the hung case has its result, let the runtime go on (if the engine did not replace it).
    // After the last case, freeze whichever runtime the run ends with: the engine's stop() must still end it.
    let frozenAtEnd: { info: ProcessInfo; at: number } | undefined;
    const file = await run(definition!, hang, {
      onResult: (test, last) => {
        if (test === hang.id && victim && stillRunning(victim)) process.kill(victim.pid, 'SIGCONT');
        const current = last ? newestRuntime(processName) : undefined;
        if (current) {
          frozen.push(current);
          process.kill(current.pid, 'SIGSTOP');
          frozenAtEnd = { info: current, at: performance.now() };
        }
      },
    });
    const stoppedWithin = frozenAtEnd && performance.now() - frozenAtEnd.at;
    const fault = file.results[BEFORE];
    expect(file.run_info.start_error).toBeUndefined();
    expect(victim, `a ${processName} process was found and stopped`).toBeDefined();
    expect([fault.status, fault.message]).toEqual([expect.stringMatching(/^(TIMEOUT|ERROR)$/), expect.stringMatching(new RegExp(`no result within ${limitMs} ms|timed? ?out|did not answer`, 'i'))]);
    // Bounded: the case and its cleanup each cost at most the limit, not a bridge's or a socket's patience.
    expect(fault.duration_ms).toBeLessThan(limitMs * 2 + 1000);
    expectTheRestPassed(file, BEFORE);
    // The engine's stop() of the runtime frozen after the last case: within 10 s, and nothing of ours left.
    expect(frozenAtEnd, `a ${processName} process ran the last case`).toBeDefined();
    expect(stoppedWithin).toBeLessThan(10_000);
    await waitGone(frozenAtEnd!.info, 3000);
    expect(ours(processName)).toEqual([]);
  }, 180_000);
});
