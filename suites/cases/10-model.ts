/**
 * Model-based testing: fast-check command sequences run against the provider
 * and the reference model side by side, shrunk to a minimal failing sequence.
 */
import fc from 'fast-check';
import type { Clock } from '../../api/index.ts';
import { defineCases, CaseFailure, type CaseContext } from '../case.ts';
import { KvModel } from '../../contract/model.ts';
import { checkProperty } from '../property.ts';
import { KEY_POOL, Advance, RealSystem, audit, kvCommands } from '../arbitraries/commands.ts';
import type { RealTime } from '../real-time.ts';

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

/**
 * The same sequences in real time (--real-time, no clock): each on its own timeline and key
 * prefix, all started together, each cut where its clock steps would pass the phase's end. Not
 * shrunk (every step of a shrink would wait again): a failure gives its sequence as it ran.
 */
async function modelRunInRealTime(context: CaseContext, realTime: RealTime, options: { maxCommands: number; presentOnlyDeletes?: boolean }): Promise<void> {
  const runs = Math.min(context.runs, 25);
  // What is left once every put is a second past its TTL: a sequence's steps add up to no more.
  const fitMs = realTime.remainingMs() - 3 * realTime.resolutionMs;
  const failures = await Promise.all(
    Array.from({ length: runs }, async (_, run) => {
      const timeline = realTime.timeline(context.kv);
      const seed = (context.seed + run) % 2 ** 31;
      const [sampled] = fc.sample(kvCommands({ ...options, clock: timeline.clock }), { seed, numRuns: 1 });
      let steps = 0;
      const commands = [...sampled].filter((command) => {
        const inner = (command as { cmd?: unknown }).cmd ?? command;
        if (inner instanceof Advance) steps += inner.seconds * 1000;
        return steps <= fitMs;
      });
      const model = new KvModel();
      const real = new RealSystem(timeline.kv, timeline.kv.handle(), context.key(`m${run.toString(36)}/`));
      try {
        await fc.asyncModelRun(() => ({ model, real }), commands);
        await audit(model, real);
        return undefined;
      } catch (error) {
        if (!(error instanceof CaseFailure)) throw error;
        return { run, seed, error, commands: error.details.commands ?? real.history };
      }
    }),
  );
  context.observe({ seed: context.seed, numRuns: runs, realTime: true });
  const failed = failures.find((f) => f !== undefined);
  if (!failed) return;
  throw new CaseFailure(`property failed in run ${failed.run + 1} of ${runs}, in real time (not shrunk: each step would wait again): ${failed.error.message}`, {
    observed: failed.error.details.observed,
    property: { seed: failed.seed, counterexample: `[${failed.commands.join(', ')}]`.slice(0, 4000), numRuns: runs },
  });
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
    clock: 'or-real-time',
    timeoutMs: 600_000,
    run: (context) => (context.clock ? modelRun(context, { clock: context.clock, maxCommands: 30 }) : modelRunInRealTime(context, context.realTime!, { maxCommands: 30 })),
  },
  {
    id: 'model.commands.present-key-deletes',
    check: 'model',
    title: 'sequences whose deletes only hit present keys (delete of a missing key has its own cases) match the model',
    ref: 'contract/model.ts; crud.delete-missing',
    requires: ['ttl'],
    clock: 'or-real-time',
    timeoutMs: 600_000,
    run: (context) =>
      context.clock
        ? modelRun(context, { clock: context.clock, maxCommands: 30, presentOnlyDeletes: true })
        : modelRunInRealTime(context, context.realTime!, { maxCommands: 30, presentOnlyDeletes: true }),
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
