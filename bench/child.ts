/**
 * One provider's measurement, in a process of its own (cli/bench.ts starts it, compiled as the kit runs):
 * node dist/bench/child.js <provider> <ops> <result.json> <options as JSON>
 */
import { writeFileSync } from 'node:fs';
import { loadProvider } from '../providers/registry.ts';
import { measureProvider } from './measure.ts';

const [spec, ops, resultFile, options] = process.argv.slice(2);
const { definition } = await loadProvider(spec);
const result = await measureProvider(definition, Number(ops), (line) => process.stderr.write(`${definition.id}:${line}\n`), JSON.parse(options ?? '{}'));
writeFileSync(resultFile, JSON.stringify(result, null, 2) + '\n');
// Exit now: the exit hook stops anything still tracked.
process.exit(0);
