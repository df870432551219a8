/**
 * Model-based testing: fast-check command sequences run against the provider
 * and the reference model side by side, shrunk to a minimal failing sequence.
 */
import fc from 'fast-check';
import type { Clock } from '../../api/index.ts';
import { defineCases, type CaseContext } from '../case.ts';
import { KvModel } from '../../contract/model.ts';
import { checkProperty } from '../property.ts';
import { KEY_POOL, RealSystem, audit, kvCommands } from '../arbitraries/commands.ts';

/** With a clock, TTL puts and clock steps are among the commands. */
async function modelRun(context: CaseContext, options: { clock?: Clock; maxCommands: number; presentOnlyDeletes?: boolean }): Promise<void> {
  let run = 0;
  // The names the store takes: a restricted key alphabet is the keys cases' finding, not the model's.
  const pool = context.keys.only(KEY_POOL);
  await checkProperty(
    context,
    fc.asyncProperty(kvCommands({ ...options, pool, replayPath: context.replay?.commandsPath }), async (commands) => {
      const model = new KvModel();
      const real = new RealSystem(context.kv, context.handle, context.key(`m${(run++).toString(36)}/`), pool);
      await fc.asyncModelRun(() => ({ model, real }), commands);
      await audit(model, real);
    }),
    { numRuns: Math.min(context.runs, 25) },
  );
}

export default defineCases('model', [
  {
    id: 'model.commands.basic',
    check: 'model',
    title: 'put, delete, get and list walks match the reference model',
    ref: 'contract §1.1, §3, §5; contract/model.ts',
    timeoutMs: 600_000,
    run: (context) => modelRun(context, { maxCommands: 30 }),
  },
  {
    id: 'model.commands.ttl',
    check: 'model',
    title: 'with TTL puts and clock steps too, every observation matches the reference model',
    ref: 'contract §4; contract/model.ts',
    requires: ['ttl'],
    clock: 'required',
    timeoutMs: 600_000,
    run: (context) => modelRun(context, { clock: context.clock, maxCommands: 30 }),
  },
  {
    id: 'model.commands.present-key-deletes',
    check: 'model',
    title: 'sequences whose deletes only hit present keys (delete of a missing key has its own cases) match the model',
    ref: 'contract/model.ts; crud.delete-missing',
    requires: ['ttl'],
    clock: 'required',
    timeoutMs: 600_000,
    run: (context) => modelRun(context, { clock: context.clock, maxCommands: 30, presentOnlyDeletes: true }),
  },
  {
    id: 'model.commands.long',
    check: 'model',
    title: 'longer sequences (up to 100 commands) without TTL match the reference model',
    ref: 'contract/model.ts',
    timeoutMs: 600_000,
    async run(context) {
      await modelRun({ ...context, runs: Math.max(1, Math.floor(context.runs / 5)) }, { maxCommands: 100 });
    },
  },
]);
