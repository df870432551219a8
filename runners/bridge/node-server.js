// Serves the shared bridge handler (handler.js) from a Node child process: the host of a
// platform whose engine runs in Node (Deno KV's napi engine, Netlify's BlobsServer). Plain
// JavaScript, like the other code that runs inside a runtime. node-process.ts starts it.
//
// Protocol with the parent: one JSON line on stdout once listening ({"port": N}, or
// {"error": "..."} when the engine did not open), then nothing. The host exits when its stdin
// ends (the parent stopped it, or died however it died) or on SIGTERM, after close().
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { handleBridgeRequest } from './handler.js';

/**
 * Opens the engine with `open()` (→ { kv, runtime, close? }), serves it on a loopback port
 * the OS picks, and tells the parent which. `open` failing is reported on the ready line.
 * The process takes the name the parent gives it (ps, /proc/<pid>/comm): the engine it runs.
 */
/**
 * @param {() => Promise<{ kv: import('./handler.js').BridgeKvAdapter, runtime: import('./handler.js').BridgeRuntime, close?: () => unknown }>} open
 */
export async function hostBridge(open) {
  if (process.env.KVPARITY_PROCESS_TITLE) process.title = process.env.KVPARITY_PROCESS_TITLE;
  /** @type {Awaited<ReturnType<typeof open>>} */
  let engine;
  try {
    engine = await open();
  } catch (/** @type {any} */ error) {
    process.stdout.write(`${JSON.stringify({ error: String(error?.stack ?? error) })}\n`);
    process.exit(1);
  }
  const token = process.env.KVPARITY_TOKEN || undefined;
  const server = createServer((req, res) => respond(req, res, (request) => handleBridgeRequest(request, { kv: engine.kv, runtime: engine.runtime, token })));
  await /** @type {Promise<void>} */ (
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    })
  );
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    server.closeAllConnections();
    server.close();
    try {
      await engine.close?.();
    } finally {
      process.exit(0);
    }
  };
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
  process.on('SIGTERM', shutdown);
  process.stdout.write(`${JSON.stringify({ port: /** @type {import('node:net').AddressInfo} */ (server.address()).port })}\n`);
}

// node:http request → web Request → handler → web Response → node:http response, bodies streamed.
/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {(request: Request) => Promise<Response>} handle
 */
async function respond(req, res, handle) {
  try {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    // duplex: 'half' is what Node's fetch wants for a streamed body (not in the DOM typings).
    const init = /** @type {RequestInit} */ ({
      method: req.method,
      headers: /** @type {HeadersInit} */ (req.headers),
      body: hasBody ? Readable.toWeb(req) : undefined,
      duplex: 'half',
    });
    const request = new Request(`http://127.0.0.1${req.url}`, init);
    const response = await handle(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    // Node's web streams are async iterable (the DOM typings do not say so).
    if (response.body) for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (response.body))) res.write(chunk);
    res.end();
  } catch (/** @type {any} */ error) {
    // The handler answers platform errors itself; this is a fault of the host.
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { status: 500, message: `bridge host: ${error?.message ?? error}` } }));
  }
}

/** The installed version of a package whose exports hide its package.json: walks up from its entry point. */
/** @param {string} name */
export function packageVersion(name) {
  for (let dir = dirname(createRequire(import.meta.url).resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name === name) return pkg.version;
    } catch {}
  }
  return 'unknown';
}
