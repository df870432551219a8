import { BridgeClient, bridgedOps } from '../runners/bridge/client.ts';
import { PROTOCOL_VERSION } from '../runners/bridge/handler.js';
import { defineProvider, type ProviderKind } from '../api/index.ts';

const TOKEN_ENV = 'KVPARITY_TOKEN';

/**
 * Any deployed bridge that speaks the kit's protocol (runners/bridge/protocol.md):
 * `--provider=http --url=https://…`, token from $KVPARITY_TOKEN (or the variable named
 * by --token-env), never from a flag that would land in shell history or logs.
 */
export default defineProvider({
  id: 'http',
  title: 'Remote bridge over HTTP',
  kind: 'production',
  runtime: 'a deployed kvparity bridge (Worker or Compute app)',
  // No clock control from outside a platform, and production edge stores are eventually consistent.
  capabilities: { ttl: true, metadata: true, clock: false, durable: true, strongConsistency: false },
  docs: 'runners/bridge/protocol.md',
  async availability(options = {}) {
    if (!options.url) return { available: false, reason: 'no target URL given', enable: `kvparity run --provider=http --url=https://<your bridge> (token in $${TOKEN_ENV})` };
    try {
      new URL(options.url);
    } catch {
      return { available: false, reason: `--url is not a URL: ${options.url}`, enable: 'pass --url=https://<your bridge>' };
    }
    if (options.kind && options.kind !== 'production' && options.kind !== 'emulator') {
      return { available: false, reason: `--kind must be "production" or "emulator" (got "${options.kind}")`, enable: 'pass --kind=production or --kind=emulator' };
    }
    return { available: true };
  },
  async start({ options }) {
    const tokenEnv = options['token-env'] ?? TOKEN_ENV;
    const token = process.env[tokenEnv] || undefined;
    const probe = new BridgeClient({ baseUrl: options.url, token });
    const health = await probe.health().catch((error: Error) => {
      throw new Error(`${options.url}/health: ${error.message}${/401/.test(error.message) ? ` (set $${tokenEnv})` : ''}`);
    });
    if (health.protocol !== PROTOCOL_VERSION) {
      throw new Error(`${options.url} speaks bridge protocol ${health.protocol}, this kit ${PROTOCOL_VERSION}: redeploy the bridge from this kit (README, "Remote and production targets")`);
    }
    const reported = health.runtime as { name: string; version: string; platform?: string; kind?: ProviderKind };
    const kind = (options.kind as ProviderKind | undefined) ?? reported.kind ?? 'production';
    // A local Viceroy keeps its connections until the client closes them: reuse them (runners/bridge/client.ts).
    const client = reported.name === 'viceroy' ? new BridgeClient({ baseUrl: options.url, token, freshConnections: false }) : probe;
    return {
      runtime: { name: reported.name, version: reported.version, detail: options.url, kind, platform: reported.platform },
      ...bridgedOps(client),
      stop: async () => {},
    };
  },
});
