/**
 * `kvparity init`: scaffolds, in the project kvparity is installed in, a provider to fill in, the
 * config that names it, an empty known-divergences file and a GitHub Actions workflow. It writes
 * nothing over an existing file.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError, parseArgs } from './args.ts';

const PROVIDER_FILE = 'kvparity/provider.ts';
const DIVERGENCES_FILE = 'kvparity/known-divergences.json';
const template = (name: string) => readFileSync(new URL(`./init/${name}.template`, import.meta.url), 'utf8');

export async function initCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, { values: ['id'] });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const cwd = process.cwd();
  const projectName = readProjectName(cwd);
  const id = flags.id ?? idFrom(projectName ?? basename(cwd));
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) throw new UsageError(`--id=${id}: a provider id is lower-case letters, digits and "-", like "my-kv"`);
  const title = projectName ?? id;
  const fill = (text: string) => text.replaceAll('__ID__', id).replaceAll('__TITLE__', title).replaceAll('__FILE__', PROVIDER_FILE);

  const files: Array<{ path: string; content: string; what: string }> = [
    { path: 'kvparity.config.json', content: JSON.stringify({ providers: [`./${PROVIDER_FILE}`], divergences: [`./${DIVERGENCES_FILE}`] }, null, 2) + '\n', what: 'the provider and known divergences `kvparity test` uses' },
    { path: PROVIDER_FILE, content: fill(template('provider.ts')), what: `your provider "${id}": fill in the TODOs` },
    { path: DIVERGENCES_FILE, content: '[]\n', what: 'where the differences you accept go (kvparity divergences record)' },
    { path: '.github/workflows/kvparity.yml', content: fill(template('workflow.yml')), what: 'CI: the suites on Node 22 and 24, the report in the job summary' },
  ];
  const existing = files.filter((file) => existsSync(join(cwd, file.path))).map((file) => file.path);
  if (existing.length) throw new UsageError(`init writes nothing over existing files, and ${existing.join(', ')} ${existing.length === 1 ? 'exists' : 'exist'}: move ${existing.length === 1 ? 'it' : 'them'} away, or add what you need by hand (docs/adding-a-provider.md)`);

  for (const file of files) {
    mkdirSync(dirname(join(cwd, file.path)), { recursive: true });
    writeFileSync(join(cwd, file.path), file.content);
  }
  const width = Math.max(...files.map((file) => file.path.length));
  process.stdout.write(`kvparity init wrote:\n${files.map((file) => `  ${file.path.padEnd(width)}  ${file.what}`).join('\n')}\n\n`);
  process.stdout.write(`Next: fill in ${PROVIDER_FILE}, then run npx kvparity test. Results and reports go to reports/out/\n(worth a line in .gitignore).\n`);
  return 0;
}

function readProjectName(dir: string): string | undefined {
  try {
    const name = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' && name ? name : undefined;
  } catch {
    return undefined;
  }
}

/** A provider id from a package or directory name: "@acme/Deno KV" → "deno-kv". */
function idFrom(name: string): string {
  const id = name.replace(/^@[^/]+\//, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return id || 'my-kv';
}
