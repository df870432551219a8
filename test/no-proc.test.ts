// Where /proc is not there (macOS; a container or sandbox that hides it), the kit reads nothing from
// it and still works: runtimes are waited for, judged alive and stopped without it. The whole
// CLI, every built-in runtime that can start here, one case each, in a mount namespace of its own
// with an empty tmpfs over /proc (root's, or a user namespace's where the kernel allows one).
// An outside provider's whole path is walked the same way by test/journey.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../results/types.ts';
import { runtimeProviders } from './fixtures/runtime-providers.ts';

const root = resolve(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'kvparity-no-proc-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const hideProc = process.platform !== 'linux' ? undefined : process.getuid?.() === 0 ? ['--mount'] : ['--user', '--map-root-user', '--mount'];
const canHideProc = hideProc !== undefined && spawnSync('unshare', [...hideProc, '--fork', 'sh', '-c', 'mount -t tmpfs none /proc && ! test -e /proc/self'], { stdio: 'ignore' }).status === 0;
const providers = (await runtimeProviders()).filter((provider) => !provider.skip).map((provider) => provider.id);
const why = process.platform !== 'linux' ? 'this system has no /proc: every test runs without it' : `unshare ${hideProc!.join(' ')} is not allowed here`;

describe(`without /proc${canHideProc ? '' : ` — skipped: ${why}`}`, () => {
  it.skipIf(!canHideProc || providers.length === 0)(`the runtimes start, answer and stop: ${providers.join(', ')}`, async () => {
    const args = ['run', `--provider=${providers.join(',')}`, '--case=crud.round-trip,crud.delete-missing', `--out=${out}`];
    const child = spawn('unshare', [...hideProc!, '--fork', 'sh', '-c', 'mount -t tmpfs none /proc && ! test -e /proc/self && exec "$@"', 'sh', process.execPath, join(root, 'cli/kvparity.mjs'), ...args], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code, stderr).toBe(0);
    for (const id of providers) {
      const file = JSON.parse(readFileSync(join(out, `${id}.json`), 'utf8')) as ResultsFile;
      // As with /proc: a pass, or the divergence recorded for the provider (Fastly's delete of a missing key).
      expect(file.results.map((r) => r.test), id).toEqual(['crud.round-trip', 'crud.delete-missing']);
      for (const result of file.results) expect(['PASS', 'EXPECTED_DIVERGENCE'], `${id} ${result.test}: ${result.message}`).toContain(result.status);
    }
  }, 300_000);
});
