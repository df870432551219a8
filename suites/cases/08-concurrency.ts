/**
 * Concurrency: many callers at once through the client. Writes to distinct keys
 * must all persist and no read may see a torn value; lost updates under
 * read_modify_write (documented as not atomic) are measured, not asserted.
 */
import { add } from '../../contract/handle.ts';
import { defineCases } from '../case.ts';
import { equal, must, ok } from '../expect.ts';
import { isKvError } from '../../contract/errors.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
/** As many as EdgeZero's axum concurrent_writes_dont_panic: a store that drops writes past some number in flight shows it. */
const WRITERS = 100;
const numbered = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

export default defineCases('concurrency', [
  {
    id: 'concurrency.distinct-writers',
    check: 'contract',
    title: `${WRITERS} concurrent writers to distinct keys all persist`,
    ref: 'contract §5 "100 OS-thread writers to distinct keys all persist" (EdgeZero axum concurrent_writes_dont_panic)',
    async run({ handle, key, keys: alphabet }) {
      const keys = alphabet.fit(numbered(WRITERS, 'key:')).map(key);
      await Promise.all(keys.map((k) => must(`put_bytes(${k})`, () => handle.putBytes(k, bytes(k)))));
      // Read back one by one: how a walk lists them is pagination's rule.
      for (const k of keys) equal(await handle.getBytes(k), bytes(k), `get_bytes(${k})`);
    },
  },
  {
    id: 'concurrency.distinct-counters',
    check: 'contract',
    title: `${WRITERS} concurrent read_modify_write calls on distinct keys each count to 1`,
    ref: 'contract §1.2 read_modify_write',
    async run({ handle, key, keys: alphabet }) {
      const keys = alphabet.fit(numbered(WRITERS, 'counter:')).map(key);
      const results = await Promise.all(keys.map((k) => must('read_modify_write', () => handle.readModifyWrite(k, 0, add(1)))));
      equal(results, keys.map(() => 1), 'values returned by read_modify_write');
      for (const k of keys) equal(await handle.get(k), 1, `counter ${k}`);
    },
  },
  {
    id: 'concurrency.same-key.one-winner',
    check: 'contract',
    title: '20 concurrent puts to one key leave exactly one of the written values',
    ref: 'contract §5 overwrite (last write wins)',
    async run({ handle, key }) {
      const values = Array.from({ length: 20 }, (_, i) => bytes(`writer-${i}-`.repeat(50)));
      await Promise.all(values.map((value) => must('put_bytes', () => handle.putBytes(key('k'), value))));
      const got = await handle.getBytes(key('k'));
      ok(got !== null, 'the key is missing after 20 concurrent puts');
      const winner = values.findIndex((value) => Buffer.compare(Buffer.from(value), Buffer.from(got)) === 0);
      ok(winner !== -1, 'the stored value is none of the values written (torn or mixed)', got);
    },
  },
  {
    id: 'concurrency.no-torn-reads',
    check: 'contract',
    title: 'reads during concurrent overwrites see one whole value or the other, never a mix',
    ref: 'contract §5 overwrite',
    async run({ handle, key }) {
      const a = new Uint8Array(64 * 1024).fill(0x61);
      const b = new Uint8Array(64 * 1024).fill(0x62);
      await must('put_bytes', () => handle.putBytes(key('k'), a));
      const writes = Array.from({ length: 20 }, (_, i) => must('put_bytes', () => handle.putBytes(key('k'), i % 2 ? a : b)));
      const reads = Array.from({ length: 20 }, () => handle.getBytes(key('k')));
      const [, seen] = await Promise.all([Promise.all(writes), Promise.all(reads)]);
      for (const value of seen) {
        ok(value !== null, 'a read during overwrites found no value');
        const whole = value.byteLength === a.byteLength && (value.every((byte) => byte === 0x61) || value.every((byte) => byte === 0x62));
        ok(whole, `a read during overwrites saw a torn value of ${value.byteLength} bytes`, value);
      }
    },
  },
  {
    id: 'concurrency.put-delete-race',
    check: 'contract',
    title: 'after concurrent puts and deletes on one key, get and exists agree',
    ref: 'contract §1.1 exists = get_bytes is_some',
    async run({ handle, key }) {
      // A delete may meet the key already deleted by another: whether that is fine is
      // crud.delete.missing's rule, so a delete refused here is not this case's failure.
      const deleteAnyway = () => handle.delete(key('k')).catch((error: unknown) => {
        if (!isKvError(error) || error.kind === 'Unavailable') throw error;
      });
      const calls = Array.from({ length: 20 }, (_, i) => (i % 2 ? deleteAnyway() : must('put_bytes', () => handle.putBytes(key('k'), bytes(`v${i}`)))));
      await Promise.all(calls);
      const value = await handle.getBytes(key('k'));
      equal(await handle.exists(key('k')), value !== null, 'exists agrees with get_bytes');
    },
  },
  {
    id: 'concurrency.rmw.lost-updates',
    check: 'probe',
    title: 'how many of 20 concurrent read_modify_write increments on one key are lost (not atomic, by design)',
    ref: 'contract §1.2 "read_modify_write ... not atomic ... Concurrent calls on the same key may cause lost writes"',
    async run({ handle, key }) {
      const increments = 20;
      await must('put', () => handle.put(key('counter'), 0));
      await Promise.all(Array.from({ length: increments }, () => must('read_modify_write', () => handle.readModifyWrite(key('counter'), 0, add(1)))));
      const final = await handle.get<number>(key('counter'));
      ok(typeof final === 'number' && Number.isInteger(final) && final >= 1 && final <= increments, `the counter holds ${JSON.stringify(final)}, not a count from 1 to ${increments}`, final);
      return { increments, final, lostUpdates: increments - final };
    },
  },
]);
