/** End to end: stalled readers, dead peers and shutdown never hurt the other clients. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { TcpClient, WsClient, isPresence, isType } from '../helpers/clients.js';
import { Inbox } from '../helpers/inbox.js';
import { startTestServer } from '../helpers/server.js';

test('a reader that stops reading is cut off at its outbox cap while the others receive everything', async () => {
  const outboxBytes = 256 * 1024;
  const s = await startTestServer({ floodBurst: 0, outboxBytes, presenceNoticeMaxMembers: 1000 });
  try {
    const stalled = await TcpClient.text(s.tcpPort);
    stalled.socket.pause(); // stops reading: the kernel buffers fill, then the server's outbox does
    const readers = [await WsClient.connect(s.httpPort), await TcpClient.text(s.tcpPort)];
    const sender = await WsClient.connect(s.httpPort);
    const count = 3000;
    const text = 'flood '.repeat(600); // ~3.6 KB each, ~11 MB in all: far past socket buffers and the cap
    // The stalled reader's session must be gone while the flood is still running.
    let cutOffAt = -1;
    const watcher = readers[0] as WsClient;
    for (let i = 0; i < count; i++) {
      sender.send({ type: 'say', room: 'lobby', text: `${i} ${text}` });
      // Pacing in batches keeps each reader's per-turn backlog under the cap; only the stalled one overflows.
      if (i % 20 === 19) {
        sender.send({ type: 'ping', ref: `sync${i}` });
        await sender.frames.next(isType('pong', { ref: `sync${i}` }), 10_000);
        if (cutOffAt < 0 && watcher.frames.items.some(isPresence('left', { id: stalled.id }))) cutOffAt = i;
      }
    }
    await watcher.frames.next(isPresence('left', { id: stalled.id, reason: 'slow_reader' }), 10_000);
    assert.ok(cutOffAt >= 0 && cutOffAt < count - 1, 'cut off during the flood, not after it');

    const [ws, tcp] = readers as [WsClient, TcpClient];
    const expected = Array.from({ length: count }, (_, i) => i);
    await ws.frames.next((f) => f.type === 'message' && f.seq === count, 20_000);
    const wsTexts = ws.frames.items.filter((f) => f.type === 'message').map((f) => Number(String(f.text).split(' ')[0]));
    assert.deepEqual(wsTexts, expected, 'the WebSocket reader got every message in order');
    await tcp.lines.next((l) => l.startsWith(`#lobby:${count} `), 20_000);
    const tcpTexts = tcp.lines.items.filter((l) => l.startsWith('#lobby:')).map((l) => Number(l.split(' ')[2]));
    assert.deepEqual(tcpTexts, expected, 'the TCP reader got every message in order');

    // The stalled client, once it reads again, finds a closed connection (no unbounded queue was kept).
    stalled.socket.resume();
    await stalled.lines.ended(10_000);
    assert.ok(stalled.lines.items.length < count, 'it received only what fitted in buffers before the cut');
    assert.equal(s.hub.stats().connections, 3);
    for (const c of [...readers, sender]) c.close();
  } finally {
    await s.close();
  }
});

test('a WebSocket peer that stops answering pings is dropped', async () => {
  // Joins are announced at once: the silent peer is gone within two ping intervals, sooner than a batch.
  const s = await startTestServer({ wsPingIntervalMs: 50, presenceBatchMs: 0 });
  try {
    const watcher = await WsClient.connect(s.httpPort);
    const silent = new WebSocket(`ws://127.0.0.1:${s.httpPort}/ws`, { autoPong: false });
    const frames = new Inbox<Record<string, unknown>>();
    silent.on('message', (d: Buffer) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
    silent.on('close', () => frames.close());
    const welcome = await frames.next((f) => f.type === 'welcome');
    await watcher.frames.next(isPresence('joined', { id: welcome.id }));
    await frames.ended(5000);
    await watcher.frames.next(isPresence('left', { id: welcome.id, reason: 'disconnected' }));
    assert.ok(!watcher.frames.closed, 'the answering peer is still connected');
    watcher.close();
  } finally {
    await s.close();
  }
});

test('shutdown: every client is told, connections close, new ones are refused', async () => {
  const s = await startTestServer();
  const text = await TcpClient.text(s.tcpPort);
  const ws = await WsClient.connect(s.httpPort);
  const closing = s.close();
  const bye = await ws.frames.next(isType('bye'));
  assert.equal(bye.code, 'shutting_down');
  await text.lines.next((l) => l === '-!- bye: the server is shutting down [shutting_down]');
  await Promise.all([ws.frames.ended(), text.lines.ended()]);
  assert.equal(ws.closeCode, 1001);
  await closing;
  await assert.rejects(TcpClient.connect(s.tcpPort), /ECONNREFUSED/);
});
