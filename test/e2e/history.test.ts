/** End to end: stored history on join, paging, resume after reconnect, retention, store failures, SIGKILL. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteRoomLog } from '../../src/store/sqlite-room-log.js';
import { TcpClient, TcpJsonClient, WsClient, isType, type Frame } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';
import { spawnServer } from '../helpers/spawn-server.js';

const isMessageIn = (room: string) => (f: Frame) => f.type === 'message' && f.room === room;
/** A room's messages as a client sees them: live ones, and those inside history frames pushed after a join. */
const messagesIn = (room: string, frames: Frame[]): Frame[] =>
  frames.flatMap((f) => (f.type === 'history' && f.room === room && f.ref === undefined ? (f.messages as Frame[]) : isMessageIn(room)(f) ? [f] : []));
const seqsOf = (frames: Frame[]): number[] => frames.map((f) => f.seq as number);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function joinRoom(client: WsClient, room: string): Promise<void> {
  client.send({ type: 'join', room, ref: `join-${room}` });
  await client.frames.next(isType('joined', { ref: `join-${room}` }));
}

async function postMany(client: WsClient, room: string, count: number, prefix: string): Promise<void> {
  for (let i = 0; i < count; i++) client.send({ type: 'say', room, text: `${prefix}${i}` });
  await client.frames.next((f) => f.type === 'message' && f.text === `${prefix}${count - 1}`, 10_000);
}

test('a joiner gets recent history, then live messages, with no gap and no duplicate at the seam', async () => {
  const s = await startTestServer({ floodBurst: 0, historyOnJoin: 50 });
  try {
    const posters = [await WsClient.connect(s.httpPort), await WsClient.connect(s.httpPort)];
    for (const p of posters) await joinRoom(p, 'busy');
    await postMany(posters[0]!, 'busy', 100, 'warmup-');
    // Both posters keep posting, a window at a time, until the joiner has seen plenty of live traffic.
    let posting = true;
    const floods = posters.map(async (p, n) => {
      for (let i = 0; posting; i++) {
        for (let k = 0; k < 10; k++) p.send({ type: 'say', room: 'busy', text: `p${n}-${i}-${k}` });
        await p.frames.next(isType('message', { text: `p${n}-${i}-9` }), 10_000);
      }
    });
    const joiner = await WsClient.connect(s.httpPort);
    joiner.send({ type: 'join', room: 'busy', ref: 'j' });
    await joiner.frames.take(100, (f) => isMessageIn('busy')(f) && f.history !== true, 10_000);
    posting = false;
    await Promise.all(floods);
    const last = Math.max(...posters.map((p) => seqsOf(p.frames.items.filter(isMessageIn('busy'))).at(-1)!));
    await joiner.frames.next(isType('message', { seq: last }), 10_000);
    const frames = messagesIn('busy', joiner.frames.items);
    const history = frames.filter((f) => f.history === true);
    const live = frames.filter((f) => f.history !== true);
    assert.equal(history.length, 50, 'the 50 most recent messages as history');
    const historyFrame = joiner.frames.items.find(isType('history', { room: 'busy' }))!;
    assert.equal(historyFrame.more, true, 'older messages exist, and the history frame says so');
    const seqs = seqsOf(frames);
    assert.deepEqual(seqs, range(seqs[0]!, last), 'contiguous from the first history message to the last live one');
    const lastHistorySeq = seqsOf(history).at(-1)!;
    assert.ok(seqsOf(live).every((seq) => seq > lastHistorySeq), 'history strictly before live');
    const joinedAt = joiner.frames.items.findIndex(isType('joined', { ref: 'j' }));
    const firstHistoryAt = joiner.frames.items.findIndex(isType('history', { room: 'busy' }));
    assert.ok(joinedAt >= 0 && joinedAt < firstHistoryAt, 'the joined ack comes first');
    for (const c of [...posters, joiner]) c.close();
  } finally {
    await s.close();
  }
});

test('text users get lobby history at connect; JSON connections do not, and ask with "history"', async () => {
  const s = await startTestServer({ floodBurst: 0 });
  try {
    const poster = await WsClient.connect(s.httpPort);
    await postMany(poster, 'lobby', 3, 'old-');
    const text = await TcpClient.text(s.tcpPort);
    await text.lines.next((l) => /^\[history\] #lobby:3 <guest-\d+> old-2$/.test(l));
    const ws = await WsClient.connect(s.httpPort);
    ws.send({ type: 'history', room: 'lobby', ref: 'h' });
    const page = await ws.frames.next(isType('history', { ref: 'h' }));
    assert.deepEqual((page.messages as Frame[]).map((m) => m.text), ['old-0', 'old-1', 'old-2']);
    assert.ok((page.messages as Frame[]).every((m) => m.type === 'message' && m.history === true), 'same shape as live messages');
    assert.equal(page.more, false);
    assert.ok(!ws.frames.items.some((f) => f.type === 'message'), 'no history frames were pushed at connect');
    for (const c of [poster, text, ws]) c.close();
  } finally {
    await s.close();
  }
});

test('paging with before/after and limit, and /history in text mode', async () => {
  const s = await startTestServer({ floodBurst: 0, historyPageMax: 40 });
  try {
    const a = await WsClient.connect(s.httpPort);
    await joinRoom(a, 'pages');
    await postMany(a, 'pages', 120, 'm');
    a.send({ type: 'history', room: 'pages', before: 120, limit: 50, ref: 'p1' });
    const p1 = await a.frames.next(isType('history', { ref: 'p1' }));
    assert.deepEqual(seqsOf(p1.messages as Frame[]), range(80, 119), 'capped at --history-page-max');
    assert.equal(p1.more, true);
    a.send({ type: 'history', room: 'pages', after: 100, ref: 'p2' });
    const p2 = await a.frames.next(isType('history', { ref: 'p2' }));
    assert.deepEqual(seqsOf(p2.messages as Frame[]), range(101, 120));
    assert.equal(p2.more, false);
    a.send({ type: 'history', room: 'pages', before: 5, after: 1, ref: 'bad' });
    assert.equal((await a.frames.next(isType('error', { ref: 'bad' }))).code, 'bad_field');
    a.send({ type: 'history', room: 'pages', before: -1, ref: 'neg' });
    assert.equal((await a.frames.next(isType('error', { ref: 'neg' }))).code, 'bad_field');

    const t = await TcpClient.text(s.tcpPort);
    t.send('/join pages');
    await t.lines.next((l) => l.startsWith('-!- 50 messages of #pages history') || l.startsWith('[history] #pages:120'));
    t.send('/history 3');
    await t.lines.next((l) => l === '-!- 3 messages of #pages history (older ones before #pages:118)');
    const shown = t.lines.items.slice(-4, -1);
    assert.deepEqual(shown.map((l) => l.split(' ')[1]), ['#pages:118', '#pages:119', '#pages:120']);
    a.close();
    t.close();
  } finally {
    await s.close();
  }
});

test('disconnect, 500 messages later resume: exactly those 500, in order, then live', async () => {
  const s = await startTestServer({ floodBurst: 0 });
  try {
    const poster = await WsClient.connect(s.httpPort);
    await joinRoom(poster, 'dev');
    const reader = await WsClient.connect(s.httpPort);
    await joinRoom(reader, 'dev');
    await postMany(poster, 'dev', 10, 'before-');
    await reader.frames.next(isType('message', { text: 'before-9' }));
    const lastSeen = { dev: 10, lobby: 0 };
    const epoch = reader.welcome.epoch;
    reader.close();

    await postMany(poster, 'dev', 500, 'missed-');
    const back = await WsClient.connect(s.httpPort);
    back.send({ type: 'resume', epoch, rooms: lastSeen, ref: 'r' });
    const resumed = await back.frames.next(isType('resumed', { room: 'dev' }));
    assert.deepEqual(resumed, { type: 'resumed', room: 'dev', complete: true, ref: 'r' });
    poster.send({ type: 'say', room: 'dev', text: 'live' });
    await back.frames.next(isType('message', { text: 'live' }));
    const got = back.frames.items.filter(isMessageIn('dev'));
    assert.deepEqual(seqsOf(got), range(11, 511), 'the 500 missed, then the live one: no gap, no duplicate');
    assert.deepEqual(got.slice(0, 500).map((f) => f.text), range(0, 499).map((i) => `missed-${i}`));
    assert.ok(got.slice(0, 500).every((f) => f.history === true) && got[500]!.history === undefined);
    assert.deepEqual(back.frames.items.find(isType('resumed', { room: 'lobby' })), { type: 'resumed', room: 'lobby', complete: true, ref: 'r' });
    poster.close();
    back.close();
  } finally {
    await s.close();
  }
});

test('resume past retention says so, with the first seq still kept', async () => {
  const s = await startTestServer({ floodBurst: 0, retentionMessages: 100 });
  try {
    const poster = await WsClient.connect(s.httpPort);
    await joinRoom(poster, 'old');
    await postMany(poster, 'old', 300, 'm');
    s.hub.maintain();
    const back = await WsClient.connect(s.httpPort);
    back.send({ type: 'resume', rooms: { old: 10 } });
    const resumed = await back.frames.next(isType('resumed'));
    assert.deepEqual(resumed, { type: 'resumed', room: 'old', complete: false, firstSeq: 201 });
    assert.deepEqual(seqsOf(back.frames.items.filter(isMessageIn('old'))), range(201, 300), 'what is left, and no pretending');
    poster.close();
    back.close();
  } finally {
    await s.close();
  }
});

test('a resume bigger than one replay says "more", and paging after it completes the catch-up', async () => {
  const s = await startTestServer({ floodBurst: 0, resumeMaxMessages: 100 });
  try {
    const poster = await WsClient.connect(s.httpPort);
    await joinRoom(poster, 'big');
    await postMany(poster, 'big', 250, 'm');
    const back = await WsClient.connect(s.httpPort);
    back.send({ type: 'resume', rooms: { big: 0 } });
    const resumed = await back.frames.next(isType('resumed'));
    assert.deepEqual(resumed, { type: 'resumed', room: 'big', complete: true, more: true });
    const replayed = seqsOf(back.frames.items.filter(isMessageIn('big')));
    assert.deepEqual(replayed, range(1, 100));
    back.send({ type: 'history', room: 'big', after: 100, limit: 200, ref: 'rest' });
    const rest = await back.frames.next(isType('history', { ref: 'rest' }));
    assert.deepEqual(seqsOf(rest.messages as Frame[]), range(101, 250));
    poster.close();
    back.close();
  } finally {
    await s.close();
  }
});

test('a resume from another history (new epoch, or seqs from the future) is told to reset', async () => {
  const s = await startTestServer({ floodBurst: 0 });
  try {
    const poster = await WsClient.connect(s.httpPort);
    await postMany(poster, 'lobby', 3, 'm');
    const c = await WsClient.connect(s.httpPort);
    c.send({ type: 'resume', epoch: 'not-this-one', rooms: { lobby: 2 } });
    assert.deepEqual(await c.frames.next(isType('resumed')), { type: 'resumed', room: 'lobby', complete: false, firstSeq: 1, reset: true });
    c.send({ type: 'resume', rooms: { lobby: 999 } });
    assert.equal((await c.frames.next(isType('resumed'))).reset, true);
    poster.close();
    c.close();
  } finally {
    await s.close();
  }
});

test('text mode resumes by hand', async () => {
  const s = await startTestServer({ floodBurst: 0 });
  try {
    const poster = await WsClient.connect(s.httpPort);
    await joinRoom(poster, 'ops');
    await postMany(poster, 'ops', 5, 'm');
    const t = await TcpClient.text(s.tcpPort);
    t.send('/resume ops 3');
    await t.lines.next((l) => l === '-!- resumed #ops: nothing missed');
    const replayed = t.lines.items.filter((l) => l.startsWith('[history] #ops:'));
    assert.deepEqual(replayed.map((l) => l.split(' ')[1]), ['#ops:4', '#ops:5']);
    t.send('/resume ops x');
    await t.lines.next((l) => l.endsWith('[bad_args]'));
    poster.close();
    t.close();
  } finally {
    await s.close();
  }
});

test('a store that cannot write: the senders are told, nobody receives the message, seq has no gap', async () => {
  const log = new SqliteRoomLog(join(mkdtempSync(join(tmpdir(), 'hubbub-full-')), 'hubbub.db'), { maxMessages: 0, maxAgeMs: 0 });
  const s = await startTestServer({ floodBurst: 0, maxTextBytes: 4096 }, {}, { log });
  try {
    const sender = await TcpJsonClient.connect(s.tcpPort);
    const other = await WsClient.connect(s.httpPort);
    sender.send({ type: 'say', room: 'lobby', text: 'stored', ref: 'ok' });
    await other.frames.next(isType('message', { text: 'stored' }));
    log.db.pragma(`max_page_count = ${(log.db.pragma('page_count', { simple: true }) as number) + 1}`);
    for (let i = 0; i < 50; i++) sender.send({ type: 'say', room: 'lobby', text: `${i} ${'x'.repeat(4000)}`, ref: `f${i}` });
    const failure = await sender.frames.next(isType('error', { ref: 'f49' }), 10_000);
    assert.equal(failure.code, 'store_failed');
    log.db.pragma('max_page_count = 1000000');
    sender.send({ type: 'say', room: 'lobby', text: 'after', ref: 'after' });
    const after = await other.frames.next(isType('message', { text: 'after' }));
    const delivered = other.frames.items.filter(isMessageIn('lobby'));
    const errors = sender.frames.items.filter(isType('error'));
    assert.equal(delivered.length + errors.length, 52, 'every message was delivered or its sender was told');
    assert.deepEqual(seqsOf(delivered), range(1, delivered.length), 'no gap: failed seqs were reused');
    assert.equal(after.seq, delivered.length);
    sender.close();
    other.close();
  } finally {
    await s.close();
  }
});

test('SIGKILL in the middle of a flood: everything any client saw is still there after restart, and seq continues', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hubbub-kill-'));
  const args = ['--data-dir', dataDir, '--flood-burst', '0'];
  const first = await spawnServer(args);
  const reader = await WsClient.connect(first.httpPort);
  const senders = [await WsClient.connect(first.httpPort), await WsClient.connect(first.httpPort), await WsClient.connect(first.httpPort)];
  let sending = true;
  // Each sender keeps a window of messages in flight until the server dies under it.
  const floods = senders.map(async (sender, n) => {
    let i = 0;
    while (sending && !sender.frames.closed) {
      for (let k = 0; k < 20; k++) sender.send({ type: 'say', room: 'lobby', text: `s${n}-${i++}` });
      await sender.frames.next(isType('message', { text: `s${n}-${i - 1}` }), 10_000).catch(() => undefined);
    }
  });
  await reader.frames.next((f) => f.type === 'message' && (f.seq as number) >= 2000, 20_000);
  first.child.kill('SIGKILL');
  await reader.frames.ended();
  sending = false;
  await Promise.all(floods);

  const seen = new Map<number, string>();
  for (const client of [reader, ...senders]) {
    for (const f of client.frames.items.filter(isMessageIn('lobby'))) seen.set(f.seq as number, f.text as string);
  }
  const maxSeen = Math.max(...seen.keys());

  const second = await spawnServer(args);
  try {
    const checker = await WsClient.connect(second.httpPort);
    assert.equal(checker.welcome.epoch, reader.welcome.epoch, 'same history');
    const stored = new Map<number, string>();
    let after = 0;
    for (;;) {
      checker.send({ type: 'history', room: 'lobby', after, limit: 200, ref: `h${after}` });
      const page = await checker.frames.next(isType('history', { ref: `h${after}` }));
      for (const m of page.messages as Frame[]) stored.set(m.seq as number, m.text as string);
      if (!page.more) break;
      after = (page.messages as Frame[]).at(-1)!.seq as number;
    }
    const storedSeqs = [...stored.keys()];
    assert.deepEqual(storedSeqs, range(1, storedSeqs.length), 'stored history is gap-free and in order');
    for (const [seq, text] of seen) assert.equal(stored.get(seq), text, `seq ${seq} seen by a client is stored`);
    assert.ok(storedSeqs.length >= maxSeen);
    checker.send({ type: 'say', room: 'lobby', text: 'after restart', ref: 'new' });
    const fresh = await checker.frames.next(isType('message', { ref: 'new' }));
    assert.equal(fresh.seq, storedSeqs.length + 1, 'seq continues without reuse');
    checker.close();
  } finally {
    await second.stop();
  }
});
