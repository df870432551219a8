/**
 * Netlify Blobs as Netlify's own local tooling runs it: BlobsServer from @netlify/blobs/server
 * (blobs as files in the run's directory) with Netlify's client, in a child Node process
 * (runners/netlify-blobs). The mapping uses the client's public API only:
 *  - keys: a key string is the blob key as given to the client, which checks it (not empty, no
 *    leading "/", at most 600 UTF-8 bytes) and puts it into the request URL as it is; the local
 *    server stores it as a file path.
 *  - values: bytes; metadata: the blob's JSON metadata, read back as the client returns it
 *    (an entry stored without metadata reads back as {}).
 *  - listing: list() takes a prefix, but no limit and no cursor, and follows the server's pages
 *    to the end itself, so a listing is one complete page of every key under the prefix.
 *  - TTL: Netlify Blobs has no expiry (capability absent); nothing depends on time, so no clock.
 */
import { defineProvider } from '../api/index.ts';
import { NETLIFY_BLOBS_PROCESS, netlifyBlobsAvailability, startNetlifyBlobs } from '../runners/netlify-blobs/store.ts';

/** The runtime's process name: the kit's own tests check that it never outlives a run. */
export const runtimeProcess = NETLIFY_BLOBS_PROCESS;

export default defineProvider({
  id: 'netlify-blobs',
  title: 'Netlify Blobs (local BlobsServer)',
  kind: 'emulator',
  runtime: '@netlify/blobs 10.7.13 BlobsServer and client in a Node child process',
  capabilities: { ttl: false, metadata: true, clock: false, durable: true, strongConsistency: true },
  docs: 'https://docs.netlify.com/build/data-and-storage/netlify-blobs/',
  availability: () => netlifyBlobsAvailability(),
  async start({ tmpDir, options, signal, log }) {
    const started = performance.now();
    const kv = await startNetlifyBlobs({ tmpDir, token: options.token || undefined, signal });
    log(`netlify-blobs: ${kv.runtime.name} ${kv.runtime.version} ready at ${kv.url} in ${Math.round(performance.now() - started)} ms`);
    return kv;
  },
});
