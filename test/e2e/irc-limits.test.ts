/**
 * The IRC door under every core limit and hostile input: flood control, the outbox cap, the
 * server's PING, TLS on the IRC port, and random lines over a real socket that must leave the
 * server up and answering.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import fc from 'fast-check';
import { makeCertificate, tempDir } from '../helpers/certificates.js';
import { WsClient, isType } from '../helpers/clients.js';
import { IrcClient } from '../helpers/irc-client.js';
import type { IrcMessage } from '../../src/protocol/irc/irc-message.js';
import { startTestServer } from '../helpers/server.js';
import { spawnServer } from '../helpers/spawn-server.js';

test('flood control: past the burst a PRIVMSG is refused with a notice, and a flooder is closed with ERROR', async () => {
  const s = await startTestServer({ floodBurst: 4, floodRate: 0.001, floodKickAfter: 6 }, { ircPort: '0' });
  try {
    // Registration's three lines (NICK, USER, and the free CAP) leave two tokens of the burst.
    const c = await IrcClient.registered(s.ircPort!, 'flooder');
    for (let i = 0; i < 12; i++) c.send(`PRIVMSG flooder :${i}`);
    const refused = await c.next((m) => m.command === 'NOTICE' && m.params[1]!.startsWith('rate_limited'));
    assert.equal(refused.params[0], 'flooder');
    const error = await c.next('ERROR');
    assert.match(error.params[0]!, /flood/);
    await once(c.socket, 'close');
  } finally {
    await s.close();
  }
});

test('the outbox cap: an IRC client that stops reading is cut off, and its channel sees it QUIT as a slow reader', async () => {
  const s = await startTestServer({ floodBurst: 0, outboxBytes: 64 * 1024, presenceBatchMs: 0 }, { ircPort: '0' });
  try {
    const stalled = await IrcClient.registered(s.ircPort!, 'stalled');
    const watcher = await IrcClient.registered(s.ircPort!, 'watcher');
    for (const c of [stalled, watcher]) {
      c.send('JOIN #busy');
      await c.next('366');
    }
    stalled.socket.pause();
    const ws = await WsClient.connect(s.httpPort);
    ws.send({ type: 'join', room: 'busy' });
    await ws.frames.next(isType('joined'));
    const line = 'y'.repeat(2000);
    const stalledQuit = (m: IrcMessage): boolean => m.command === 'QUIT' && m.source!.startsWith('stalled!');
    // Sent in rounds, each awaited at the watcher, until the stalled reader is cut off.
    let gone: IrcMessage | undefined;
    for (let round = 0; gone === undefined && round < 200; round++) {
      for (let i = 0; i < 20; i++) ws.send({ type: 'say', room: 'busy', text: `${round}.${i} ${line}` });
      const seen = await watcher.next((m) => stalledQuit(m) || (m.command === 'PRIVMSG' && m.params[1]!.startsWith(`${round}.19 `)), 10_000);
      if (stalledQuit(seen)) gone = seen;
    }
    assert.ok(gone, 'the stalled reader was cut off');
    assert.equal(gone.params[0], 'Slow reader');
    ws.close();
    watcher.close();
    stalled.close();
  } finally {
    await s.close();
  }
});

test("the server PINGs; a client that answers stays, one that never says anything is dropped", async () => {
  const s = await startTestServer({ ircPingIntervalMs: 40 }, { ircPort: '0' });
  try {
    const talker = await IrcClient.registered(s.ircPort!, 'talker');
    const silent = await IrcClient.registered(s.ircPort!, 'silent');
    const closed = once(silent.socket, 'close');
    const ping = await talker.next('PING');
    assert.deepEqual(ping.params, ['hubbub']);
    talker.send(`PONG :${ping.params[0]}`);
    await closed;
    // The talker answered every PING it got while the silent one was dropped.
    for (let i = 0; i < 2; i++) talker.send(`PONG :${(await talker.next('PING')).params[0]}`);
    talker.send('PING :alive');
    assert.equal((await talker.next('PONG')).params[1], 'alive');
    talker.close();
  } finally {
    await s.close();
  }
});

test('TLS on the IRC port with --tls-cert', async () => {
  const certificate = makeCertificate(tempDir());
  const s = await startTestServer({}, { ircPort: '0', tlsCert: certificate.certPath, tlsKey: certificate.keyPath });
  try {
    const c = await (await IrcClient.connectTls(s.ircPort!, certificate.cert)).register('secure');
    c.send('JOIN #tls');
    assert.deepEqual((await c.next('JOIN')).params, ['#tls']);
    c.close();
  } finally {
    await s.close();
  }
});

const ircish = fc.oneof(
  fc.string({ maxLength: 600 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc
    .tuple(
      fc.constantFrom('', '@a=b;c ', '@' + 'x'.repeat(9000) + ' ', ':src '),
      fc.constantFrom('PRIVMSG', 'NOTICE', 'JOIN', 'PART', 'NICK', 'USER', 'CAP', 'MODE', 'WHO', 'WHOIS', 'TOPIC', 'LIST', 'NAMES', 'PING', 'AWAY', 'USERHOST', 'ISON', 'KICK', '001', 'X'),
      fc.array(fc.oneof(fc.constantFrom('#fuzz', '#', '0', '*', ':', ',', '#a,#b,,#c', '+iw-x', '\u0001ACTION x\u0001', 'guest-1'), fc.string({ maxLength: 20 })), { maxLength: 6 }),
    )
    .map(([tags, command, params]) => `${tags}${command} ${params.join(' ')}`),
);

test('random lines and bytes over a real socket: every answer is well formed, no internal error, the server stays up', async () => {
  const server = await spawnServer(['--irc-port', '0', '--flood-burst', '0', '--store', 'memory']);
  try {
    const lines = fc.sample(ircish, { numRuns: 1500, seed: 1404 });
    const fuzzer = await IrcClient.connect(server.ircPort);
    fuzzer.send('NICK fuzzer');
    fuzzer.send('USER f 0 * :f');
    for (const line of lines) {
      // Lines end in CR LF or a bare LF alike; some are followed by a line of invalid UTF-8.
      fuzzer.writeRaw(Buffer.concat([Buffer.from(line), Buffer.from(line.length % 3 === 0 ? '\n' : '\r\n')]));
      if (line.length % 50 === 7) fuzzer.writeRaw(Buffer.from([0xff, 0xfe, 0x0d, 0x0a]));
    }
    fuzzer.send('PING :end-of-fuzz');
    await fuzzer.next((m) => m.command === 'PONG' && m.params[1] === 'end-of-fuzz', 30_000).catch((err: Error) => {
      // The fuzz may have quit, or been closed; what matters is the server is up, checked below.
      if (!fuzzer.lines.closed) throw err;
    });
    assert.deepEqual(fuzzer.bareLf, [], 'every line the server sent ended in CR LF');
    assert.deepEqual(fuzzer.lines.items.filter((l) => l.includes('internal_error')), [], `no command failed inside the server: ${server.stderr.join('').slice(0, 3000)}`);
    for (const line of fuzzer.lines.items) assert.ok(Buffer.byteLength(line) + 2 <= 512, `a line over 512 bytes: ${line.slice(0, 80)}`);
    fuzzer.close();
    const after = await IrcClient.registered(server.ircPort, 'survivor');
    after.send('PING :up');
    assert.equal((await after.next('PONG')).params[1], 'up');
    after.close();
    assert.equal(server.child.exitCode, null, 'the server is still running');
    assert.ok(!server.stderr.join('').includes('"level":50'), `no error was logged: ${server.stderr.join('').slice(0, 500)}`);
  } finally {
    await server.stop();
  }
});
