/**
 * Runtimes started once per `kvparity test` and shared by the kit's tests: they reach them over
 * HTTP, each test in a key namespace of its own, so a run starts Viceroy and workerd once wherever
 * a test does not need a runtime of its own (tests that kill, hang, stop or re-configure one start
 * their own). The conformance run, beside the tests, starts its own.
 *
 * One process owns the pool (the CLI's, or vitest's global setup when vitest runs alone) and starts
 * each runtime on first demand; other processes ask it over loopback (`GET /bridge/<provider id>`)
 * for the bridge's URL and token. Shared bridges are started with a token, like deployed ones.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { KvInstance } from '../api/index.ts';
import { loadProvider } from '../providers/registry.ts';
import { tempDir } from '../runners/process.ts';

/** Where other processes find the pool (set by `kvparity test` for the vitest it runs). */
export const POOL_ENV = 'KVPARITY_POOL';

export interface SharedBridge {
  id: string;
  url: string;
  token: string;
  runtime: { name: string; version: string };
}

interface Entry {
  instance: KvInstance;
  bridge: SharedBridge;
}

export class RuntimePool {
  private readonly entries = new Map<string, Promise<Entry>>();
  private readonly abort = new AbortController();
  private server?: Server;

  /** `options`: what the run's providers are started with (a token is added where none is given). */
  constructor(
    private readonly options: Readonly<Record<string, string>> = {},
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** The shared bridge of a provider, started on first demand. */
  async bridge(id: string): Promise<SharedBridge> {
    return (await this.entry(id)).bridge;
  }

  /** Serves `GET /bridge/<id>` on loopback for other processes; returns the pool's URL. */
  async serve(): Promise<string> {
    this.server = createServer((request, response) => {
      const id = /^\/bridge\/([a-z0-9-]+)$/.exec(request.url ?? '')?.[1];
      const answer = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (request.method !== 'GET' || !id) return void answer(404, { error: `no such endpoint: ${request.method} ${request.url}` });
      this.bridge(id).then(
        (bridge) => answer(200, bridge),
        (error: Error) => answer(503, { error: `the shared ${id} runtime did not start: ${error.message}` }),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    const entries = await Promise.all([...this.entries.values()].map((pending) => pending.catch(() => undefined)));
    this.entries.clear();
    await Promise.all(entries.map((entry) => entry?.instance.stop().catch(() => {})));
  }

  private entry(id: string): Promise<Entry> {
    let pending = this.entries.get(id);
    if (!pending) {
      pending = this.start(id);
      this.entries.set(id, pending);
    }
    return pending;
  }

  private async start(id: string): Promise<Entry> {
    const { definition } = await loadProvider(id);
    const token = this.options.token || randomBytes(24).toString('hex');
    this.log(`shared runtime: starting ${id} for the kit's tests and the conformance run`);
    const instance = await definition.start({
      tmpDir: tempDir(`pool-${id}`),
      log: (line) => this.log(`  ${id}: ${line}`),
      options: { ...this.options, token },
      signal: this.abort.signal,
    });
    const url = (instance as { bridge?: { url?: unknown } }).bridge?.url;
    if (typeof url !== 'string') {
      await instance.stop().catch(() => {});
      throw new Error(`provider ${id} has no bridge to share (its instance carries no bridge.url)`);
    }
    return { instance, bridge: { id, url, token, runtime: { name: instance.runtime.name, version: instance.runtime.version } } };
  }
}

/** From any process: the shared bridge of provider `id`, from the pool at `poolUrl`. */
export async function sharedBridge(poolUrl: string, id: string): Promise<SharedBridge> {
  let response: Response;
  for (;;) {
    try {
      response = await fetch(`${poolUrl}/bridge/${id}`);
      break;
    } catch (error) {
      // fetch gives up waiting for an answer after 300 s, and a first start that builds its runtime
      // (Viceroy) takes longer: ask again; the pool answers from the same start.
      if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_HEADERS_TIMEOUT') throw error;
    }
  }
  const body = (await response.json()) as SharedBridge & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `the runtime pool answered ${response.status}`);
  return body;
}
