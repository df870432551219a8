/** The instance every case gets: the provider's native operations, with `batch` always there. */
import { isNativeError, type KvInstance, type NativeOp, type NativeOpResult } from '../api/index.ts';

export type NativeKv = Pick<KvInstance, 'get' | 'put' | 'delete' | 'list'>;

export interface CaseInstance extends NativeKv {
  /** The provider's own batch, or one op after another when it has none (filled in once, here). */
  batch(ops: NativeOp[]): Promise<NativeOpResult[]>;
}

export function caseInstance(kv: KvInstance): CaseInstance {
  return {
    get: (key) => kv.get(key),
    put: (key, value, options) => kv.put(key, value, options),
    delete: (key) => kv.delete(key),
    list: (options) => kv.list(options),
    batch: kv.batch ? (ops) => kv.batch!(ops) : (ops) => oneByOne(kv, ops),
  };
}

/** A batch for a provider without one: each op in order; a platform error is that op's result, as in a real batch. */
async function oneByOne(kv: NativeKv, ops: NativeOp[]): Promise<NativeOpResult[]> {
  const results: NativeOpResult[] = [];
  for (const op of ops) {
    try {
      if (op.op === 'get') results.push({ ok: true, entry: await kv.get(op.key) });
      else if (op.op === 'put') results.push((await kv.put(op.key, op.value, op.options), { ok: true }));
      else if (op.op === 'delete') results.push((await kv.delete(op.key), { ok: true }));
      else results.push({ ok: true, page: await kv.list(op.options) });
    } catch (error) {
      if (!isNativeError(error)) throw error;
      results.push({ ok: false, error });
    }
  }
  return results;
}
