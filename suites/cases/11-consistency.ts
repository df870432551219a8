/**
 * Consistency: how soon a write is visible to the next read or list. Where the
 * provider claims strong consistency the change must be visible at once
 * (observed delay 0); where it does not (production edge stores), the delay is
 * measured by polling and reported, never asserted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCases, type CaseContext } from '../case.ts';
import { fail, keysUnder, must } from '../expect.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const POLL_MS = 100;
const GIVE_UP_MS = 10_000;

/**
 * Runs `change`, then `visible` until it holds. Strong providers get one look
 * (and FAIL if the change is not there); others are polled for up to 10 s.
 */
async function delayUntil(context: CaseContext, what: string, change: () => Promise<unknown>, visible: () => Promise<boolean>) {
  const strong = context.provider.capabilities.strongConsistency === true;
  await change();
  const started = performance.now();
  if (await visible()) return { strongConsistency: strong, delayMs: 0 };
  if (strong) fail(`${what}: not visible to the very next call, on a provider that declares strong consistency`);
  for (let polls = 1; performance.now() - started < GIVE_UP_MS; polls++) {
    await sleep(POLL_MS); // real waiting is the measurement here: an edge store converges on its own clock
    if (await visible()) return { strongConsistency: strong, delayMs: Math.round(performance.now() - started), polls };
  }
  return { strongConsistency: strong, delayMs: null, gaveUpAfterMs: GIVE_UP_MS };
}

export default defineCases('consistency', [
  {
    id: 'consistency.read-your-writes',
    check: 'probe',
    title: 'how soon a put is visible to get (0 ms where strong consistency is declared)',
    ref: 'contract §5 "Consistency"; platform-kv-behaviour §C0 "List consistency", §D2',
    async run(context) {
      const { handle, key } = context;
      return delayUntil(
        context,
        'read-your-writes',
        () => must('put_bytes', () => handle.putBytes(key('k'), bytes('v'))),
        async () => (await handle.getBytes(key('k'))) !== null,
      );
    },
  },
  {
    id: 'consistency.read-your-overwrites',
    check: 'probe',
    title: 'how soon an overwrite is visible to get',
    ref: 'contract §5 "Consistency"',
    async run(context) {
      const { handle, key } = context;
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('old')));
      return delayUntil(
        context,
        'read-your-overwrites',
        () => must('put_bytes', () => handle.putBytes(key('k'), bytes('new'))),
        async () => new TextDecoder().decode((await handle.getBytes(key('k'))) ?? new Uint8Array()) === 'new',
      );
    },
  },
  {
    id: 'consistency.read-your-deletes',
    check: 'probe',
    title: 'how soon a delete is visible to get',
    ref: 'contract §5 "Consistency"',
    async run(context) {
      const { handle, key } = context;
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('v')));
      return delayUntil(
        context,
        'read-your-deletes',
        () => must('delete', () => handle.delete(key('k'))),
        async () => (await handle.getBytes(key('k'))) === null,
      );
    },
  },
  {
    id: 'consistency.list-after-write',
    check: 'probe',
    title: 'how soon a put shows up in a list',
    ref: 'contract §3 "Consistency"; platform-kv-behaviour §C1 "List ... eventual (up to 60 s)"',
    async run(context) {
      const { handle, key, ns } = context;
      return delayUntil(
        context,
        'list-after-write',
        () => must('put_bytes', () => handle.putBytes(key('listed'), bytes('v'))),
        async () => (await keysUnder(handle, ns)).includes(key('listed')),
      );
    },
  },
  {
    id: 'consistency.list-after-delete',
    check: 'probe',
    title: 'how soon a delete drops a key from a list',
    ref: 'contract §3 "Consistency"',
    async run(context) {
      const { handle, key, ns } = context;
      await must('put_bytes', () => handle.putBytes(key('listed'), bytes('v')));
      return delayUntil(
        context,
        'list-after-delete',
        () => must('delete', () => handle.delete(key('listed'))),
        async () => !(await keysUnder(handle, ns)).includes(key('listed')),
      );
    },
  },
  {
    id: 'consistency.exists-after-write',
    check: 'probe',
    title: 'how soon a put is visible to exists',
    ref: 'contract §1.1 exists',
    async run(context) {
      const { handle, key } = context;
      return delayUntil(
        context,
        'exists-after-write',
        () => must('put_bytes', () => handle.putBytes(key('k'), bytes('v'))),
        () => handle.exists(key('k')),
      );
    },
  },
]);
