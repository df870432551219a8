// Where /proc is not there (macOS; a container or sandbox that hides it), the kit reads nothing from
// it and still works: runtimes are waited for, judged alive and stopped without it. The whole CLI,
// every built-in runtime that can start here, two cases each, with an empty tmpfs over /proc in a
// mount namespace of its own. An outside provider's whole path: test/journey.slow.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../results/types.ts';
import { HIDE_PROC, inNamespace, namespaces } from './fixtures/mount-namespace.ts';
import { runtimeProviders } from './fixtures/runtime-providers.ts';

const root = resolve(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'kvparity-no-proc-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const providers = (await runtimeProviders()).filter((provider) => !provider.skip).map((provider) => provider.id);

describe(`without /proc${namespaces.available ? '' : ` — skipped: ${namespaces.why}`}`, () => {
  it.skipIf(!namespaces.available || providers.length === 0)(`the runtimes start, answer and stop: ${providers.join(', ')}`, async () => {
    const args = ['run', `--provider=${providers.join(',')}`, '--case=crud.round-trip,crud.delete-missing', `--out=${out}`];
    const { code, stderr } = await inNamespace(HIDE_PROC, process.execPath, [join(root, 'cli/kvparity.mjs'), ...args], { cwd: root });
    expect(code, stderr).toBe(0);
    for (const id of providers) {
      const file = JSON.parse(readFileSync(join(out, `${id}.json`), 'utf8')) as ResultsFile;
      // As with /proc: a pass, or the divergence recorded for the provider (Fastly's delete of a missing key).
      expect(file.results.map((r) => r.test), id).toEqual(['crud.round-trip', 'crud.delete-missing']);
      for (const result of file.results) expect(['PASS', 'EXPECTED_DIVERGENCE'], `${id} ${result.test}: ${result.message}`).toContain(result.status);
    }
  }, 300_000);
});
