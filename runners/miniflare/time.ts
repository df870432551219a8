/**
 * The ONLY module that touches Miniflare internals (all `_`-prefixed and
 * undocumented; verified on miniflare 4.20260426.0, in workers-sdk's
 * packages/miniflare/src/index.ts and its KV namespace object):
 *
 *   _enableControlEndpoints()          module flag; must run before `new Miniflare()`
 *   mf._getInternalDurableObjectNamespace('kv', 'kv:ns', 'KVNamespaceObject')
 *   stub.fetch(url, { cf: { miniflare: { name, controlOp: { name: op, args } } } })
 *     ops: enableFakeTimers(ms), advanceFakeTime(ms), now()  -> the object's `Timers`
 *          sqlQuery(sql, ...params)                           -> the object's SQLite (`_mf_entries`)
 *
 * Two measured facts shape how runners/miniflare/store.ts uses this:
 *  - ANY control op sets the KV object's `beingTested` flag, which lowers the
 *    put value limit from 25 MiB to 1024 bytes ("Value length of 1025 exceeds
 *    limit of 1024."). Only a fresh object (a workerd restart) clears it.
 *  - workerd evicts the KV object after ~10 s without requests; the new object
 *    has real time again (and no `beingTested`). So fake time must be re-asserted.
 *
 * If a Miniflare release changes any of this, calls throw MiniflareInternalsError
 * naming the API that broke.
 */
import type { Miniflare } from 'miniflare';

export class MiniflareInternalsError extends Error {
  constructor(api: string, problem: string, cause?: unknown) {
    super(
      `Miniflare internal API changed: ${api} ${problem}. ` +
        `kvparity's fake clock (runners/miniflare/time.ts) was written for miniflare 4.20260426.0; pin that version or update time.ts.`,
      { cause },
    );
    this.name = 'MiniflareInternalsError';
  }
}

/**
 * Must run before `new Miniflare()`: the control binding is only wired into objects configured after it.
 * Takes the imported "miniflare" module, so importing this file never loads Miniflare itself.
 */
export function enableControlEndpoints(miniflareModule: object): void {
  const enable = (miniflareModule as Record<string, unknown>)._enableControlEndpoints;
  if (typeof enable !== 'function') throw new MiniflareInternalsError('_enableControlEndpoints()', 'is no longer exported by "miniflare"');
  enable();
}

interface Stub {
  fetch(url: string, init: unknown): Promise<{ ok: boolean; status: number; text(): Promise<string> }>;
}

const NS_API = "Miniflare#_getInternalDurableObjectNamespace('kv', 'kv:ns', 'KVNamespaceObject')";

/** Control ops on the KV namespace object behind binding id `namespaceId` (for `kvNamespaces: ['KV']`, "KV"). */
export class KvObjectControl {
  private stub?: Promise<Stub>;

  constructor(
    private readonly mf: () => Miniflare,
    private readonly namespaceId: string,
  ) {}

  /** Forget the stub: required after Miniflare#setOptions() (stubs are poisoned by a restart). */
  reset(): void {
    this.stub = undefined;
  }

  async now(): Promise<number> {
    const value = await this.op('now');
    if (typeof value !== 'number') throw new MiniflareInternalsError('control op "now" (Timers#now)', `returned ${JSON.stringify(value)}, not a number`);
    return value;
  }

  /** Freezes the object's clock at `ms` and checks it took effect. */
  async setFakeTime(ms: number): Promise<void> {
    await this.op('enableFakeTimers', ms);
    const seen = await this.now();
    if (seen !== ms) throw new MiniflareInternalsError('control op "enableFakeTimers"', `did not take effect (now() is ${seen}, expected ${ms})`);
  }

  async advanceFakeTime(ms: number, expectedAfter: number): Promise<void> {
    await this.op('advanceFakeTime', ms);
    const seen = await this.now();
    if (seen !== expectedAfter) throw new MiniflareInternalsError('control op "advanceFakeTime"', `did not take effect (now() is ${seen}, expected ${expectedAfter})`);
  }

  /** Runs SQL on the object's entry table (`_mf_entries(key, blob_id, expiration ms, metadata)`). */
  async sql(query: string, ...params: number[]): Promise<unknown[]> {
    const rows = await this.op('sqlQuery', query, ...params);
    if (!Array.isArray(rows)) throw new MiniflareInternalsError('control op "sqlQuery"', `returned ${JSON.stringify(rows)?.slice(0, 200)}, not rows`);
    return rows;
  }

  private getStub(): Promise<Stub> {
    this.stub ??= (async () => {
      const mf = this.mf() as unknown as Record<string, unknown>;
      const getNamespace = mf._getInternalDurableObjectNamespace;
      if (typeof getNamespace !== 'function') throw new MiniflareInternalsError(NS_API, 'does not exist');
      try {
        const ns = (await getNamespace.call(mf, 'kv', 'kv:ns', 'KVNamespaceObject')) as { idFromName(n: string): unknown; get(id: unknown): Stub };
        return ns.get(ns.idFromName(this.namespaceId));
      } catch (error) {
        throw new MiniflareInternalsError(NS_API, `failed: ${(error as Error).message}`, error);
      }
    })();
    this.stub.catch(() => (this.stub = undefined));
    return this.stub;
  }

  private async op(name: string, ...args: unknown[]): Promise<unknown> {
    const stub = await this.getStub();
    const api = `KV object control op "${name}" (cf.miniflare.controlOp)`;
    let response;
    try {
      response = await stub.fetch('http://kvparity.internal/', {
        cf: { miniflare: { name: this.namespaceId, controlOp: { name, args } } },
      });
    } catch (error) {
      throw new MiniflareInternalsError(api, `failed: ${(error as Error).message}`, error);
    }
    const text = await response.text();
    if (!response.ok) throw new MiniflareInternalsError(api, `answered ${response.status}: ${text.slice(0, 300)}`);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new MiniflareInternalsError(api, `answered non-JSON: ${text.slice(0, 300)}`, error);
    }
  }
}
