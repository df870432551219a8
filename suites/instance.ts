/**
 * The instance every case gets: the provider's native operations, with `batch` always there, and
 * the contract handle over them: the kit's port of EdgeZero's KvHandle, or, where the provider
 * runs EdgeZero's own code, EdgeZero's KvHandle itself.
 */
import { isNativeError, type KvInstance, type NativeOp, type NativeOpResult } from '../api/index.ts';
import { KvHandle, type ContractHandle } from '../contract/handle.ts';
import { UpstreamKvHandle, type PortDisagreement } from '../contract/upstream-handle.ts';

export type NativeKv = Pick<KvInstance, 'get' | 'put' | 'delete' | 'list'>;

export interface CaseInstance extends NativeKv {
  /** The provider's own batch, or one op after another when it has none (filled in once, here). */
  batch(ops: NativeOp[]): Promise<NativeOpResult[]>;
  /**
   * The contract handle over this instance. With `spy`, every call it makes to the store is
   * recorded in `spy.calls` (a refused input must leave it empty).
   */
  handle(spy?: { calls: string[] }): ContractHandle;
}

/** `onDisagreement`: where EdgeZero's own handle answers otherwise than the port (upstream-handle.ts). */
export function caseInstance(kv: KvInstance, onDisagreement: (disagreement: PortDisagreement) => void = () => {}): CaseInstance {
  const native = withPortHandle({
    get: (key) => kv.get(key),
    put: (key, value, options) => kv.put(key, value, options),
    delete: (key) => kv.delete(key),
    list: (options) => kv.list(options),
    batch: kv.batch ? (ops) => kv.batch!(ops) : (ops) => oneByOne(kv, ops),
  });
  const transport = kv.kvHandle;
  return transport ? { ...native, handle: (spy) => new UpstreamKvHandle(transport, { spy, onDisagreement }) } : native;
}

/** Native operations with the kit's port of KvHandle over them (a spy records the native calls it makes). */
export function withPortHandle(ops: Omit<CaseInstance, 'handle'>): CaseInstance {
  const instance: CaseInstance = { ...ops, handle: (spy) => new KvHandle(spy ? recorded(instance, spy.calls) : instance) };
  return instance;
}

/** Native operations that record each call by name. */
function recorded(kv: NativeKv, calls: string[]): NativeKv {
  const record =
    <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
    (...args: A) => {
      calls.push(name);
      return call(...args);
    };
  return {
    get: record('get', (key: string) => kv.get(key)),
    put: record('put', (key: string, value: Uint8Array, options?: Parameters<KvInstance['put']>[2]) => kv.put(key, value, options)),
    delete: record('delete', (key: string) => kv.delete(key)),
    list: record('list', (options: Parameters<KvInstance['list']>[0]) => kv.list(options)),
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
