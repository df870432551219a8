// The machine's errors are never the store's limits. A store the kit places on tmpfs goes to disk
// where /dev/shm lacks room (a container's is often 64 MB, and the 64 MiB value probe ran out of
// space there: Netlify Blobs was reported to refuse values over 32 MiB); and a probe that meets
// out-of-space (or another error of the machine) says it could not measure, instead of recording a
// refusal. Both for real: a small tmpfs, in a mount namespace of the run's own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../results/types.ts';
import { inNamespace, namespaces } from './fixtures/mount-namespace.ts';
import { runtimeProviders } from './fixtures/runtime-providers.ts';

const root = resolve(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'kvparity-machine-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const kvparity = (mounts: string[], args: string[], env: NodeJS.ProcessEnv = process.env) => inNamespace(mounts, process.execPath, [join(root, 'cli/kvparity.mjs'), ...args], { cwd: root, env });
const results = (dir: string, id: string) => (JSON.parse(readFileSync(join(out, dir, `${id}.json`), 'utf8')) as ResultsFile).results;

// Netlify Blobs' local server takes values of any size, and keeps them in files in its store.
const netlify = (await runtimeProviders()).find((provider) => provider.id === 'netlify-blobs');

describe(`errors of the machine${namespaces.available ? '' : ` — skipped: ${namespaces.why}`}`, () => {
  it.skipIf(!namespaces.available || !netlify || !!netlify.skip)(`a store goes to disk where /dev/shm has no room for the largest probes${netlify?.skip ? ` — skipped: netlify-blobs ${netlify.skip}` : ''}`, async () => {
    const run = await kvparity(['mount -t tmpfs -o size=64m none /dev/shm'], ['run', '--provider=netlify-blobs', '--case=values.native.max', `--out=${join(out, 'small-shm')}`]);
    expect(run.code, run.stderr).toBe(0);
    const [max] = results('small-shm', 'netlify-blobs');
    // As recorded for it: no refusal up to the 64 MiB searched (on a 64 MB /dev/shm: "refused from 32 MiB").
    expect(max.status).toBe('EXPECTED_DIVERGENCE');
    expect(max.observed).toMatchObject({ value: null, refused: null, accepted: 64 * 1024 * 1024 });
  }, 300_000);

  it.skipIf(!namespaces.available)('a probe that runs out of space says it could not measure, and records no limit', async () => {
    const small = join(out, 'small-tmp');
    const run = await kvparity(
      [`mkdir -p ${small}`, `mount -t tmpfs -o size=16m none ${small}`],
      ['test', `--provider=${join(root, 'test/fixtures/file-store.ts')}`, '--case=values.1-mib,values.native.max', `--out=${join(out, 'full-disk')}`],
      { ...process.env, TMPDIR: small },
    );
    expect(run.code, run.stderr).toBe(1);
    const [oneMib, max] = results('full-disk', 'file-store');
    expect(oneMib.status).toBe('PASS');
    expect(max.status).toBe('ERROR');
    expect(max.message).toMatch(/this machine failed, not the store, so this could not be measured: ENOSPC: no space left on device/);
    expect(max.message).toMatch(/\(asking [\d,]+ B \(\d+ MiB\), [\d,]+ B \(\d+ MiB\) accepted\)$/);
    expect(max.observed).toBeUndefined();
  }, 300_000);
});
