/**
 * End to end, one regression test per defect of the hardening issue that a client could trigger
 * (the store-level ones are in test/contract/): each replays the hostile input against a real server
 * and checks that it is answered, that the client is not cut off, and that the server carries on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RoomLog } from '../../src/core/room-log.js';
import { MemoryRoomLog } from '../../src/store/memory-room-log.js';
import { TcpClient, TcpJsonClient, WsClient, isType, type Frame, type JsonClient } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';

async function healthz(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A raw TCP socket that records what it received and when it closed. */
function rawSocket(port: number): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', () => {});
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

async function alive(client: JsonClient, ref: string): Promise<void> {
  client.send({ type: 'ping', ref });
  await client.frames.next(isType('pong', { ref }));
}

test('a JSON frame nested 8,000 deep is answered bad_frame, over WebSocket and TCP, and the server carries on', async () => {
  const s = await startTestServer();
  try {
    const deep = `{"type":"ping","ref":"constructor","x":${'['.repeat(8000)}${']'.repeat(8000)}}`;
    for (const client of [await WsClient.connect(s.httpPort), await TcpJsonClient.connect(s.tcpPort)]) {
      client.sendRaw(deep);
      const error = await client.frames.next(isType('error'));
      assert.equal(error.code, 'bad_frame');
      await alive(client, 'after-deep');
      client.close();
    }
    assert.equal((await healthz(s.httpPort)).status, 200);
  } finally {
    await s.close();
  }
});

test('an upgrade to a path other than /ws, reset at once, leaves the server serving', async () => {
  const s = await startTestServer();
  try {
    for (let i = 0; i < 50; i++) {
      const { socket, closed } = await rawSocket(s.httpPort);
      socket.write(`GET /x${i} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n`);
      socket.resetAndDestroy();
      await closed;
    }
    const { socket, received, closed } = await rawSocket(s.httpPort);
    socket.end('GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n');
    await closed;
    assert.match(received(), /^HTTP\/1\.1 404 /, 'a peer that stays is told there is nothing there');
    assert.equal((await healthz(s.httpPort)).status, 200);
  } finally {
    await s.close();
  }
});

test('a refused WebSocket that sends an unmasked frame in the same write is closed; the server carries on', async () => {
  const s = await startTestServer({ maxConnectionsPerIp: 1 });
  try {
    const first = await WsClient.connect(s.httpPort);
    const { socket, received, closed } = await rawSocket(s.httpPort);
    const handshake =
      'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    // An unmasked text frame "hi": clients must mask, so ws calls it a protocol error.
    socket.write(Buffer.concat([Buffer.from(handshake, 'latin1'), Buffer.from([0x81, 0x02, 0x68, 0x69])]));
    await closed;
    assert.match(received(), /too_many_from_ip/, 'the refusal was sent before the close');
    await alive(first, 'still-here');
    assert.equal((await healthz(s.httpPort)).status, 200);
    first.close();
  } finally {
    await s.close();
  }
});

test('a lookalike of another connection\'s guest nick is refused, and whispers reach the real holder', async () => {
  const s = await startTestServer();
  try {
    const target = await WsClient.connect(s.httpPort);
    const impostor = await WsClient.connect(s.httpPort);
    const id = String(target.welcome.id);
    const fullwidth = [...id].map((d) => String.fromCodePoint(0xff10 + Number(d))).join('');
    for (const nick of [`guest-${fullwidth}`, `GUEST-${id}`, `ｇｕｅｓｔ-${id}`]) {
      impostor.send({ type: 'nick', nick, ref: nick });
      assert.equal((await impostor.frames.next(isType('error', { ref: nick }))).code, 'nick_reserved', nick);
    }
    const sender = await TcpClient.text(s.tcpPort);
    sender.send(`/msg guest-${id} for the real one`);
    const whisper = await target.frames.next(isType('whisper'));
    assert.equal(whisper.text, 'for the real one');
    assert.ok(!impostor.frames.items.some(isType('whisper')), 'the impostor heard nothing');
    for (const c of [target, impostor, sender]) c.close();
  } finally {
    await s.close();
  }
});

test('a history page of large messages is cut to its byte budget, says "more", and never cuts off its reader', async () => {
  const s = await startTestServer({ floodBurst: 0 });
  try {
    const poster = await WsClient.connect(s.httpPort);
    const quotes = '"'.repeat(4096);
    for (let i = 0; i < 130; i++) poster.send({ type: 'say', room: 'lobby', text: quotes, ref: `q${i}` });
    await poster.frames.next(isType('message', { ref: 'q129' }), 10_000);
    const reader = await WsClient.connect(s.httpPort);
    const seen: number[] = [];
    let before: number | undefined;
    for (let page = 0; page < 20; page++) {
      reader.send({ type: 'history', room: 'lobby', limit: 200, ...(before !== undefined && { before }), ref: `p${page}` });
      const answer = await reader.frames.next(isType('history', { ref: `p${page}` }), 10_000);
      const seqs = (answer.messages as Frame[]).map((m) => m.seq as number);
      assert.ok(seqs.length > 0 && seqs.length < 130, `page ${page} is cut (${seqs.length} messages)`);
      seen.unshift(...seqs);
      before = seqs[0];
      if (!answer.more) break;
    }
    assert.deepEqual(seen, Array.from({ length: 130 }, (_, i) => i + 1), 'paging backwards got every message once');
    assert.ok(!reader.frames.items.some(isType('bye')), 'the reader was not cut off');
    poster.close();
    reader.close();
  } finally {
    await s.close();
  }
});

test('history on join sends the newest messages that fit and says older ones exist, in JSON and in text', async () => {
  const s = await startTestServer({ floodBurst: 0, historyPageBytes: 16 * 1024 });
  try {
    const poster = await WsClient.connect(s.httpPort);
    for (let i = 1; i <= 60; i++) poster.send({ type: 'say', room: 'lobby', text: `${i} ${'x'.repeat(2000)}`, ref: `m${i}` });
    await poster.frames.next(isType('message', { ref: 'm60' }), 10_000);
    const joiner = await WsClient.connect(s.httpPort);
    joiner.send({ type: 'join', room: 'other' });
    joiner.send({ type: 'join', room: 'lobby', ref: 'again' });
    poster.send({ type: 'join', room: 'big' });
    for (let i = 1; i <= 60; i++) poster.send({ type: 'say', room: 'big', text: `${i} ${'y'.repeat(2000)}`, ref: `b${i}` });
    await poster.frames.next(isType('message', { ref: 'b60' }), 10_000);
    joiner.send({ type: 'join', room: 'big', ref: 'big' });
    const page = await joiner.frames.next(isType('history', { room: 'big' }));
    const seqs = (page.messages as Frame[]).map((m) => m.seq as number);
    assert.ok(seqs.length > 0 && seqs.length < 50, `cut to fit (${seqs.length})`);
    assert.equal(seqs.at(-1), 60, 'the newest message is there');
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => 61 - seqs.length + i), 'no hole inside the page');
    assert.equal(page.more, true, 'and the older ones are announced');
    const text = await TcpClient.text(s.tcpPort);
    const notice = await text.lines.next((l) => l.includes('of #lobby history'));
    assert.match(notice, /older ones before #lobby:\d+/);
    const lines = text.lines.items.filter((l) => l.startsWith('[history] #lobby:'));
    assert.equal(Number(/#lobby:(\d+)/.exec(lines.at(-1)!)![1]), 60, 'the text joiner got the newest too');
    for (const c of [poster, joiner, text]) c.close();
  } finally {
    await s.close();
  }
});

test('resume counts every key against the room cap and replays each room once, however it is spelt', async () => {
  const s = await startTestServer({ floodBurst: 0 });
  try {
    const poster = await WsClient.connect(s.httpPort);
    for (let i = 0; i < 5; i++) poster.send({ type: 'say', room: 'lobby', text: `m${i}`, ref: `m${i}` });
    await poster.frames.next(isType('message', { ref: 'm4' }));
    const client = await WsClient.connect(s.httpPort);
    client.send({ type: 'resume', rooms: { lobby: 0, LOBBY: 2, '#lobby': 0, '#Lobby': 0 }, ref: 'r' });
    await client.frames.next(isType('resumed', { ref: 'r' }));
    client.send({ type: 'ping', ref: 'after' });
    await client.frames.next(isType('pong', { ref: 'after' }));
    assert.equal(client.frames.items.filter(isType('resumed')).length, 1, 'one room, one answer');
    const replayed = client.frames.items.filter(isType('message')).map((m) => m.seq);
    assert.deepEqual(replayed, [1, 2, 3, 4, 5], 'replayed once, from the lowest seq given');
    const spellings = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`${'#'.repeat(i % 2)}${[...'lobby'].map((c, j) => ((i >> j) & 1 ? c.toUpperCase() : c)).join('')}${i >= 64 ? `-${i}` : ''}`, 0]));
    client.send({ type: 'resume', rooms: spellings, ref: 'flood' });
    const refusal = await client.frames.next(isType('error', { ref: 'flood' }));
    assert.equal(refusal.code, 'too_many_rooms');
    await alive(client, 'done');
    assert.equal(client.frames.items.filter(isType('message')).length, 5, 'nothing more was replayed');
    poster.close();
    client.close();
  } finally {
    await s.close();
  }
});

test('the HTTP listener caps sockets per address; the ones over it are closed unread', async () => {
  const s = await startTestServer({ maxConnectionsPerIp: 2 });
  try {
    // The cap is the per-address connection limit plus the headroom (16) for page loads and refusals.
    const held = await Promise.all(Array.from({ length: 18 }, () => rawSocket(s.httpPort)));
    const extra = await rawSocket(s.httpPort);
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await extra.closed;
    assert.equal(extra.received(), '', 'closed without an answer');
    const first = held[0]!;
    first.socket.destroy();
    await first.closed;
    const again = await rawSocket(s.httpPort);
    again.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await again.closed;
    assert.match(again.received(), /^HTTP\/1\.1 200 /, 'a freed place is usable again');
    for (const h of held) h.socket.destroy();
  } finally {
    await s.close();
  }
});

/** A memory store that fails on demand: appends, seq lookups and retention throw while `failing` is set. */
class FailingLog extends MemoryRoomLog implements RoomLog {
  failing = false;
  private check(): void {
    if (this.failing) throw new Error('disk on fire');
  }
  override append(message: Parameters<RoomLog['append']>[0]): ReturnType<RoomLog['append']> {
    this.check();
    return super.append(message);
  }
  override lastSeq(room: string): number {
    this.check();
    return super.lastSeq(room);
  }
  override prune(now: number): void {
    this.check();
    super.prune(now);
  }
}

test('a failing store: newcomers are refused cleanly, senders get store_failed, /healthz says 503 until it recovers', async () => {
  const log = new FailingLog({ maxMessages: 100, maxAgeMs: 0 });
  const s = await startTestServer({}, {}, { log });
  try {
    const sender = await WsClient.connect(s.httpPort);
    log.failing = true;
    const refused = await WsClient.open(s.httpPort);
    const bye = await refused.frames.next(isType('bye'));
    assert.equal(bye.code, 'server_error');
    sender.send({ type: 'say', room: 'lobby', text: 'lost?', ref: 's1' });
    assert.equal((await sender.frames.next(isType('error', { ref: 's1' }))).code, 'store_failed');
    const failing = await healthz(s.httpPort);
    assert.equal(failing.status, 503);
    assert.match(String(failing.body.reason), /disk on fire/);
    assert.equal(failing.body.connections, 1, 'the refused connection left no ghost behind');
    log.failing = false;
    s.hub.maintain();
    assert.equal((await healthz(s.httpPort)).status, 200, 'recovered without any traffic');
    sender.send({ type: 'say', room: 'lobby', text: 'stored', ref: 's2' });
    assert.equal((await sender.frames.next(isType('message', { ref: 's2' }))).seq, 1, 'the failed message used no seq');
    sender.close();
  } finally {
    await s.close();
  }
});

test('an error repeats at most 40 characters of what the client sent, whatever it sent', async () => {
  const s = await startTestServer({ floodBurst: 0 });
  try {
    const text = await TcpClient.text(s.tcpPort);
    const long = 'y'.repeat(10_000);
    for (const line of [`/${long}`, `/msg ${long} hi`, `/help ${long}`, `/history ${long}`]) {
      text.send(line);
      const error = await text.lines.next((l) => l.includes('error:'));
      assert.ok(error.length < 200, `${line.slice(0, 12)}… answered in ${error.length} characters`);
      assert.ok(error.includes('y'.repeat(40) + '…'), 'the start of the input is recognisable');
    }
    const json = await WsClient.connect(s.httpPort);
    json.send({ type: long, ref: 't' });
    assert.ok(String((await json.frames.next(isType('error', { ref: 't' }))).message).length < 100);
    text.close();
    json.close();
  } finally {
    await s.close();
  }
});

test('two history reads on SQLite (before 50, before 40, limit 0) leave the store working: retention, commits and reads go on', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hubbub-reads-'));
  const s = await startTestServer({ floodBurst: 0 }, { store: 'sqlite', dataDir });
  try {
    const client = await WsClient.connect(s.httpPort);
    for (let i = 1; i <= 50; i++) client.send({ type: 'say', room: 'lobby', text: `m${i}`, ref: `m${i}` });
    await client.frames.next(isType('message', { ref: 'm50' }), 10_000);
    for (const [ref, query] of [['a', { before: 50, limit: 10 }], ['b', { before: 40, limit: 10 }], ['c', { limit: 0 }]] as const) {
      client.send({ type: 'history', room: 'lobby', ...query, ref });
      const page = await client.frames.next(isType('history', { ref }));
      assert.equal(page.more, true, `${ref}: older messages exist`);
      if (ref === 'c') assert.deepEqual(page.messages, [], 'limit 0 is no messages, on every store');
    }
    s.hub.maintain();
    assert.equal(s.hub.storeHealth.ok, true, 'retention ran on the same connection');
    client.send({ type: 'say', room: 'lobby', text: 'after', ref: 'after' });
    assert.equal((await client.frames.next(isType('message', { ref: 'after' }))).seq, 51);
    client.send({ type: 'history', room: 'lobby', before: 52, limit: 2, ref: 'last' });
    assert.deepEqual(((await client.frames.next(isType('history', { ref: 'last' }))).messages as Frame[]).map((m) => m.text), ['m50', 'after']);
    client.close();
  } finally {
    await s.close();
  }
});

test('connection ids are kept with the history: after a restart on the same SQLite file they count on, never from 1 again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hubbub-ids-'));
  const first = await startTestServer({}, { store: 'sqlite', dataDir });
  const before: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const client = await WsClient.connect(first.httpPort);
      before.push(client.welcome.id as number);
      client.close();
    }
  } finally {
    await first.close();
  }
  const second = await startTestServer({}, { store: 'sqlite', dataDir });
  try {
    const client = await WsClient.connect(second.httpPort);
    assert.ok((client.welcome.id as number) > Math.max(...before), `id ${String(client.welcome.id)} after ${before.join(', ')}`);
    client.close();
  } finally {
    await second.close();
  }
});
