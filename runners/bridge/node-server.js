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
export async function hostBridge(open) {
  if (process.env.KVPARITY_PROCESS_TITLE) process.title = process.env.KVPARITY_PROCESS_TITLE;
  let engine;
  try {
    engine = await open();
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: String(error?.stack ?? error) })}\n`);
    process.exit(1);
  }
  const token = process.env.KVPARITY_TOKEN || undefined;
  const server = createServer((req, res) => respond(req, res, (request) => handleBridgeRequest(request, { kv: engine.kv, runtime: engine.runtime, token })));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
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
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
}

// node:http request → web Request → handler → web Response → node:http response, bodies streamed.
async function respond(req, res, handle) {
  try {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: req.headers,
      body: hasBody ? Readable.toWeb(req) : undefined,
      duplex: 'half',
    });
    const response = await handle(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const chunk of response.body) res.write(chunk);
    res.end();
  } catch (error) {
    // The handler answers platform errors itself; this is a fault of the host.
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { status: 500, message: `bridge host: ${error?.message ?? error}` } }));
  }
}

/** The installed version of a package whose exports hide its package.json: walks up from its entry point. */
export function packageVersion(name) {
  for (let dir = dirname(createRequire(import.meta.url).resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name === name) return pkg.version;
    } catch {}
  }
  return 'unknown';
}
