/** Join and leave notices: gathered into one `presence` notice per room, in order with everything else, and none in large rooms. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TcpClient, WsClient, isPresence, isType, type Frame } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';

/** A window far longer than the test takes: whatever goes out early was sent early on purpose. */
const LONG_BATCH = { presenceBatchMs: 60_000 };

const ids = (members: unknown): number[] => (members as { id: number }[]).map((m) => m.id);

test('a wave of joins reaches the room as one notice, sent ahead of the first thing said there', async () => {
  const s = await startTestServer(LONG_BATCH);
  try {
    const watcher = await WsClient.connect(s.httpPort);
    const wave = await Promise.all([WsClient.connect(s.httpPort), WsClient.connect(s.httpPort), WsClient.connect(s.httpPort)]);
    const text = await TcpClient.text(s.tcpPort);
    wave[1].send({ type: 'say', room: 'lobby', text: 'hello all' });
    const notice = await watcher.frames.next(isType('presence'));
    // The watcher's own join is in the same window, so it is listed too.
    assert.deepEqual(ids(notice.joined).sort(), [watcher.welcome.id as number, ...wave.map((c) => c.welcome.id as number), text.id].sort());
    assert.deepEqual(notice.left, []);
    const next = await watcher.frames.next();
    assert.equal(next.type, 'message', 'the message comes right after the notice that its sender joined');
    assert.equal(next.text, 'hello all');
    // The text client was in the batch too: one line lists everyone after it.
    const line = await text.lines.next((l) => l.includes('joined #lobby') && l.includes(','));
    assert.ok(line.startsWith('-!- guest-'), line);
    for (const c of [watcher, ...wave, text]) c.close();
  } finally {
    await s.close();
  }
});

test('who sends the gathered notices first, so a member list is never older than what follows it', async () => {
  const s = await startTestServer(LONG_BATCH);
  try {
    const watcher = await WsClient.connect(s.httpPort);
    const newcomer = await WsClient.connect(s.httpPort);
    watcher.send({ type: 'who', room: 'lobby', ref: 'w' });
    const [notice, who] = [await watcher.frames.next(), await watcher.frames.next()] as [Frame, Frame];
    assert.equal(notice.type, 'presence');
    assert.ok(ids(notice.joined).includes(newcomer.welcome.id as number));
    assert.equal(who.type, 'who');
    assert.ok(ids(who.members).includes(newcomer.welcome.id as number));
    // Gone after the list named it: the next list comes after the notice that says so.
    newcomer.send({ type: 'quit' });
    await newcomer.frames.ended();
    watcher.send({ type: 'who', room: 'lobby', ref: 'w2' });
    await watcher.frames.next(isPresence('left', { id: newcomer.welcome.id, reason: 'quit' }));
    assert.deepEqual(ids((await watcher.frames.next(isType('who', { ref: 'w2' }))).members), [watcher.welcome.id]);
    watcher.close();
  } finally {
    await s.close();
  }
});

// A join and a leave within one window cancelling out depends on when the window ends: it is tested
// with a hand-driven scheduler in test/unit/hub.test.ts, not against the clock here.
test('with nothing said in the room, the gathered notice still goes out when the window ends', async () => {
  const s = await startTestServer({ presenceBatchMs: 50 });
  try {
    const watcher = await WsClient.connect(s.httpPort);
    const stays = await WsClient.connect(s.httpPort);
    const notice = await watcher.frames.next(isPresence('joined', { id: stays.welcome.id }), 5000);
    assert.deepEqual(notice.left, []);
    stays.close();
    watcher.close();
  } finally {
    await s.close();
  }
});

test('rooms at --presence-max-members get no notices, and who and rooms stay exact', async () => {
  const s = await startTestServer({ presenceNoticeMaxMembers: 3, presenceBatchMs: 0 });
  try {
    const first = await WsClient.connect(s.httpPort);
    const second = await WsClient.connect(s.httpPort);
    await first.frames.next(isPresence('joined', { id: second.welcome.id }));
    const crowd = [await WsClient.connect(s.httpPort), await WsClient.connect(s.httpPort)];
    crowd[0]!.send({ type: 'quit' });
    await crowd[0]!.frames.ended();
    first.send({ type: 'who', room: 'lobby', ref: 'w' });
    const who = await first.frames.next(isType('who', { ref: 'w' }));
    assert.deepEqual(ids(who.members).sort(), [first.welcome.id, second.welcome.id, crowd[1]!.welcome.id].sort());
    first.send({ type: 'rooms', ref: 'r' });
    assert.deepEqual((await first.frames.next(isType('rooms', { ref: 'r' }))).rooms, [{ room: 'lobby', members: 3 }]);
    assert.equal(first.frames.items.filter(isType('presence')).length, 1, 'only the join into the small room was announced');
    for (const c of [first, second, crowd[1]!]) c.close();
  } finally {
    await s.close();
  }
});
