/**
 * The NATS example (examples/nats/): a provider written on the public API alone, against a real
 * nats-server with JetStream that it starts itself. The regression check for "one rule, one
 * divergence": NATS takes only `[-/_=.a-zA-Z0-9]` in keys; the cases about other rules run with
 * its keys and pass, the key-width rows say none are accepted, the order row shows an order. Its
 * known divergences (examples/nats/known-divergences.json) are what `divergences record` writes
 * from a run, recorded on another seed: this run, on a seed of its own, is green with them.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kvparityCli } from './fixtures/cli.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../results/types.ts';
import { validateResults } from '../results/validate.ts';
import { isFact } from '../results/facts.ts';
import { renderFact } from '../reports/facts.ts';
import { ALL_CASES } from '../suites/cases/index.ts';
import { loadDivergences, recordDivergences, casePatterns } from '../suites/divergences.ts';
import nats from '../examples/nats/nats-provider.ts';
import { OTHER_RULES } from './fixtures/other-rules.ts';

const root = resolve(import.meta.dirname, '..');
const example = join(root, 'examples/nats');

describe('the NATS example', () => {
  let file: ResultsFile;
  let code: number | null;
  let err: string;
  let out: string;
  const result = (id: string) => file.results.find((r) => r.test === id)!;
  const cell = (id: string) => {
    const observed = result(id).observed;
    return isFact(observed) ? renderFact(observed).value : JSON.stringify(observed);
  };

  beforeAll(async () => {
    // Never skipped: a machine without the server says how to get it.
    const availability = await nats.availability!();
    expect(availability, availability.available ? '' : `${availability.reason}: ${availability.enable}`).toEqual({ available: true });
    out = mkdtempSync(join(tmpdir(), 'kvparity-nats-'));
    const run = kvparityCli(['test', `--config=${join(example, 'kvparity.config.json')}`, `--out=${out}`], { timeoutMs: 900_000 });
    [code, err] = [run.code, run.err];
    if (!existsSync(join(out, 'nats-kv.json'))) throw new Error(`no results file; the run said:\n${run.err.slice(-3000)}`);
    file = JSON.parse(readFileSync(join(out, 'nats-kv.json'), 'utf8')) as ResultsFile;
  }, 900_000);

  it('is green on a new seed with the divergences recorded on another: nothing unexpected', () => {
    expect(validateResults(file)).toEqual([]);
    expect(file.run_info.runtime).toMatchObject({ name: 'nats-server', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(code, err.split('\n').filter((line) => /✖|kvparity:/.test(line)).join('\n')).toBe(0);
  });

  it('states its key alphabet positively', () => {
    expect(cell('keys.native.alphabet')).toBe('`[-./=_a-zA-Z0-9]` only: no 2-, 3- or 4-byte character');
  });

  it('runs the case, order, prefix, concurrency and model cases with its own keys, and they pass', () => {
    expect(OTHER_RULES.map((id) => `${id} ${result(id).status}`)).toEqual(OTHER_RULES.map((id) => `${id} PASS`));
  });

  it('says none are accepted for 2-, 3- and 4-byte characters, and shows the order it lists in', () => {
    for (const width of ['2-byte', '3-byte', '4-byte']) expect(cell(`keys.native.max-bytes.${width}-chars`)).toMatch(/^none accepted: /);
    expect(result('pagination.native.order')).toMatchObject({ status: 'PASS', observed: { order: 'utf8-bytes', keys: ['-', '0', 'B', '_', 'a', 'z'] } });
  });

  it('has exactly the known divergences divergences record writes from this run', () => {
    const committed = loadDivergences(join(example, 'known-divergences.json'), ALL_CASES.map((c) => c.id));
    // This run's divergences as the failures they were, recorded again.
    const failed: ResultsFile = { ...file, results: file.results.map((r) => (r.status === 'EXPECTED_DIVERGENCE' ? { ...r, status: 'FAIL' as const } : r)) };
    const { entries } = recordDivergences(failed, loadDivergences(undefined, ALL_CASES.map((c) => c.id)));
    const shape = (list: typeof entries) => list.map((e) => ({ case: casePatterns(e), ...(e.message ? { message: e.message } : {}), ...(e.observed ? { observed: e.observed } : {}) }));
    expect(shape(entries)).toEqual(shape(committed));
  });
});
