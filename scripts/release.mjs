#!/usr/bin/env node
// The release's two texts, from the one home of each:
//   node scripts/release.mjs notes <version>   CHANGELOG.md's section of that version (the GitHub release's notes)
//   node scripts/release.mjs preversion        npm's "preversion" hook: refuses a bump while CHANGELOG.md's
//                                              "Unreleased" section is empty (before package.json changes)
//   node scripts/release.mjs version           npm's "version" hook (npm version <new>): CHANGELOG.md's
//                                              "Unreleased" section becomes the new version's, and every
//                                              link to the repository at a release's tag in the Markdown
//                                              (CHANGELOG.md's history aside) moves to the new tag, so the
//                                              package links to its own sources
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHANGELOG = join(ROOT, 'CHANGELOG.md');
const UNRELEASED = '## Unreleased';

/** The manifest's repository on GitHub, as https://github.com/<owner>/<name>. */
export function repositoryUrl(manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))) {
  const url = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  const match = /github\.com[/:]([^/]+)\/([^/.]+?)(?:\.git)?$/.exec(url ?? '');
  if (!match) throw new Error(`package.json's repository is not a GitHub repository: ${url}`);
  return `https://github.com/${match[1]}/${match[2]}`;
}

/**
 * Links to a file or folder of the repository at a release's tag: `<repository>/blob/v1.2.3/<path>`.
 * @returns {RegExp}
 */
export const tagLinks = (repository = repositoryUrl()) => new RegExp(`${repository.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/(blob|tree)/v(\\d+\\.\\d+\\.\\d+[^/]*)/([^)#\\s"'>]*)`, 'g');

/**
 * CHANGELOG.md's section of `version`: the lines under `## <version>` up to the next `## `.
 * @param {string} version
 * @param {string} [text]
 */
export function releaseNotes(version, text = readFileSync(CHANGELOG, 'utf8')) {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line === `## ${version}` || line.startsWith(`## ${version} `));
  if (start < 0) return undefined;
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n').trim();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command, version] = process.argv.slice(2);
  if (command === 'notes' && version) {
    const notes = releaseNotes(version);
    if (!notes) {
      process.stderr.write(`release: CHANGELOG.md has no section "## ${version}" with notes\n`);
      process.exit(1);
    }
    process.stdout.write(notes + '\n');
  } else if (command === 'preversion') {
    if (!releaseNotes('Unreleased')) {
      process.stderr.write(`release: CHANGELOG.md's "${UNRELEASED}" section is empty: write what the new version changes there first\n`);
      process.exit(1);
    }
  } else if (command === 'version') {
    // npm runs this after setting the new version in package.json, before it commits and tags.
    const { version: next } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const changelog = readFileSync(CHANGELOG, 'utf8');
    if (!changelog.includes(`\n${UNRELEASED}\n`)) throw new Error(`CHANGELOG.md has no "${UNRELEASED}" section to release as ${next}`);
    writeFileSync(CHANGELOG, changelog.replace(`\n${UNRELEASED}\n`, `\n${UNRELEASED}\n\n## ${next} — ${new Date().toISOString().slice(0, 10)}\n`));
    const markdown = execFileSync('git', ['ls-files', '*.md'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((file) => file && file !== 'CHANGELOG.md');
    for (const file of markdown) {
      const path = join(ROOT, file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(tagLinks(), (_, kind, _old, rest) => `${repositoryUrl()}/${kind}/v${next}/${rest}`));
    }
  } else {
    process.stderr.write('usage: node scripts/release.mjs notes <version> | preversion | version\n');
    process.exit(2);
  }
}
