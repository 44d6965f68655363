/**
 * The HTTP API against a real server with fetch: API keys, publishing through the hub (WebSocket
 * members see it, with its seq), history paging as the history frame pages, members, rooms, every
 * refusal a coded JSON error with its status, per-key flood control, and the OpenAPI document:
 * valid, and every answer checked against the schema it names.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { resolveConfig } from '../../src/config/options.js';
import { API_SCHEMAS } from '../../src/transports/http-api/api-schemas.js';
import { openApiDocument } from '../../src/transports/http-api/openapi.js';
import { WsClient, isType } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';
import { AUDIENCE, SECRET, hmacToken } from '../helpers/tokens.js';

const KEY = 'k-0123456789abcdef';
const OTHER_KEY = 'k-fedcba9876543210';

type SchemaName = keyof typeof API_SCHEMAS;

/** Calls the API and checks the answer against the schema its status promises. */
async function call(port: number, method: string, path: string, schema: SchemaName, options: { key?: string; body?: string; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, ...(options.body !== undefined && { body: options.body }) });
  const body = (await res.json()) as Record<string, unknown>;
  const expected = res.ok ? schema : 'Error';
  // Checked as a plain schema: the answer's own type would narrow the body to a union.
  const schemaOf: TSchema = API_SCHEMAS[expected];
  assert.ok(Value.Check(schemaOf, body), `${method} ${path} answered ${res.status} ${JSON.stringify(body)}, not a ${expected}`);
  return { status: res.status, body };
}

test('POST publishes through the hub like a client; GET reads rooms, members and history pages', async () => {
  const server = await startTestServer({}, { apiKeys: [`${KEY}=deploybot`] });
  const port = server.httpPort;
  try {
    const watcher = await WsClient.connect(port);
    watcher.send({ type: 'join', room: 'ops', ref: 'j' });
    await watcher.frames.next(isType('joined', { ref: 'j' }));
    const posted = await call(port, 'POST', '/api/rooms/Ops/messages', 'Message', { key: KEY, body: JSON.stringify({ text: 'deployed v2' }) });
    assert.equal(posted.status, 201);
    assert.equal(posted.body.from, 'deploybot');
    assert.equal(posted.body.room, 'ops');
    assert.equal(posted.body.seq, 1);
    const seen = await watcher.frames.next(isType('message', { text: 'deployed v2' }));
    assert.equal(seen.seq, 1);
    for (let i = 2; i <= 5; i++) {
      const more = await call(port, 'POST', '/api/rooms/ops/messages', 'Message', { key: KEY, body: JSON.stringify({ text: `m${i}`, action: i === 5 }) });
      assert.equal(more.body.seq, i);
    }
    const rooms = await call(port, 'GET', '/api/rooms', 'Rooms', { key: KEY });
    assert.deepEqual(rooms.body.rooms, [{ room: 'lobby', members: 2 }, { room: 'ops', members: 2 }]);
    const members = await call(port, 'GET', '/api/rooms/ops/members', 'Who', { key: KEY });
    assert.deepEqual((members.body.members as { nick: string }[]).map((m) => m.nick).sort(), ['deploybot', String(watcher.welcome.nick)].sort());
    const latest = await call(port, 'GET', '/api/rooms/ops/history?limit=2', 'History', { key: KEY });
    assert.deepEqual((latest.body.messages as { seq: number }[]).map((m) => m.seq), [4, 5]);
    assert.equal(latest.body.more, true);
    const before = await call(port, 'GET', '/api/rooms/ops/history?limit=2&before=4', 'History', { key: KEY });
    assert.deepEqual((before.body.messages as { seq: number }[]).map((m) => m.seq), [2, 3]);
    const after = await call(port, 'GET', '/api/rooms/ops/history?after=3', 'History', { key: KEY });
    assert.deepEqual((after.body.messages as { seq: number }[]).map((m) => m.seq), [4, 5]);
    assert.equal(after.body.more, false);
    watcher.close();
  } finally {
    await server.close();
  }
});

test('every refusal is a coded JSON error with its HTTP status', async () => {
  const server = await startTestServer({ maxLineBytes: 1024, floodBurst: 3, floodRate: 0.001 }, { apiKeys: [`${KEY}=bot`, `${OTHER_KEY}=other`] });
  const port = server.httpPort;
  try {
    const cases: [string, string, { key?: string; body?: string; type?: string }, number, string][] = [
      ['GET', '/api/rooms', {}, 401, 'unauthorized'],
      ['GET', '/api/rooms', { key: 'k-not-a-real-key-000' }, 401, 'unauthorized'],
      ['GET', '/api/nothing-here', { key: KEY }, 404, 'not_found'],
      ['DELETE', '/api/rooms', { key: KEY }, 405, 'method_not_allowed'],
      ['POST', '/api/rooms/ops/messages', { key: KEY, body: 'text=hi', type: 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
      ['POST', '/api/rooms/ops/messages', { key: KEY, body: JSON.stringify({ text: 'x'.repeat(2000) }) }, 413, 'body_too_large'],
    ];
    for (const [method, path, options, status, code] of cases) {
      const res = await call(port, method, path, 'Error', options);
      assert.deepEqual([res.status, res.body.code], [status, code], `${method} ${path}`);
    }
    // Three tokens in the bucket: malformed requests spend them too, as on a connection.
    const bad: [string, string, { key?: string; body?: string }, number, string][] = [
      ['POST', '/api/rooms/ops/messages', { key: KEY, body: '{"text": 5}' }, 400, 'bad_field'],
      ['POST', '/api/rooms/no%20spaces/messages', { key: KEY, body: '{"text":"hi"}' }, 400, 'room_invalid'],
      ['GET', '/api/rooms/ops/history?limit=lots', { key: KEY }, 400, 'bad_field'],
    ];
    for (const [method, path, options, status, code] of bad) {
      const res = await call(port, method, path, 'Error', options);
      assert.deepEqual([res.status, res.body.code], [status, code], `${method} ${path}`);
    }
    let limited = 0;
    for (let i = 0; i < 5; i++) {
      const res = await call(port, 'GET', '/api/rooms', 'Rooms', { key: KEY });
      if (res.status === 429) {
        assert.equal(res.body.code, 'rate_limited');
        limited++;
      }
    }
    assert.ok(limited >= 2, `the key's bucket ran dry: ${limited} refused`);
    // The limit is per key: another key's bot has its own bucket.
    assert.equal((await call(port, 'GET', '/api/rooms', 'Rooms', { key: OTHER_KEY })).status, 200);
  } finally {
    await server.close();
  }
});

test("a bot kicked for flooding comes back with its bucket as it was: a kick never buys its key a fresh burst", async () => {
  const server = await startTestServer({ floodBurst: 3, floodRate: 0.001, floodKickAfter: 2 }, { apiKeys: [`${KEY}=bot`] });
  const port = server.httpPort;
  try {
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await call(port, 'POST', '/api/rooms/ops/messages', 'Message', { key: KEY, body: JSON.stringify({ text: `m${i}` }) });
      codes.push(res.status === 201 ? 'posted' : String(res.body.code));
    }
    assert.equal(codes.filter((code) => code === 'posted').length, 2, `a join and two posts spend the burst of 3, whatever the kicks: ${codes.join(' ')}`);
    assert.ok(codes.includes('excess_flood'), `the bot was kicked: ${codes.join(' ')}`);
  } finally {
    await server.close();
  }
});

test('a history query takes only its paging fields: ?type=say cannot turn a read into a post', async () => {
  const server = await startTestServer({}, { apiKeys: [`${KEY}=bot`] });
  const port = server.httpPort;
  try {
    for (const query of ['type=say&room=lobby&text=posted-by-a-GET', 'type=quit', 'limit=5&room=other']) {
      const res = await call(port, 'GET', `/api/rooms/lobby/history?${query}`, 'History', { key: KEY });
      assert.deepEqual([res.status, res.body.code], [400, 'bad_field'], query);
    }
    const lobby = await call(port, 'GET', '/api/rooms/lobby/history', 'History', { key: KEY });
    assert.deepEqual([lobby.status, lobby.body.room, lobby.body.messages], [200, 'lobby', []], 'nothing was posted');
  } finally {
    await server.close();
  }
});

test('a body that is not UTF-8 is refused invalid_utf8, as on the other doors, never posted with replacement characters', async () => {
  const server = await startTestServer({}, { apiKeys: [`${KEY}=bot`] });
  const port = server.httpPort;
  try {
    const body = Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
    const res = await fetch(`http://127.0.0.1:${port}/api/rooms/ops/messages`, { method: 'POST', headers, body });
    assert.deepEqual([res.status, ((await res.json()) as { code: string }).code], [400, 'invalid_utf8']);
    const rooms = await call(port, 'GET', '/api/rooms', 'Rooms', { key: KEY });
    assert.equal((rooms.body.rooms as { room: string }[]).some((r) => r.room === 'ops'), false, 'the bot never joined to post it');
  } finally {
    await server.close();
  }
});

test("an API key's bot nick is reserved like a signed-in subject: no guest takes it, no token signs in as it meanwhile", async () => {
  const server = await startTestServer({}, { apiKeys: [`${KEY}=alertbot`], authSecret: SECRET, authAudience: AUDIENCE });
  const port = server.httpPort;
  try {
    assert.equal((await call(port, 'POST', '/api/rooms/alerts/messages', 'Message', { key: KEY, body: '{"text":"disk full"}' })).status, 201);
    const guest = await WsClient.connect(port);
    guest.send({ type: 'nick', nick: 'AlertBot', ref: 'n' });
    assert.equal((await guest.frames.next(isType('error', { ref: 'n' }))).code, 'nick_reserved');
    const impostor = await WsClient.connect(port);
    impostor.send({ type: 'auth', token: await hmacToken({ sub: 'alertbot' }), ref: 'a' });
    assert.equal((await impostor.frames.next(isType('error', { ref: 'a' }))).code, 'nick_taken');
    guest.close();
    impostor.close();
  } finally {
    await server.close();
  }
});

test('/api/openapi.json is a valid OpenAPI document whose schemas are the protocol\'s', async () => {
  const server = await startTestServer();
  try {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/api/openapi.json`);
    assert.equal(res.status, 200);
    const served = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(served, openApiDocument());
    await SwaggerParser.validate(structuredClone(served) as never);
    const schemas = (served.components as { schemas: Record<string, unknown> }).schemas;
    for (const [name, schema] of Object.entries(API_SCHEMAS)) assert.deepEqual(schemas[name], JSON.parse(JSON.stringify(schema)), name);
  } finally {
    await server.close();
  }
});

test('API keys reload live: a key added works at once, a key removed stops working', async () => {
  const server = await startTestServer({}, { apiKeys: [`${KEY}=bot`] });
  const port = server.httpPort;
  try {
    assert.equal((await call(port, 'GET', '/api/rooms', 'Rooms', { key: KEY })).status, 200);
    const next = resolveConfig({ 'api-keys': `${OTHER_KEY}=otherbot` }, {});
    Object.assign(next, { host: server.host, tcpPort: 0, httpPort: 0, store: 'memory' });
    server.reload(next);
    assert.equal((await call(port, 'GET', '/api/rooms', 'Rooms', { key: KEY })).status, 401);
    assert.equal((await call(port, 'GET', '/api/rooms', 'Rooms', { key: OTHER_KEY })).status, 200);
  } finally {
    await server.close();
  }
});

test('a key posts to more rooms than the room cap: the bot leaves the room it posted to longest ago, never sticks at the cap', async () => {
  const server = await startTestServer({ maxRoomsPerConn: 4, floodBurst: 0 }, { apiKeys: [`${KEY}=bot`] });
  const port = server.httpPort;
  try {
    for (let i = 0; i < 10; i++) {
      const res = await call(port, 'POST', `/api/rooms/r${i}/messages`, 'Message', { key: KEY, body: JSON.stringify({ text: `to r${i}` }) });
      assert.deepEqual([res.status, res.body.room, res.body.seq], [201, `r${i}`, 1], `post ${i}`);
    }
    // Posting again to a room it is still in keeps that room: r9 stays, r6 (the oldest) goes next.
    assert.equal((await call(port, 'POST', '/api/rooms/r7/messages', 'Message', { key: KEY, body: JSON.stringify({ text: 'again' }) })).body.seq, 2);
    await call(port, 'POST', '/api/rooms/r10/messages', 'Message', { key: KEY, body: JSON.stringify({ text: 'to r10' }) });
    const rooms = await call(port, 'GET', '/api/rooms', 'Rooms', { key: KEY });
    const listed = (rooms.body.rooms as { room: string }[]).map((r) => r.room).sort();
    assert.deepEqual(listed, ['r10', 'r7', 'r8', 'r9'], 'the bot is in the four rooms it posted to last');
  } finally {
    await server.close();
  }
});
