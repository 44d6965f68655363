/**
 * The client engine without sockets: a fake link per connection attempt, a scripted server that
 * answers what the engine asks, and a clock the test moves by hand, so backoff, the heartbeat,
 * nick retries and pacing are checked without sleeping. (The real wires: test/e2e/chat-*.test.ts
 * and test/browser/.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientFrame } from '../../src/clients/client-frames.js';
import type { Clock } from '../../src/clients/engine/clock.js';
import { createHubClient, type ClientNotice, type ConnectionState, type HubClient, type HubClientOptions } from '../../src/clients/engine/hub-client.js';
import type { Link, LinkEvents } from '../../src/clients/engine/link.js';
import type { ServerFrame } from '../../src/clients/server-frames.js';
import { PROTOCOL_VERSION } from '../../src/protocol/schema/server-frames.js';

const LIMITS = { maxTextBytes: 4096, maxLineBytes: 16384, maxRoomsPerConn: 32 };

/** Time moves only when the test says; timers due by then run in order. */
class ManualClock implements Clock {
  time = 1_000_000;
  private timers: { due: number; run: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.time;
  }

  after(ms: number, run: () => void): () => void {
    const timer = { due: this.time + ms, run, cancelled: false };
    this.timers.push(timer);
    return () => (timer.cancelled = true);
  }

  /** The top of each jitter range: delays are exactly the backoff ceilings. */
  random(): number {
    return 1;
  }

  /** Moves time on by `ms`, running what falls due (and what those schedule) as it goes. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      await settled();
      const next = this.timers.filter((t) => !t.cancelled && t.due <= until).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = next.due;
      next.run();
    }
    this.time = until;
    await settled();
  }
}

/** Lets every promise continuation and queued reply run (not a sleep: nothing waits on time). */
async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

type Reply = (frame: ClientFrame & { ref?: string | number }, link: FakeLink) => object[] | undefined;

/** One connection attempt: what the engine sent, and a way to play the server. */
class FakeLink implements Link {
  readonly sent: (ClientFrame & { ref?: string | number })[] = [];
  destroyed = false;
  nick: string;

  constructor(
    readonly events: LinkEvents,
    readonly id: number,
    private readonly reply: Reply,
  ) {
    this.nick = `guest-${id}`;
  }

  send(frame: ClientFrame): void {
    this.sent.push(frame);
    // Answered a moment later, as a server would.
    queueMicrotask(() => {
      if (this.destroyed) return;
      for (const answer of this.reply(frame, this) ?? []) this.push(answer);
    });
  }

  end(): void {
    this.destroyed = true;
  }

  destroy(): void {
    this.destroyed = true;
  }

  push(frame: object): void {
    this.events.received(JSON.stringify(frame));
  }

  welcome(epoch = 'e1', rooms = ['lobby']): void {
    this.push({ type: 'welcome', protocol: PROTOCOL_VERSION, id: this.id, nick: this.nick, rooms, server: 'fake', epoch, limits: LIMITS });
  }

  drop(reason = 'connection reset by the server'): void {
    this.destroyed = true;
    this.events.closed(reason);
  }

  sentOf<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
    return this.sent.filter((f) => f.type === type) as Extract<ClientFrame, { type: T }>[];
  }
}

/** What a plain server answers; `overrides` replace it per frame type. */
function serverReplies(overrides: Partial<Record<ClientFrame['type'], Reply>> = {}): Reply {
  const seqs = new Map<string, number>();
  return (frame, link) => {
    const override = overrides[frame.type];
    if (override) return override(frame, link);
    const { ref } = frame;
    switch (frame.type) {
      case 'nick': {
        const old = link.nick;
        link.nick = frame.nick;
        return [{ type: 'nick', id: link.id, old, nick: frame.nick, ref }];
      }
      case 'join':
        return [{ type: 'joined', room: frame.room, nick: link.nick, id: link.id, ref }];
      case 'part':
        return [{ type: 'left', room: frame.room ?? 'lobby', nick: link.nick, id: link.id, reason: 'left', ref }];
      case 'history':
        return [{ type: 'history', room: frame.room ?? 'lobby', messages: [], more: false, ref }];
      case 'ping':
        return [{ type: 'pong', ref }];
      case 'resume':
        return Object.keys(frame.rooms).map((room) => ({ type: 'resumed', room, complete: true, ref }));
      case 'say': {
        const seq = (seqs.get(frame.room) ?? 0) + 1;
        seqs.set(frame.room, seq);
        return [{ type: 'message', room: frame.room, seq, from: link.nick, fromId: link.id, text: frame.text, ts: 0, ref }];
      }
      default:
        return undefined;
    }
  };
}

/** An engine over fake links; each attempt's link is in `links`, welcomed unless told otherwise. */
function engine(options: Partial<HubClientOptions> & { reply?: Reply; refuse?: () => boolean } = {}) {
  const clock = new ManualClock();
  const links: FakeLink[] = [];
  const frames: ServerFrame[] = [];
  const states: ConnectionState[] = [];
  const notices: ClientNotice[] = [];
  const reply = options.reply ?? serverReplies();
  let nextId = 1;
  const client: HubClient = createHubClient({
    ...options,
    clock,
    open(events) {
      const link = new FakeLink(events, nextId++, reply);
      links.push(link);
      queueMicrotask(() => (options.refuse?.() ? link.drop('connection refused') : link.welcome()));
      return link;
    },
    handlers: {
      frame: (frame) => frame && frames.push(frame),
      state: (state) => states.push(state),
      notice: (notice) => notices.push(notice),
    },
  });
  return { client, clock, links, frames, states, notices, last: () => links.at(-1)! };
}

const message = (room: string, seq: number, text: string, extra: object = {}) => ({ type: 'message', room, seq, from: 'bob', fromId: 99, text, ts: 0, ...extra });

test('every attempt of an outage backs off to the cap, in one outage with one start time; online resets it', async () => {
  let refusing = true;
  const { client, clock, states } = engine({ refuse: () => refusing });
  void client.start();
  await clock.advance(0);
  // Doubling from 0.5 s, capped at 15 s: the top of each range, as random() is 1.
  for (const expected of [500, 1000, 2000, 4000, 8000, 15_000, 15_000]) {
    const state = states.at(-1)!;
    assert.ok(state.kind === 'offline', `offline, got ${state.kind}`);
    assert.equal(state.retryInMs, expected);
    await clock.advance(expected);
  }
  const offline = states.filter((s) => s.kind === 'offline');
  assert.deepEqual(
    offline.map((s) => s.attempt),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.equal(new Set(offline.map((s) => s.since)).size, 1, 'one outage, one start');
  refusing = false;
  await clock.advance(15_000);
  const online = states.at(-1)!;
  assert.ok(online.kind === 'online' && online.outageMs === 500 + 1000 + 2000 + 4000 + 8000 + 15_000 * 3);
});

test('a silent server is pinged after 20 s and dropped 10 s later; any frame keeps it alive', async () => {
  const { client, clock, last, states } = engine({ reply: serverReplies({ ping: () => undefined }) });
  void client.start();
  await clock.advance(0);
  assert.equal(client.state.kind, 'online');
  const first = last();
  await clock.advance(15_000);
  first.push(message('lobby', 1, 'keeps it alive'));
  await clock.advance(15_000);
  assert.equal(first.sentOf('ping').length, 0, 'not silent for 20 s yet');
  await clock.advance(5_000);
  assert.equal(first.sentOf('ping').length, 1, 'pinged after 20 s of silence');
  await clock.advance(9_999);
  assert.equal(first.destroyed, false);
  await clock.advance(1);
  assert.equal(first.destroyed, true, 'dropped after 10 s more without an answer');
  const lost = states.find((s) => s.kind === 'offline');
  assert.ok(lost?.kind === 'offline' && lost.reason === 'no answer from the server for 10s');
});

test('a taken nick: at once nick_ on the first connection; after a reconnect, three tries a second apart first', async () => {
  let holder: number | undefined;
  const reply = serverReplies({
    nick: (frame, link) => {
      if (frame.type !== 'nick') return undefined;
      if (frame.nick === 'alice' && holder !== undefined && holder !== link.id) return [{ type: 'error', code: 'nick_taken', message: 'that nick is already taken', ref: frame.ref }];
      if (frame.nick === 'alice') holder = link.id;
      const old = link.nick;
      link.nick = frame.nick;
      return [{ type: 'nick', id: link.id, old, nick: frame.nick, ref: frame.ref }];
    },
  });
  holder = 0; // someone else has it at first
  const { client, clock, last, notices } = engine({ nick: 'alice', reply });
  void client.start();
  await clock.advance(0);
  assert.equal(client.nick, 'alice_');
  assert.deepEqual(notices, [{ kind: 'nick-fallback', wanted: 'alice', nick: 'alice_', reason: '"alice" is taken' }]);

  // Now it is ours; the connection drops, and the server has not noticed yet.
  holder = undefined;
  await client.setNick('alice');
  last().drop();
  await clock.advance(500);
  const second = last();
  assert.deepEqual(
    second.sentOf('nick').map((f) => f.nick),
    ['alice'],
  );
  await clock.advance(2_000);
  assert.deepEqual(
    second.sentOf('nick').map((f) => f.nick),
    ['alice', 'alice', 'alice'],
    'tried again a second apart',
  );
  holder = undefined; // the server let go of the old connection
  await clock.advance(1_000);
  assert.equal(client.nick, 'alice', 'taken back, no fallback');
  assert.equal(client.state.kind, 'online');
});

test('a resume shows what was missed once and in order, drops duplicates, and reports a gap', async () => {
  const reply = serverReplies({
    resume: (frame) => {
      assert.deepEqual(frame, { type: 'resume', rooms: { lobby: 3 }, epoch: 'e1', ref: frame.ref });
      // Retention dropped 4-5; a live message overtook the replay; seq 3 again is a duplicate.
      return [message('lobby', 8, 'live'), message('lobby', 3, 'dup', { history: true }), message('lobby', 6, 'six', { history: true }), message('lobby', 7, 'seven', { history: true }), { type: 'resumed', room: 'lobby', complete: false, firstSeq: 6, ref: frame.ref }];
    },
  });
  const { client, clock, last, frames, notices } = engine({ reply });
  void client.start();
  await clock.advance(0);
  for (const seq of [1, 2, 3]) last().push(message('lobby', seq, `m${seq}`));
  last().drop();
  await clock.advance(500);
  const shown = frames.filter((f) => f.type === 'message').map((f) => (f.type === 'message' ? f.seq : 0));
  assert.deepEqual(shown, [1, 2, 3, 6, 7, 8]);
  assert.deepEqual(notices, [{ kind: 'gap', room: 'lobby', fromSeq: 4, toSeq: 5 }]);
  assert.ok(client.state.kind === 'online' && client.state.reconnected);
});

test('a capped replay is paged in with history before anything newer is shown', async () => {
  const reply = serverReplies({
    resume: (frame) => [message('lobby', 2, 'two', { history: true }), message('lobby', 9, 'live'), { type: 'resumed', room: 'lobby', complete: true, more: true, ref: frame.ref }],
    history: (frame) => {
      if (frame.type !== 'history' || frame.after === undefined) return [{ type: 'history', room: 'lobby', messages: [], more: false, ref: frame.ref }];
      const from = frame.after + 1;
      const page = [from, from + 1, from + 2].filter((seq) => seq <= 9).map((seq) => message('lobby', seq, `m${seq}`, { history: true }));
      return [{ type: 'history', room: 'lobby', messages: page, more: from + 2 < 9, ref: frame.ref }];
    },
  });
  const { client, clock, last, frames } = engine({ reply });
  void client.start();
  await clock.advance(0);
  last().push(message('lobby', 1, 'one'));
  last().drop();
  await clock.advance(500);
  assert.deepEqual(
    frames.filter((f) => f.type === 'message').map((f) => (f.type === 'message' ? f.seq : 0)),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    last()
      .sentOf('history')
      .map((f) => f.after),
    [2, 5],
    'paged until it meets the live message held meanwhile',
  );
});

test('says across a disconnect: one the replay shows is not sent again, one it does not show is', async () => {
  let answering = true;
  const reply = serverReplies({
    say: (frame, link) => (answering ? serverReplies().call(null, frame, link) : undefined),
    resume: (frame) => [{ ...message('lobby', 1, 'arrived', { history: true }), from: 'guest-1', fromId: 1 }, { type: 'resumed', room: 'lobby', complete: true, ref: frame.ref }],
  });
  const { client, clock, last } = engine({ reply });
  void client.start();
  await clock.advance(0);
  answering = false;
  const arrived = client.say('lobby', 'arrived');
  const lost = client.say('lobby', 'lost on the way');
  await clock.advance(0);
  assert.equal(last().sentOf('say').length, 2);
  last().drop();
  answering = true;
  await clock.advance(500);
  const [a, b] = await Promise.all([arrived, lost]);
  assert.ok(a.ok && a.message.seq === 1, 'settled by the replay');
  assert.ok(b.ok, 'sent again, and acknowledged');
  assert.deepEqual(
    last()
      .sentOf('say')
      .map((f) => f.text),
    ['lost on the way'],
    'only the one that never arrived is sent again',
  );
});

test('sends are paced below the flood limit: a burst of 18, then 4.5 per second', async () => {
  const { client, clock, last } = engine();
  void client.start();
  await clock.advance(0);
  const says = Array.from({ length: 20 }, (_, i) => client.say('lobby', `line ${i}`));
  await clock.advance(0);
  // The setup spent some of the bucket; the server's is full again with each welcome, so is ours.
  const burst = last().sentOf('say').length;
  assert.ok(burst >= 15 && burst <= 18, `a burst, got ${burst}`);
  await clock.advance(Math.ceil(1000 / 4.5));
  assert.equal(last().sentOf('say').length, burst + 1, 'then one per 1/4.5 s');
  await clock.advance(10_000);
  assert.equal(last().sentOf('say').length, 20);
  assert.ok((await Promise.all(says)).every((outcome) => outcome.ok));
});

test('a server of another protocol version is refused, said so, and tried again with backoff', async () => {
  const clock = new ManualClock();
  const states: ConnectionState[] = [];
  let opened = 0;
  const client = createHubClient({
    clock,
    open(events) {
      opened++;
      queueMicrotask(() => events.received(JSON.stringify({ type: 'welcome', protocol: PROTOCOL_VERSION + 1, id: 1, nick: 'guest-1', rooms: ['lobby'], server: 'new', epoch: 'e', limits: LIMITS })));
      return { send() {}, end() {}, destroy() {} };
    },
    handlers: { state: (s) => states.push(s) },
  });
  const started = client.start();
  await clock.advance(0);
  const state = states.at(-1)!;
  assert.ok(state.kind === 'offline' && state.versionMismatch === true);
  assert.match(state.reason, /the server is too new for this client/);
  await clock.advance(500);
  assert.equal(opened, 2, 'tried again after the backoff');
  await client.quit();
  assert.equal(client.state.kind, 'closed');
  await assert.rejects(started, /quit while connecting/, 'start() gives up only when told to');
});

test('a keyed room is joined again with its key after a reconnect, before the resume; a room that puts us out is not', async () => {
  const reply = serverReplies({
    join: (frame, link) => {
      if (frame.type !== 'join') return undefined;
      if (frame.room === 'vault' && frame.key !== 'sesame') return [{ type: 'error', code: 'bad_key', message: 'that room takes a key', ref: frame.ref }];
      return [{ type: 'joined', room: frame.room, nick: link.nick, id: link.id, ref: frame.ref }];
    },
  });
  const { client, clock, last } = engine({ reply });
  void client.start();
  await clock.advance(0);
  assert.equal((await client.join('vault', 'sesame')).type, 'joined');
  assert.equal((await client.join('deck')).type, 'joined');
  // Put out of #deck by an operator: the client stops keeping itself in it.
  last().push({ type: 'left', room: 'deck', nick: last().nick, id: last().id, reason: 'kicked', by: 'boss' });
  await clock.advance(0);
  assert.deepEqual([...client.rooms].sort(), ['lobby', 'vault']);

  last().drop();
  await clock.advance(500);
  const second = last();
  const kinds = second.sent.map((f) => f.type);
  assert.deepEqual(second.sentOf('join'), [{ type: 'join', room: 'vault', key: 'sesame', ref: second.sentOf('join')[0]!.ref }]);
  assert.ok(kinds.indexOf('join') < kinds.indexOf('resume'), `joined with the key before resuming: ${kinds.join(', ')}`);
  assert.deepEqual(Object.keys(second.sentOf('resume')[0]!.rooms).sort(), ['lobby', 'vault'], 'not #deck');
  assert.equal(client.state.kind, 'online');
});
