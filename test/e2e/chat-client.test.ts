/**
 * HubClient, the connection `hubbub chat` is built on, used directly as a bot or a test would:
 * acknowledged says, requests, a taken nick, sending while offline, a frozen server noticed by the
 * heartbeat, and quit. Real servers, real sockets.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ClientNotice, ConnectionState, HubClientOptions } from '../../src/clients/engine/hub-client.js';
import { parseHubUrl } from '../../src/clients/hub-url.js';
import { hubClientFor } from '../../src/clients/node-client.js';
import type { ServerFrame } from '../../src/clients/server-frames.js';
import type { RunningServer } from '../../src/server.js';
import { Inbox } from '../helpers/inbox.js';
import { isType, TcpJsonClient } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';
import { AUDIENCE, SECRET, hmacToken } from '../helpers/tokens.js';
import { Relay, ServerProcess } from './chat-harness.js';

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function inProcessServer(): Promise<RunningServer> {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  return server;
}

/** A client whose frames, states and notices land in inboxes a test can wait on. */
function client(url: string, options: Omit<HubClientOptions, 'open' | 'handlers'> = {}) {
  const frames = new Inbox<ServerFrame>();
  const states = new Inbox<ConnectionState>();
  const notices = new Inbox<ClientNotice>();
  const hub = hubClientFor(parseHubUrl(url), {
    ...options,
    handlers: { frame: (f) => f && frames.push(f), state: (s) => states.push(s), notice: (n) => notices.push(n) },
  });
  cleanups.push(() => hub.quit());
  return { hub, frames, states, notices };
}

for (const over of ['tcp', 'ws'] as const) {
  test(`over ${over}://: a say resolves with its seq, requests get their answers, quit closes`, async () => {
    const server = await inProcessServer();
    const url = over === 'tcp' ? `tcp://127.0.0.1:${server.tcpPort}` : `ws://127.0.0.1:${server.httpPort}/ws`;
    const { hub, states } = client(url, { nick: 'bot', rooms: ['#Alerts'] });
    await hub.start();
    assert.equal(hub.nick, 'bot');
    assert.deepEqual([...hub.rooms], ['alerts'], 'canonical room names; lobby left');

    const first = await hub.say('alerts', 'disk at 91%');
    const second = await hub.say('alerts', 'disk at 95%');
    assert.ok(first.ok && second.ok);
    assert.equal(second.message.seq, first.message.seq + 1);

    const who = await hub.request({ type: 'who', room: 'alerts' });
    assert.equal(who.type, 'who');
    const refused = await hub.say('not-joined', 'hello?');
    assert.deepEqual(refused.ok ? undefined : refused.code, 'not_in_room');

    await hub.quit();
    assert.equal(hub.state.kind, 'closed');
    await states.next((s) => s.kind === 'closed');
    const late = await hub.say('alerts', 'too late');
    assert.equal(late.ok ? undefined : late.code, 'closed');
  });
}

test('a taken nick gets a suffix, and a notice says so', async () => {
  const server = await inProcessServer();
  const holder = await TcpJsonClient.connect(server.tcpPort);
  cleanups.push(() => holder.close());
  holder.send({ type: 'nick', nick: 'popular', ref: 'n' });
  await holder.frames.next(isType('nick', { ref: 'n' }));

  const { hub, notices } = client(`tcp://127.0.0.1:${server.tcpPort}`, { nick: 'popular' });
  await hub.start();
  assert.equal(hub.nick, 'popular_');
  const notice = await notices.next((n) => n.kind === 'nick-fallback');
  assert.deepEqual(notice, { kind: 'nick-fallback', wanted: 'popular', nick: 'popular_', reason: '"popular" is taken' });
});

test('offline, says wait for the connection and requests answer "offline" at once', async () => {
  const server = await inProcessServer();
  const relay = await Relay.start(server.tcpPort);
  cleanups.push(() => relay.close());
  const watcher = await TcpJsonClient.connect(server.tcpPort);
  cleanups.push(() => watcher.close());
  watcher.send({ type: 'join', room: 'queue', ref: 'j' });
  await watcher.frames.next(isType('joined', { ref: 'j' }));

  const { hub, states } = client(`tcp://127.0.0.1:${relay.port}`, { nick: 'patient', rooms: ['queue'] });
  await hub.start();
  relay.cut(true);
  await states.next((s) => s.kind === 'offline');

  const pending = hub.say('queue', 'sent once back');
  const who = await hub.request({ type: 'who', room: 'queue' });
  assert.deepEqual(who.type === 'error' && who.code, 'offline');

  relay.reopen();
  const outcome = await pending;
  assert.ok(outcome.ok, 'delivered after reconnecting');
  const heard = await watcher.frames.next(isType('message', { from: 'patient' }), 10_000);
  assert.equal(heard.text, 'sent once back');
  assert.equal(heard.seq, outcome.message.seq);
});

test('a server that stops answering is noticed by the heartbeat, and the client comes back when it does', async () => {
  const server = await ServerProcess.start(['--store', 'memory']);
  cleanups.push(() => server.kill());
  const { hub, states } = client(`tcp://127.0.0.1:${server.tcpPort}`, {
    nick: 'pulse',
    timing: { heartbeatIdleMs: 200, heartbeatTimeoutMs: 400, nickRetryMs: 200 },
  });
  await hub.start();

  // The process is frozen: its sockets stay open, nothing answers.
  server.signal('SIGSTOP');
  const offline = await states.next((s) => s.kind === 'offline', 10_000);
  assert.match(offline.kind === 'offline' ? offline.reason : '', /no answer from the server/);

  server.signal('SIGCONT');
  const back = await states.next((s) => s.kind === 'online', 30_000);
  assert.ok(back.kind === 'online' && back.reconnected, 'back as a reconnection');
  assert.ok(back.outageMs !== undefined && back.outageMs >= 0, 'it says how long the outage lasted');
  assert.equal(hub.nick, 'pulse', 'the nick is claimed again once the server notices the old connection is gone');
});

test('with a token the client signs in on every (re)connect, before resuming; a refused token fails the start', async () => {
  const server = await startTestServer({}, { authSecret: SECRET, authAudience: AUDIENCE, guests: 'off' });
  cleanups.push(() => server.close());
  const relay = await Relay.start(server.tcpPort);
  cleanups.push(() => relay.close());
  const watcher = await TcpJsonClient.connect(server.tcpPort);
  cleanups.push(() => watcher.close());
  watcher.send({ type: 'auth', token: await hmacToken({ sub: 'watcher' }), ref: 'a' });
  await watcher.frames.next(isType('authed', { ref: 'a' }));
  watcher.send({ type: 'join', room: 'dev', ref: 'j' });
  await watcher.frames.next(isType('joined', { ref: 'j' }));

  const token = await hmacToken({ sub: 'Hana', rooms: ['dev'] });
  const { hub, states } = client(`tcp://127.0.0.1:${relay.port}`, { auth: { token }, nick: 'ignored', rooms: ['dev'], timing: { nickRetryMs: 100 } });
  await hub.start();
  assert.equal(hub.nick, 'Hana');
  assert.deepEqual([...hub.rooms], ['dev']);
  relay.cut(true);
  await states.next((s) => s.kind === 'offline');
  relay.reopen();
  await states.next((s) => s.kind === 'online' && s.reconnected, 10_000);
  assert.equal(hub.nick, 'Hana', 'signed in again (waiting out the old connection if the server still had it)');
  const said = await hub.say('dev', 'back');
  assert.ok(said.ok);
  assert.equal((await watcher.frames.next(isType('message', { text: 'back' }))).from, 'Hana');

  const refused = client(`tcp://127.0.0.1:${server.tcpPort}`, { auth: { token: await hmacToken({ sub: 'x' }, 'not-the-secret-at-all-0123456789') } });
  await assert.rejects(refused.hub.start(), /cannot sign in: .*\[token_bad_signature\]/);
});
