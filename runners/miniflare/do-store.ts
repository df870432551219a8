/**
 * The Cloudflare Durable Object storage KvInstance: the Durable Object bridge
 * (do-bridge.worker.js) on Miniflare's workerd (runtime.ts), spoken to through the shared
 * BridgeClient. Durable Object storage has no expiry, so there is no clock to control.
 */
import type { KvInstance } from '../../api/index.ts';
import { BridgeClient, bridgedOps } from '../bridge/client.ts';
import { startMiniflareBridge, type MiniflareBridge } from './runtime.ts';

export interface CloudflareDoOptions {
  persistDir: string;
  token?: string;
  signal?: AbortSignal;
}

export interface CloudflareDo extends KvInstance {
  bridge: MiniflareBridge;
}

export async function startCloudflareDo(options: CloudflareDoOptions): Promise<CloudflareDo> {
  const bridge = await startMiniflareBridge({ storage: 'durable-object', persistDir: options.persistDir, token: options.token, signal: options.signal });
  const client = new BridgeClient({ baseUrl: bridge.url, token: options.token, runtimeOutput: bridge.outputLog });
  return {
    bridge,
    runtime: { name: 'workerd', version: bridge.info.version, detail: `${bridge.url} (Miniflare ${bridge.info.miniflareVersion}, SQLite-backed Durable Object)` },
    ...bridgedOps(client),
    stop: () => bridge.stop(),
  };
}
