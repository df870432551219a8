/**
 * Netlify Blobs as Netlify's own tooling runs it locally: BlobsServer (files in the run's
 * directory) and the @netlify/blobs client, in a child Node process (host.js), spoken to over
 * the bridge protocol. Nothing in Netlify Blobs depends on time, so there is no clock.
 */
import { fileURLToPath } from 'node:url';
import type { Availability, KvInstance } from '../../api/index.ts';
import { BridgeClient, bridgedOps } from '../bridge/client.ts';
import { startNodeHost } from '../bridge/node-process.ts';
import { missingPackage } from '../optional.ts';
import { storeDir } from '../process.ts';

/** The host's process name. */
export const NETLIFY_BLOBS_PROCESS = 'netlify-blobs';
const HOST = fileURLToPath(new URL('./host.js', import.meta.url));

export async function netlifyBlobsAvailability(): Promise<Availability> {
  return missingPackage('@netlify/blobs', 'the netlify-blobs provider') ?? { available: true };
}

export interface NetlifyBlobsOptions {
  tmpDir: string;
  /** The bridge then requires `authorization: Bearer <token>`. */
  token?: string;
  signal?: AbortSignal;
}

/** The running instance, and the bridge URL of its host. */
export interface NetlifyBlobs extends KvInstance {
  url: string;
}

export async function startNetlifyBlobs(options: NetlifyBlobsOptions): Promise<NetlifyBlobs> {
  const directory = storeDir(options.tmpDir, 'blobs');
  const host = await startNodeHost({
    name: 'netlify-blobs host',
    title: NETLIFY_BLOBS_PROCESS,
    script: HOST,
    args: [directory],
    cwd: options.tmpDir,
    // The client reads NODE_ENV when it is imported: "test" makes its five retries of a 5xx 1 ms apart instead of 5 s.
    env: { NODE_ENV: 'test', KVPARITY_TOKEN: options.token ?? '' },
    signal: options.signal,
  });
  const client = new BridgeClient({ baseUrl: host.url, token: options.token });
  const { runtime } = await client.health();
  return {
    url: host.url,
    runtime: { name: runtime.name, version: runtime.version, detail: `${directory} via ${host.url}` },
    ...bridgedOps(client),
    alive: async () => host.alive(),
    stop: () => host.stop(),
  };
}
