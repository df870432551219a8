// The command line's bad input, as a user meets it: a clear error, exit 2, no stack trace, nothing
// started. Runs that do start something: cli.slow.test.ts.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinIds } from '../providers/registry.ts';
import { kvparityCli as kvparity } from './fixtures/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'kvparity-cli-test-'));

// Every malformed input tried here, and what the user must be told (issue: bad input gets a clear error).
const BAD_INPUTS: Array<[string[], RegExp]> = [
  [['run', '--provider=nope'], new RegExp(`unknown provider "nope". Known providers: ${builtinIds().join(', ')};`)],
  [['test', '--provider=nope', '--no-unit'], /unknown provider "nope"/],
  [['run', '--provder=sqlite'], /unknown option --provder/],
  [['run', '--provider'], /--provider needs a value/],
  [['run', '--seed=abc'], /--seed must be a whole number/],
  [['run', '--runs=0'], /--runs must be a whole number from 1/],
  [['run', '--category=nosuch'], /no case matches/],
  [['run', '-x'], /unknown option -x/],
  [['run', 'stray'], /unexpected argument "stray"/],
  [['frobnicate'], /unknown command "frobnicate"/],
  [['run', '--provider=./does-not-exist.ts'], /provider file not found/],
  [['run', '--config=./nope.json'], /config file not found/],
  [['run', '--provider=,'], /--provider=, names no provider/],
  [['run', '--timeout=0'], /--timeout must be a whole number from 1 to 3600/],
  [['run', '--jobs=0'], /--jobs must be a whole number from 1 to 64/],
  [['run', '--provider=memory', '--shard=4/3'], /--shard takes K\/N with 1 ≤ K ≤ N ≤ 1000 \(e\.g\. --shard=2\/3\), got "4\/3"/],
  [['run', '--provider=memory', '--shard=half'], /--shard takes K\/N/],
  [['run', '--provider=memory', '--case=crud.round-trip', '--shard=1/2'], /--shard=1\/2: 1 cases are selected, too few for 2 shards/],
  [['run', '--provider=memory', '--out=package.json'], /--out=.*package\.json cannot be used as a directory \(a file is in the way\)/],
  [['run', '--provider=memory', '--out=/proc/kvparity-nope'], /--out=\/proc\/kvparity-nope cannot be used as a directory/],
  [['bench', '--ops=5'], /--ops must be a whole number from 10 to 100000/],
  [['bench', '--provider=nope'], /unknown provider "nope"/],
  [['bench', '--provider=,'], /--provider=, names no provider/],
  [['bench', '--out=package.json'], /cannot be used as a directory \(a file is in the way\)/],
  [['bench', 'stray'], /unexpected argument "stray"/],
];

describe('bad input', () => {
  it.each(BAD_INPUTS)('%j → exit 2 with a clear message and no stack trace', (args, message) => {
    const { code, err } = kvparity(args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it.each([['--help'], ['run', '--help'], ['test', '-h'], ['report', '--help'], ['providers', '--help']])('%j → the usage on stdout, exit 0', (...args) => {
    const { code, out, err } = kvparity(args);
    expect([code, err]).toEqual([0, '']);
    // A command's own usage (test/outside-authors.slow.test.ts holds every command's).
    expect(out).toMatch(args[0] === '--help' ? /^Usage: kvparity <command> \[options\]/ : new RegExp(`^Usage: kvparity ${args[0]} `));
  });

  it('a provider file with the wrong shape names every field that is wrong', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.ts'), 'export default { id: "Bad Id", start: 1, capabilities: { ttl: "yes" } };\n');
    const { code, err } = kvparity(['run', `--provider=${join(dir, 'bad.ts')}`]);
    expect(code).toBe(2);
    expect(err).toMatch(/id must be a lower-case string/);
    expect(err).toMatch(/start must be a function/);
    expect(err).toMatch(/capabilities.ttl must be true or false/);
  });

  it('a config file with an unknown field or a non-array is refused with the reason', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.json'), '{"provider": []}');
    writeFileSync(join(dir, 'b.json'), '{"providers": "x.ts"}');
    writeFileSync(join(dir, 'c.json'), '{not json');
    expect(kvparity(['run', `--config=${join(dir, 'a.json')}`]).err).toMatch(/unknown field\(s\) provider/);
    expect(kvparity(['run', `--config=${join(dir, 'b.json')}`]).err).toMatch(/"providers" must be an array/);
    expect(kvparity(['run', `--config=${join(dir, 'c.json')}`]).err).toMatch(/not readable JSON/);
  });
});
