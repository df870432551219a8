// Bad input to a bridge running in its real runtime (workerd, Viceroy): every malformed request
// gets the protocol's status and a JSON message naming what is wrong (protocol.md, "Errors of
// the protocol itself"), never a stack trace, and a malformed batch writes nothing.
// 413 and most 401s are covered in cloudflare.test.ts and fastly.test.ts; this file adds the rest.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeName, runtimeProviders } from './fixtures/runtime-providers.ts';
import { SHARED_START_MS, sharedBridge, type TestBridge } from './fixtures/shared-bridge.ts';

const bridges = (await runtimeProviders()).filter((p) => p.id === 'cloudflare' || p.id === 'fastly');
const ops = (...list: unknown[]) => JSON.stringify({ ops: list });

/** The headers a request sends, given the bridge's token. */
type Headers = (token: string) => Record<string, string>;
const auth: Headers = (token) => ({ authorization: `Bearer ${token}` });
const none: Headers = () => ({});

type BadRequest = [what: string, method: string, path: string, body: string | undefined, headers: Headers, status: number, message: RegExp];

// Every malformed request tried against the bridges, and what the caller must be told.
const BRIDGE_BAD_INPUTS: BadRequest[] = [
  ['unknown path', 'GET', '/nope', undefined, auth, 404, /^no such endpoint: \/nope$/],
  ['unknown path, no token', 'POST', '/ops/extra', ops({ op: 'get', key: 'k' }), none, 404, /^no such endpoint: \/ops\/extra$/],
  ['GET on /ops', 'GET', '/ops', undefined, auth, 405, /^\/ops takes POST$/],
  ['POST on /health', 'POST', '/health', '{}', auth, 405, /^\/health takes GET$/],
  ['DELETE on /bench', 'DELETE', '/bench', undefined, auth, 405, /^\/bench takes POST$/],
  ['no token on /bench', 'POST', '/bench', '{"kind":"put","count":1}', none, 401, /^missing or wrong bearer token$/],
  ['token without "Bearer "', 'GET', '/health', undefined, (token) => ({ authorization: token }), 401, /^missing or wrong bearer token$/],
  ['a prefix of the token', 'GET', '/health', undefined, (token) => ({ authorization: `Bearer ${token.slice(0, -1)}` }), 401, /^missing or wrong bearer token$/],
  ['body not JSON', 'POST', '/ops', '{"ops": [', auth, 400, /^request body is not JSON: /],
  ['empty body', 'POST', '/ops', '', auth, 400, /^request body is not JSON: /],
  ['ops missing', 'POST', '/ops', '{"op":"get"}', auth, 400, /^body must be \{"ops":\[\.\.\.\]\}$/],
  ['ops not an array', 'POST', '/ops', '{"ops":{"op":"get"}}', auth, 400, /^body must be \{"ops":\[\.\.\.\]\}$/],
  ['ops empty', 'POST', '/ops', ops(), auth, 400, /^ops must not be empty$/],
  ['1001 ops', 'POST', '/ops', ops(...Array.from({ length: 1001 }, (_, i) => ({ op: 'get', key: `k${i}` }))), auth, 400, /^ops holds 1001 operations; at most 1000 per request$/],
  ['an op that is not an object', 'POST', '/ops', ops('get'), auth, 400, /^ops\[0\] must be an object$/],
  ['unknown op', 'POST', '/ops', ops({ op: 'increment', key: 'k' }), auth, 400, /^ops\[0\]\.op must be one of get, put, delete, list \(got "increment"\)$/],
  ['key missing', 'POST', '/ops', ops({ op: 'delete' }), auth, 400, /^ops\[0\]\.key must be a string$/],
  ['key a number', 'POST', '/ops', ops({ op: 'get', key: 7 }), auth, 400, /^ops\[0\]\.key must be a string$/],
  ['size negative', 'POST', '/ops', ops({ op: 'put', key: 'k', size: -1 }), auth, 400, /^ops\[0\]\.size must be the value's length in bytes/],
  ['size missing', 'POST', '/ops', ops({ op: 'put', key: 'k' }), auth, 400, /^ops\[0\]\.size must be the value's length in bytes/],
  ['fewer value bytes than the sizes say', 'POST', '/ops', `${ops({ op: 'put', key: 'k', size: 2 })}\nv`, auth, 400, /^the puts declare 2 value bytes, but 1 follow the JSON line$/],
  ['value bytes no put declares', 'POST', '/ops', `${ops({ op: 'get', key: 'k' })}\nv`, auth, 400, /^the puts declare 0 value bytes, but 1 follow the JSON line$/],
  ['ttl a string', 'POST', '/ops', `${ops({ op: 'put', key: 'k', size: 1, ttl: '60' })}\nv`, auth, 400, /^ops\[0\]\.ttl must be a number of seconds$/],
  ['list limit a string', 'POST', '/ops', ops({ op: 'list', limit: '10' }), auth, 400, /^ops\[0\]\.limit must be a number$/],
  ['list prefix a number', 'POST', '/ops', ops({ op: 'list', prefix: 1 }), auth, 400, /^ops\[0\]\.prefix must be a string$/],
  ['list cursor an object', 'POST', '/ops', ops({ op: 'list', cursor: {} }), auth, 400, /^ops\[0\]\.cursor must be a string$/],
  ['bad op after good ones', 'POST', '/ops', ops({ op: 'get', key: 'a' }, { op: 'get', key: 'b' }, { op: 'get' }), auth, 400, /^ops\[2\]\.key must be a string$/],
  ['bench kind unknown', 'POST', '/bench', '{"kind":"list","count":1}', auth, 400, /^bench: kind must be "put" or "get"$/],
  ['bench count 0', 'POST', '/bench', '{"kind":"put","count":0}', auth, 400, /^bench: count must be an integer in 1\.\.100000$/],
  ['bench count too big', 'POST', '/bench', '{"kind":"get","count":100001}', auth, 400, /^bench: count must be an integer in 1\.\.100000$/],
];

// The shared runtimes (test/fixtures/pool-setup.ts), started with a token.
describe.each(bridges)('$id', (bridge) => {
  let shared: TestBridge;

  beforeAll(async () => {
    if (!bridge.skip) shared = await sharedBridge(bridge.id);
  }, SHARED_START_MS);

  it.skipIf(!!bridge.skip).each(BRIDGE_BAD_INPUTS)(`${describeName(bridge)}: %s → %s %s answers %i with the reason`, async (_what, method, path, body, headers, status, message) => {
    const response = await fetch(shared.url + path, { method, body, headers: { 'content-type': 'application/json', ...headers(shared.token) } });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await response.json()) as { error: { status: number; message: string } };
    expect([response.status, answer.error.status]).toEqual([status, status]);
    expect(answer.error.message).toMatch(message);
    expect(answer.error.message).not.toMatch(/\n\s+at /);
  });

  it.skipIf(!!bridge.skip)(`${describeName(bridge)}: a batch with one malformed op is refused whole: its valid put is not applied`, async () => {
    const key = shared.key('bad-input');
    const response = await fetch(`${shared.url}/ops`, { method: 'POST', headers: auth(shared.token), body: `${ops({ op: 'put', key, size: 1 }, { op: 'put', key, size: -1 })}\nv` });
    expect(response.status).toBe(400);
    expect(await shared.client.get(key)).toBeNull();
  });
});
