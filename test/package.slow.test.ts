/**
 * What the package ships, as `npm pack` lists it (no list kept here): compiled JavaScript that
 * needs no TypeScript loader, every file a runner reads at its path, the entry points package.json
 * names, release notes for its version, and Markdown whose links all resolve: a relative link to a
 * file in the tarball, a link to the repository at this version's tag to a file of the repository.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CODE_FOLDERS } from '../scripts/build.mjs';
import { releaseNotes, repositoryUrl, tagLinks } from '../scripts/release.mjs';

const root = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
let shipped: Set<string>;

beforeAll(() => {
  // prepack runs: dist/ is brought up to date first, as on a real `npm pack` or `npm publish`.
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 })) as Array<{ files: Array<{ path: string }> }>;
  shipped = new Set(pack.files.map((file) => file.path));
}, 300_000);

/** Markdown links and images: [text](target), the target without its #anchor. */
const linksIn = (text: string) => [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]);

describe('the package', () => {
  it('ships compiled JavaScript: no TypeScript source, and no module that imports one', () => {
    const typescript = [...shipped].filter((path) => /\.[cm]?ts$/.test(path) && !path.endsWith('.d.ts'));
    expect(typescript).toEqual([]);
    for (const path of [...shipped].filter((path) => /\.[cm]?js$/.test(path))) {
      const text = readFileSync(join(root, path), 'utf8');
      expect(text, `${path} imports a .ts file`).not.toMatch(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"][^'"]+\.[cm]?ts['"]/);
    }
  });

  it('ships, compiled or as it is, every file of the code folders it ships (a runner reads them at their path)', () => {
    const folders = CODE_FOLDERS.filter((folder) => [...shipped].some((path) => path.startsWith(`dist/${folder}/`)));
    expect(folders).toEqual(expect.arrayContaining(['api', 'cli', 'contract', 'providers', 'reports', 'results', 'runners', 'suites']));
    for (const file of tracked.filter((path) => folders.includes(path.split('/')[0]))) {
      const packed = /\.ts$/.test(file) ? `dist/${file.replace(/\.ts$/, '.js')}` : `dist/${file}`;
      if (/^cli\/(bench|smoke)\./.test(file)) continue; // the clone's own tools, not the package's
      expect(shipped.has(packed), `${file} ships as ${packed}`).toBe(true);
    }
    for (const tool of ['bench', 'demo', 'smoke']) expect([...shipped].some((path) => path.startsWith(`dist/${tool}/`)), `dist/${tool}/ stays in the clone`).toBe(false);
  });

  it('holds what package.json names: the command, the exports with their types, the license', () => {
    const targets = [manifest.bin.kvparity, manifest.main, manifest.types, ...JSON.stringify(manifest.exports).match(/\.\/[^"]+/g)!];
    for (const target of targets) expect(shipped.has(normalize(target)), `${target} is in the tarball`).toBe(true);
    expect(readFileSync(join(root, manifest.bin.kvparity), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(shipped.has('LICENSE')).toBe(true);
    expect(manifest.private).toBeUndefined();
    expect(repositoryUrl(manifest)).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+$/);
    // The kit's own code needs no loader: TypeScript and tsx are only what a user's TypeScript provider may need.
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    expect(manifest.peerDependenciesMeta.tsx).toEqual({ optional: true });
  });

  it('has release notes for its version in CHANGELOG.md', () => {
    expect(shipped.has('CHANGELOG.md')).toBe(true);
    expect(releaseNotes(manifest.version)?.length).toBeGreaterThan(0);
  });

  it('links, from every Markdown file it ships, only to files it ships or to the repository at this version', () => {
    const markdown = [...shipped].filter((path) => path.endsWith('.md'));
    expect(markdown).toEqual(expect.arrayContaining(['README.md', 'docs/adding-a-provider.md', 'CHANGELOG.md']));
    const repository = repositoryUrl(manifest);
    let checked = 0;
    for (const file of markdown) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const link of linksIn(text)) {
        if (/^[a-z][a-z+.-]*:/i.test(link) || link.startsWith('#')) continue;
        const target = normalize(join(dirname(file), link.split('#')[0]));
        expect(shipped.has(target), `${file} links to ${link}, which is not in the package`).toBe(true);
        checked++;
      }
      for (const [link, , version, path] of text.matchAll(tagLinks(repository))) {
        expect(version, `${file}: ${link} is at the tag of this version, v${manifest.version}`).toBe(manifest.version);
        expect(tracked.some((known) => known === path || known.startsWith(`${path.replace(/\/$/, '')}/`)), `${file}: ${link} names a file of the repository`).toBe(true);
        checked++;
      }
      for (const [link] of text.matchAll(new RegExp(`${repository.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/(?:blob|tree)/(?!v\\d)[^)\\s]*`, 'g'))) {
        expect.fail(`${file}: ${link} links to a branch of the repository, not to this version's tag`);
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});
