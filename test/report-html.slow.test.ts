/**
 * parity.html in a real headless Chromium: the matrix renders, filters work,
 * cells show their details, nothing is fetched, and hostile text stays text.
 * The report comes from an actual memory + sqlite run; a few cells are altered.
 * KVPARITY_SCREENSHOT=path keeps the screenshot somewhere you can look at it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../cli/report.ts';
import type { ResultsFile } from '../results/types.ts';
import type { Parity } from '../reports/types.ts';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('..', import.meta.url));
const HOSTILE = '<img src=x onerror="window.__xss=1"> "quoted" \'single\' & \ud800 lone';

if (!existsSync(CHROMIUM)) console.warn(`report-html: skipped, ${CHROMIUM} not found (apt-get install chromium)`);

describe.skipIf(!existsSync(CHROMIUM))('parity.html in Chromium', { timeout: 60_000 }, () => {
  let tmp: string;
  let browser: Browser;
  let page: Page;
  let parity: Parity;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kvparity-html-test-'));
    await new Promise<void>((done, fail) =>
      execFile(process.execPath, ['cli/kvparity.mjs', 'run', '--provider=memory,sqlite', `--out=${tmp}`, '--runs=5', '--category=crud,ttl,keys,pagination,unicode,metadata'], { cwd: root }, (error, _out, stderr) =>
        error ? fail(new Error(stderr)) : done(),
      ),
    );
    const sqlite = JSON.parse(readFileSync(join(tmp, 'sqlite.json'), 'utf8')) as ResultsFile;
    const at = (id: string) => sqlite.results.find((r) => r.test === id)!;
    Object.assign(at('crud.delete'), { status: 'FAIL', message: HOSTILE });
    Object.assign(at('pagination.property.walk'), {
      status: 'FAIL',
      message: 'property failed after 3 runs (shrunk 5 times): keys seen across the walk',
      property: { seed: 1234567, path: '2:1:0', counterexample: '[["a/</script>","b"]]', numRuns: 3 },
    });
    writeFileSync(join(tmp, 'sqlite.json'), JSON.stringify(sqlite));
    parity = writeReport([tmp], tmp).parity;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(pathToFileURL(join(tmp, 'parity.html')).href);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const visibleRows = () => page.locator('#matrix tr.case:visible');

  it('renders the matrix of cases by provider without fetching anything', async () => {
    await expect(page.locator('#matrix thead th[data-provider]').allTextContents()).resolves.toEqual(['memory', 'sqlite']);
    await expect(page.locator('#matrix tr.case').count()).resolves.toBe(parity.cases.length);
    await expect(visibleRows().count()).resolves.toBe(parity.cases.length);
    expect(await page.locator('#interop-score').textContent()).toBe(`${((parity.interop.score ?? 0) * 100).toFixed(1)}%`);
    expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('hides portable rows when asked, and shows them again', async () => {
    const notPortable = parity.cases.filter((c) => c.verdict !== 'portable').length;
    expect(notPortable).toBeGreaterThan(0);
    expect(notPortable).toBeLessThan(parity.cases.length);
    await page.check('#only-divergent');
    await expect(visibleRows().count()).resolves.toBe(notPortable);
    expect(await page.locator('#matrix tr.case[data-verdict="portable"]:visible').count()).toBe(0);
    expect(await page.locator('#shown-count').textContent()).toBe(`${notPortable} of ${parity.cases.length} cases shown`);
    await page.uncheck('#only-divergent');
    await expect(visibleRows().count()).resolves.toBe(parity.cases.length);
  });

  it('filters by category and by provider', async () => {
    await page.selectOption('#category-filter', 'ttl');
    const ttl = parity.cases.filter((c) => c.category === 'ttl').length;
    await expect(visibleRows().count()).resolves.toBe(ttl);
    expect(await page.locator('#matrix tr.category:visible').allTextContents()).toEqual([expect.stringMatching(/^ttl/)]);
    await page.selectOption('#category-filter', '');
    await page.uncheck('#provider-filter input[value="sqlite"]');
    expect(await page.locator('#matrix th[data-provider="sqlite"]').isVisible()).toBe(false);
    expect(await page.locator('#matrix td.cell[data-provider="sqlite"]:visible').count()).toBe(0);
    await page.check('#provider-filter input[value="sqlite"]');
    expect(await page.locator('#matrix th[data-provider="sqlite"]').isVisible()).toBe(true);
  });

  it('shows a cell\'s error text as text, never as markup', async () => {
    await page.click('#matrix tr.case[data-case="crud.delete"] td.cell[data-provider="sqlite"]');
    const detail = await page.locator('#detail').innerText();
    expect(detail).toContain('crud.delete on sqlite');
    expect(detail).toContain('<img src=x onerror="window.__xss=1"> "quoted" \'single\' & \\uD800 lone');
    expect(await page.locator('#detail img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('#matrix tr.case[data-case="crud.delete"] td.cell[data-provider="sqlite"]').getAttribute('title')).toBe(`FAIL: ${HOSTILE.replace('\ud800', '\\uD800')}`);
  });

  it('shows the seed, path and counterexample of a failed property, and how to replay it', async () => {
    await page.click('#matrix tr.case[data-case="pagination.property.walk"] td.cell[data-provider="sqlite"]');
    const detail = await page.locator('#detail').innerText();
    expect(detail).toContain('1234567 (3 runs)');
    expect(detail).toContain('2:1:0');
    expect(detail).toContain('[["a/</script>","b"]]');
    const seed = parity.providers.find((p) => p.id === 'sqlite')!.seed;
    expect(detail).toContain(`node cli/kvparity.mjs run --provider=sqlite --case='pagination.property.walk' --seed=${seed} --runs=5`);
  });

  it('links a known divergence from its cell', async () => {
    const known = parity.cases.find((c) => c.providers.sqlite?.divergence && /^https?:/.test(c.providers.sqlite.divergence.link));
    expect(known, 'the sqlite run records at least one known divergence').toBeDefined();
    await page.click(`#matrix tr.case[data-case="${known!.id}"] td.cell[data-provider="sqlite"]`);
    await expect(page.locator('#detail a').getAttribute('href')).resolves.toBe(known!.providers.sqlite.divergence!.link);
  });

  it('writes a screenshot', async () => {
    await page.check('#only-divergent');
    await page.click('#matrix tr.case[data-case="crud.delete"] td.cell[data-provider="sqlite"]');
    const path = process.env.KVPARITY_SCREENSHOT ?? join(tmp, 'parity.png');
    await page.screenshot({ path, fullPage: false });
    expect(statSync(path).size).toBeGreaterThan(20_000);
    await page.uncheck('#only-divergent');
  });
});
