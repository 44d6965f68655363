/** End to end: every limit and every kind of bad input gets its documented answer; others carry on. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { TcpClient, TcpJsonClient, WsClient, isPresence, isType, presenceEntry, takePresence } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';

let server: RunningServer;
before(async () => {
  server = await startTestServer({ maxLineBytes: 1024, maxTextBytes: 256, floodBurst: 0 });
});
after(() => server.close());

test('an over-long TCP line gets line_too_long, the rest is discarded, the connection stays', async () => {
  const a = await TcpClient.text(server.tcpPort);
  const b = await WsClient.connect(server.httpPort);
  a.writeRaw('x'.repeat(700));
  a.writeRaw('y'.repeat(700) + '\n');
  await a.lines.next((l) => l.endsWith('[line_too_long]'));
  a.send('still here');
  const msg = await b.frames.next(isType('message', { fromId: a.id }));
  assert.equal(msg.text, 'still here', 'nothing of the long line was relayed');
  a.close();
  b.close();
});

test('JSON mode on TCP: an over-long line is an error frame and the connection stays', async () => {
  const a = await TcpJsonClient.connect(server.tcpPort);
  a.sendRaw(JSON.stringify({ type: 'say', room: 'lobby', text: 'z'.repeat(2000) }));
  assert.equal((await a.frames.next(isType('error'))).code, 'line_too_long');
  a.send({ type: 'ping', ref: 'alive' });
  await a.frames.next(isType('pong', { ref: 'alive' }));
  a.close();
});

test('message text over the limit is refused with text_too_long, not truncated', async () => {
  const a = await WsClient.connect(server.httpPort);
  a.send({ type: 'say', room: 'lobby', text: 'é'.repeat(129), ref: 'big' });
  assert.equal((await a.frames.next(isType('error', { ref: 'big' }))).code, 'text_too_long');
  a.send({ type: 'say', room: 'lobby', text: 'é'.repeat(128), ref: 'fits' });
  await a.frames.next(isType('message', { ref: 'fits' }));
  a.close();
});

test('a WebSocket frame over the limit closes that connection with 1009; others carry on', async () => {
  const b = await WsClient.connect(server.httpPort);
  const a = await WsClient.connect(server.httpPort);
  await b.frames.next(isPresence('joined', { id: a.welcome.id }));
  a.sendRaw(JSON.stringify({ type: 'say', room: 'lobby', text: 'q'.repeat(2000) }));
  await a.frames.ended();
  assert.equal(a.closeCode, 1009);
  await b.frames.next(isPresence('left', { id: a.welcome.id, reason: 'kicked' }));
  b.send({ type: 'ping', ref: 'ok' });
  await b.frames.next(isType('pong', { ref: 'ok' }));
  b.close();
});

test('UTF-8 split across TCP packets arrives intact (Chinese and emoji)', async () => {
  const a = await TcpClient.text(server.tcpPort);
  const b = await WsClient.connect(server.httpPort);
  const bytes = Buffer.from('你好，世界 😀👍🏽\n');
  for (let i = 0; i < bytes.length; i++) {
    a.writeRaw(bytes.subarray(i, i + 1));
    // Separate writes only become separate packets if the socket flushes in between.
    await new Promise<void>((resolve) => a.socket.write('', () => resolve()));
  }
  assert.equal((await b.frames.next(isType('message', { fromId: a.id }))).text, '你好，世界 😀👍🏽');
  await a.lines.next((l) => l.endsWith('<guest-' + a.id + '> 你好，世界 😀👍🏽'));
  a.close();
  b.close();
});

test('invalid UTF-8 on TCP is rejected with invalid_utf8 and never relayed', async () => {
  const a = await TcpClient.text(server.tcpPort);
  const b = await WsClient.connect(server.httpPort);
  a.writeRaw(Buffer.from([0x68, 0x69, 0xff, 0xfe, 0x0a]));
  a.writeRaw(Buffer.from([0xe4, 0xbd, 0x0a])); // a truncated 3-byte sequence
  await a.lines.next((l) => l.endsWith('[invalid_utf8]'));
  await a.lines.next((l) => l.endsWith('[invalid_utf8]'));
  a.send('valid');
  const first = await b.frames.next(isType('message', { fromId: a.id }));
  assert.equal(first.text, 'valid');
  a.close();
  b.close();
});

test('invalid UTF-8 in a WebSocket text frame closes it with 1007', async () => {
  const a = await WsClient.connect(server.httpPort);
  a.ws.send(Buffer.from([0x7b, 0xff, 0x7d]), { binary: false });
  await a.frames.ended();
  assert.equal(a.closeCode, 1007);
});

test('binary WebSocket frames get binary_unsupported; the connection stays', async () => {
  const a = await WsClient.connect(server.httpPort);
  a.ws.send(Buffer.from('{"type":"ping"}'), { binary: true });
  assert.equal((await a.frames.next(isType('error'))).code, 'binary_unsupported');
  a.send({ type: 'ping', ref: 'p' });
  await a.frames.next(isType('pong', { ref: 'p' }));
  a.close();
});

test('escape sequences and control characters never reach another terminal', async () => {
  const a = await WsClient.connect(server.httpPort);
  const t = await TcpClient.text(server.tcpPort);
  a.send({ type: 'say', room: 'lobby', text: '\u001b[2J\u001b[31mred\u001b[0m\u0007 and \u009b1mC1' });
  const line = await t.lines.next((l) => l.includes(`<guest-${String(a.welcome.id)}>`));
  assert.equal(line.replace(/^#lobby:\d+ /, ''), `<guest-${String(a.welcome.id)}> red and C1`);
  assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f]/);
  t.send('\u001b]0;owned\u0007title');
  assert.equal((await a.frames.next(isType('message', { fromId: t.id }))).text, 'title');
  a.close();
  t.close();
});

test('garbage JSON, unknown types, wrong fields and __proto__ keys get error frames; the connection stays', async () => {
  for (const client of [await WsClient.connect(server.httpPort), await TcpJsonClient.connect(server.tcpPort)]) {
    const cases: [string, string][] = [
      ['{"type":', 'bad_json'],
      ['[]', 'bad_frame'],
      ['{"no":"type"}', 'bad_frame'],
      ['{"type":"teleport"}', 'unknown_type'],
      ['{"type":"say","room":"lobby"}', 'bad_field'],
      ['{"type":"join","room":["lobby"]}', 'bad_field'],
      ['{"type":"say","room":"lobby","text":"x","__proto__":{"isAdmin":true}}', 'forbidden_key'],
    ];
    for (const [raw, code] of cases) {
      client.sendRaw(raw);
      assert.equal((await client.frames.next(isType('error'))).code, code, raw);
    }
    client.send({ type: 'ping', ref: 'after' });
    await client.frames.next(isType('pong', { ref: 'after' }));
    client.close();
  }
});

test('flood control: past the burst a message is not delivered and its sender gets rate_limited', async () => {
  let now = 0;
  const s = await startTestServer({ floodBurst: 5, floodRate: 1 }, {}, { clock: () => now });
  try {
    const a = await WsClient.connect(s.httpPort);
    const b = await WsClient.connect(s.httpPort);
    for (let i = 0; i < 8; i++) a.send({ type: 'say', room: 'lobby', text: `m${i}`, ref: `r${i}` });
    for (let i = 0; i < 5; i++) await a.frames.next(isType('message', { ref: `r${i}` }));
    for (let i = 5; i < 8; i++) assert.equal((await a.frames.next(isType('error', { ref: `r${i}` }))).code, 'rate_limited');
    const delivered = await b.frames.take(5, isType('message'));
    assert.deepEqual(delivered.map((f) => f.text), ['m0', 'm1', 'm2', 'm3', 'm4']);
    now += 1000; // one token back
    a.send({ type: 'say', room: 'lobby', text: 'later', ref: 'l' });
    await a.frames.next(isType('message', { ref: 'l' }));
    b.send({ type: 'ping', ref: 'sync' });
    await b.frames.next(isType('pong', { ref: 'sync' }));
    assert.deepEqual(
      b.frames.items.filter((f) => f.type === 'message').map((f) => f.text),
      ['m0', 'm1', 'm2', 'm3', 'm4', 'later'],
      'refused messages were never delivered',
    );
    a.close();
    b.close();
  } finally {
    await s.close();
  }
});

test('a client that keeps flooding after being limited is kicked with excess_flood', async () => {
  const s = await startTestServer({ floodBurst: 2, floodRate: 0.001, floodKickAfter: 10 });
  try {
    const b = await WsClient.connect(s.httpPort);
    const a = await TcpClient.text(s.tcpPort);
    await b.frames.next(isPresence('joined', { id: a.id }));
    for (let i = 0; i < 20; i++) a.send(`spam ${i}`);
    await a.lines.next((l) => l.endsWith('[excess_flood]') && l.startsWith('-!- bye'));
    await a.lines.ended();
    assert.equal(presenceEntry(await b.frames.next(isPresence('left', { id: a.id })), 'left', { id: a.id })?.reason, 'kicked');
    b.close();
  } finally {
    await s.close();
  }
});

test('connection caps: global and per address, refused with a clear reason', async () => {
  const s = await startTestServer({ maxConnections: 3, maxConnectionsPerIp: 2 });
  try {
    const a = await TcpClient.text(s.tcpPort);
    const b = await WsClient.connect(s.httpPort);
    const refusedWs = await WsClient.open(s.httpPort);
    const bye = await refusedWs.frames.next(isType('bye'));
    assert.equal(bye.code, 'too_many_from_ip');
    await refusedWs.frames.ended();
    assert.equal(refusedWs.closeCode, 1008);

    const refusedTcp = await TcpClient.connect(s.tcpPort);
    assert.match(await refusedTcp.lines.next(), /^-!- bye: .* \[too_many_from_ip\]$/);
    await refusedTcp.lines.ended();

    // A third connection from another loopback address fits the per-address cap; a fourth hits the global one.
    const c = await TcpClient.connect(s.tcpPort, { localAddress: '127.0.0.2' });
    await c.lines.next((l) => l.includes('Welcome'));
    const full = await TcpClient.connect(s.tcpPort, { localAddress: '127.0.0.3' });
    assert.match(await full.lines.next(), /\[server_full\]$/);
    for (const x of [a, b, c]) x.close();
  } finally {
    await s.close();
  }
});

test('abrupt disconnects (reset, destroy) leave no session behind and others are told', async () => {
  const s = await startTestServer();
  try {
    const watcher = await WsClient.connect(s.httpPort);
    const reset = await TcpClient.text(s.tcpPort);
    const dropped = await WsClient.connect(s.httpPort);
    // Joined and gone within one batch would be announced to nobody; so they are seen to join first.
    await takePresence(watcher.frames, 'joined', 2);
    reset.socket.resetAndDestroy();
    dropped.ws.terminate();
    const lefts = await takePresence(watcher.frames, 'left', 2);
    assert.deepEqual(lefts.map((f) => f.reason), ['disconnected', 'disconnected']);
    assert.deepEqual(new Set(lefts.map((f) => f.id)), new Set([reset.id, dropped.welcome.id]));
    assert.deepEqual(s.hub.stats(), { connections: 1, rooms: 1, doors: { ws: 1 } });
    watcher.close();
  } finally {
    await s.close();
  }
});
