/**
 * Signing in over real sockets: tokens minted here with jose (valid, expired, wrong key, wrong
 * audience, alg none, a JWKS key pair), the rooms claim, the subject reserved against guests and
 * against a second connection, --guests off and --password, the token query parameter, Origin.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jwtVerify } from 'jose';
import type { ServeConfig } from '../../src/config/options.js';
import { tempDir } from '../helpers/certificates.js';
import { TcpClient, TcpJsonClient, WsClient, isType, type JsonClient } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';
import { AUDIENCE, SECRET, hmacToken, inSeconds, keyPair, unsignedToken } from '../helpers/tokens.js';

const TOKENS: Partial<ServeConfig> = { authSecret: SECRET, authAudience: AUDIENCE };

async function withServer(extra: Partial<ServeConfig>, body: (ports: { tcp: number; http: number }) => Promise<void>): Promise<void> {
  const server = await startTestServer({}, extra);
  try {
    await body({ tcp: server.tcpPort, http: server.httpPort });
  } finally {
    await server.close();
  }
}

async function errorCode(client: JsonClient, frame: object, ref: string): Promise<unknown> {
  client.send({ ...frame, ref });
  const answer = await client.frames.next((f) => f.ref === ref, 5000, `answer ${ref}`);
  assert.equal(answer.type, 'error', JSON.stringify(answer));
  return answer.code;
}

test('a valid token over WebSocket: the subject becomes the nick, the rooms claim is enforced', async () => {
  await withServer(TOKENS, async ({ http }) => {
    const alice = await WsClient.connect(http);
    const token = await hmacToken({ sub: 'alice', rooms: ['dev', 'ops'], exp: inSeconds(3600) });
    alice.send({ type: 'auth', token, ref: 'a1' });
    // lobby is not in the claim: the connection leaves it.
    await alice.frames.next(isType('left', { room: 'lobby' }));
    const authed = await alice.frames.next(isType('authed', { ref: 'a1' }));
    assert.equal(authed.nick, 'alice');
    assert.equal(authed.subject, 'alice');
    assert.deepEqual(authed.rooms, ['dev', 'ops']);
    assert.ok(typeof authed.expiresAt === 'number' && authed.expiresAt > Date.now());
    alice.send({ type: 'join', room: '#Dev', ref: 'j1' });
    assert.equal((await alice.frames.next(isType('joined', { ref: 'j1' }))).nick, 'alice');
    assert.equal(await errorCode(alice, { type: 'join', room: 'random' }, 'j2'), 'room_forbidden');
    assert.equal(await errorCode(alice, { type: 'history', room: 'random' }, 'h1'), 'room_forbidden');
    assert.equal(await errorCode(alice, { type: 'resume', rooms: { random: 0 } }, 'r1'), 'room_forbidden');
    assert.equal(await errorCode(alice, { type: 'nick', nick: 'mallory' }, 'n1'), 'nick_locked');
    alice.send({ type: 'say', room: 'dev', text: 'hi', ref: 's1' });
    assert.equal((await alice.frames.next(isType('message', { ref: 's1' }))).from, 'alice');
    alice.close();
  });
});

test('each bad token is refused with its own code, over WebSocket and TCP text', async () => {
  const other = await keyPair('other');
  await withServer(TOKENS, async ({ tcp, http }) => {
    const ws = await WsClient.connect(http);
    const cases: [string, string | Promise<string>][] = [
      ['token_expired', hmacToken({ sub: 'alice', exp: inSeconds(-60) })],
      ['token_bad_signature', hmacToken({ sub: 'alice' }, 'some-other-secret-of-enough-length')],
      ['token_wrong_audience', hmacToken({ sub: 'alice', aud: 'another-service' })],
      ['token_unsupported_alg', unsignedToken({ sub: 'alice' })],
      ['token_unsupported_alg', other.sign({ sub: 'alice' })],
      ['token_invalid', 'not.a.jwt'],
      ['token_invalid', hmacToken({})],
      ['token_invalid', hmacToken({ sub: 'guest-1' })],
      ['token_invalid', hmacToken({ sub: 'alice', rooms: ['no spaces allowed'] })],
    ];
    for (const [i, [code, token]] of cases.entries()) {
      assert.equal(await errorCode(ws, { type: 'auth', token: await token }, `t${i}`), code, `case ${i}`);
    }
    // Still a guest after all of that.
    ws.send({ type: 'say', room: 'lobby', text: 'still here', ref: 'ok' });
    assert.match(String((await ws.frames.next(isType('message', { ref: 'ok' }))).from), /^guest-\d+$/);

    const terminal = await TcpClient.text(tcp);
    terminal.send(`/auth ${await hmacToken({ sub: 'alice', exp: inSeconds(-60) })}`);
    await terminal.lines.next((l) => l.endsWith('[token_expired]'));
    terminal.send(`/auth ${await hmacToken({ sub: 'Alice', rooms: ['dev'] })}`);
    await terminal.lines.next((l) => l.includes('is now known as Alice'));
    await terminal.lines.next((l) => l.includes('signed in as Alice; you may join #dev'));
    ws.close();
    terminal.close();
  });
});

test('tokens signed with a key of the JWKS file are accepted; HMAC ones are not', async () => {
  const pair = await keyPair('k1');
  const file = join(tempDir(), 'jwks.json');
  writeFileSync(file, JSON.stringify(pair.jwks));
  await withServer({ authJwksFile: file, authAudience: AUDIENCE }, async ({ tcp }) => {
    const program = await TcpJsonClient.connect(tcp);
    assert.equal(await errorCode(program, { type: 'auth', token: await hmacToken({ sub: 'carol' }) }, 'h'), 'token_unsupported_alg');
    program.send({ type: 'auth', token: await pair.sign({ sub: 'carol', ops: '*' }), ref: 'k' });
    assert.equal((await program.frames.next(isType('authed', { ref: 'k' }))).nick, 'carol');
    program.close();
  });
});

test('a subject is reserved: guests cannot take it (folded), a guest holding it is renamed, a second sign-in is refused', async () => {
  await withServer(TOKENS, async ({ tcp, http }) => {
    const guest = await TcpJsonClient.connect(tcp);
    guest.send({ type: 'nick', nick: 'Bob', ref: 'g1' });
    await guest.frames.next(isType('nick', { ref: 'g1' }));
    const bob = await WsClient.connect(http);
    bob.send({ type: 'auth', token: await hmacToken({ sub: 'bob' }), ref: 'b1' });
    await bob.frames.next(isType('authed', { ref: 'b1', nick: 'bob' }));
    // The guest was renamed back to its guest nick, and told.
    const renamed = await guest.frames.next(isType('nick', { old: 'Bob' }));
    assert.equal(renamed.nick, `guest-${String(guest.welcome.id)}`);
    for (const [i, lookalike] of ['bob', 'BOB', 'Ｂｏｂ', 'ｂｏｂ'].entries()) {
      assert.equal(await errorCode(guest, { type: 'nick', nick: lookalike }, `l${i}`), 'nick_reserved', lookalike);
    }
    // A second connection with the same subject is refused while the first is signed in.
    const again = await TcpJsonClient.connect(tcp);
    assert.equal(await errorCode(again, { type: 'auth', token: await hmacToken({ sub: 'BOB' }) }, 'a1'), 'nick_taken');
    // Gone or not, the subject stays reserved against guests.
    bob.close();
    await guest.frames.next((f) => f.type === 'presence' && (f.left as unknown[]).length > 0);
    assert.equal(await errorCode(guest, { type: 'nick', nick: 'bob' }, 'l-after'), 'nick_reserved');
    // Its owner signs in again.
    again.send({ type: 'auth', token: await hmacToken({ sub: 'bob' }), ref: 'a2' });
    await again.frames.next(isType('authed', { ref: 'a2', nick: 'bob' }));
    guest.close();
    again.close();
  });
});

test('a ban is not dodged from inside the room: signing in as a banned subject puts you out, a banned nick is refused', async () => {
  await withServer(TOKENS, async ({ http }) => {
    const boss = await WsClient.connect(http);
    boss.send({ type: 'join', room: 'dev', ref: 'b1' });
    await boss.frames.next(isType('joined', { ref: 'b1' }));
    for (const target of ['alice', 'Mallory']) {
      boss.send({ type: 'ban', room: 'dev', target, reason: 'trolling', ref: `ban-${target}` });
      await boss.frames.next(isType('ban', { ref: `ban-${target}` }));
    }
    // Joined as a guest (the ban names alice, not this connection), then signed in as alice.
    const alice = await WsClient.connect(http);
    alice.send({ type: 'join', room: 'dev', ref: 'a1' });
    await alice.frames.next(isType('joined', { ref: 'a1' }));
    alice.send({ type: 'auth', token: await hmacToken({ sub: 'ALICE' }), ref: 'a2' });
    const out = await alice.frames.next(isType('left', { room: 'dev' }));
    assert.deepEqual([out.reason, out.nick], ['kicked', 'ALICE']);
    assert.match(String(out.message), /banned from #dev for good \(trolling\)/);
    await alice.frames.next(isType('authed', { ref: 'a2' }));
    assert.equal(await errorCode(alice, { type: 'join', room: 'dev' }, 'a3'), 'banned');
    // A guest in the room may not take a nick the room bans (as IRC refuses it), in any folding.
    const guest = await WsClient.connect(http);
    guest.send({ type: 'join', room: 'dev', ref: 'g1' });
    await guest.frames.next(isType('joined', { ref: 'g1' }));
    assert.equal(await errorCode(guest, { type: 'nick', nick: 'ｍａｌｌｏｒｙ' }, 'g2'), 'banned');
    boss.send({ type: 'who', room: 'dev', ref: 'w' });
    const who = await boss.frames.next(isType('who', { ref: 'w' }));
    assert.deepEqual((who.members as { nick: string }[]).map((m) => m.nick).sort(), [boss.welcome.nick, guest.welcome.nick].sort());
    for (const client of [boss, alice, guest]) client.close();
  });
});

test('the token query parameter signs a WebSocket in as it opens', async () => {
  await withServer(TOKENS, async ({ http }) => {
    const token = await hmacToken({ sub: 'dave' });
    const dave = await WsClient.connect(http, undefined, undefined, `?token=${encodeURIComponent(token)}`);
    await dave.frames.next(isType('authed', { nick: 'dave' }));
    const bad = await WsClient.connect(http, undefined, undefined, '?token=garbage');
    assert.equal((await bad.frames.next(isType('error'))).code, 'token_invalid');
    dave.close();
    bad.close();
  });
});

test('--guests off: nothing but auth, help, ping, quit and /json before a token; no room until then', async () => {
  await withServer({ ...TOKENS, guests: 'off' }, async ({ tcp }) => {
    const terminal = await TcpClient.text(tcp);
    terminal.send('hello');
    await terminal.lines.next((l) => l.endsWith('[auth_required]'));
    terminal.send('/join dev');
    await terminal.lines.next((l) => l.endsWith('[auth_required]'));
    terminal.send('/help auth');
    await terminal.lines.next((l) => l.includes('/auth [token|password]'));
    terminal.send('/json');
    const program = terminal;
    const welcome = await program.frames.next(isType('welcome'));
    assert.deepEqual(welcome.rooms, [], 'not in lobby before signing in');
    program.send(JSON.stringify({ type: 'who', room: 'lobby', ref: 'w' }));
    assert.equal((await program.frames.next(isType('error', { ref: 'w' }))).code, 'auth_required');
    program.send(JSON.stringify({ type: 'ping', ref: 'p' }));
    await program.frames.next(isType('pong', { ref: 'p' }));
    program.send(JSON.stringify({ type: 'auth', token: await hmacToken({ sub: 'erin' }), ref: 'a' }));
    await program.frames.next(isType('joined', { room: 'lobby', nick: 'erin' }));
    await program.frames.next(isType('authed', { ref: 'a' }));
    program.send(JSON.stringify({ type: 'say', room: 'lobby', text: 'in', ref: 's' }));
    await program.frames.next(isType('message', { ref: 's' }));
    program.close();
  });
});

test('--password: a guest gives it first (/auth in text, the auth frame in JSON); a wrong one is refused', async () => {
  await withServer({ password: 'open sesame' }, async ({ tcp, http }) => {
    const terminal = await TcpClient.text(tcp);
    terminal.send('hi');
    await terminal.lines.next((l) => l.endsWith('[auth_required]'));
    terminal.send('/auth wrong');
    await terminal.lines.next((l) => l.endsWith('[auth_failed]'));
    terminal.send('/auth open sesame');
    await terminal.lines.next((l) => l.includes('password accepted'));
    terminal.send('hi');
    await terminal.lines.next((l) => /<guest-\d+> hi$/.test(l));
    const browser = await WsClient.connect(http);
    assert.equal(await errorCode(browser, { type: 'auth', token: 'a.b.c' }, 't'), 'auth_failed');
    browser.send({ type: 'auth', password: 'open sesame', ref: 'p' });
    await browser.frames.next(isType('authed', { ref: 'p' }));
    terminal.close();
    browser.close();
  });
});

test('--allowed-origins: other origins get 403 before the upgrade; the page\'s own origin and non-browsers pass', async () => {
  await withServer({ allowedOrigins: ['https://chat.example.org'] }, async ({ http }) => {
    await assert.rejects(WsClient.open(http, undefined, { origin: 'https://evil.example' }), /403/);
    const listed = await WsClient.connect(http, undefined, { origin: 'https://chat.example.org' });
    const own = await WsClient.connect(http, undefined, { origin: `http://127.0.0.1:${http}` });
    const program = await WsClient.connect(http);
    for (const c of [listed, own, program]) c.close();
  });
});

test('hubbub token prints a token for the configured secret that the server accepts, with its claims', async () => {
  const bin = fileURLToPath(new URL('../../bin/hubbub.js', import.meta.url));
  const config = join(tempDir(), 'hubbub.yaml');
  writeFileSync(config, `auth-secret: ${SECRET}\nauth-audience: ${AUDIENCE}\n`);
  const printed = execFileSync(process.execPath, [bin, 'token', '--config', config, '--sub', 'frank', '--rooms', 'dev,ops', '--ops', 'dev', '--ttl', '1h'], { encoding: 'utf8' }).trim();
  const { payload } = await jwtVerify(printed, new TextEncoder().encode(SECRET), { audience: AUDIENCE });
  assert.equal(payload.sub, 'frank');
  assert.deepEqual(payload.rooms, ['dev', 'ops']);
  assert.deepEqual(payload.ops, ['dev']);
  assert.equal(payload.exp! - payload.iat!, 3600);
  await withServer(TOKENS, async ({ tcp }) => {
    const terminal = await TcpClient.text(tcp);
    terminal.send(`/auth ${printed}`);
    await terminal.lines.next((l) => l.includes('signed in as frank; you may join #dev, #ops; your token expires at'));
    terminal.close();
  });
  assert.throws(() => execFileSync(process.execPath, [bin, 'token', '--sub', 'frank'], { encoding: 'utf8', stdio: 'pipe', env: {} }), /signs with --auth-secret/);
});

test('a short-lived token over WebSocket: told token_expired ahead, then closed with session_expired', async () => {
  await withServer(TOKENS, async ({ http }) => {
    const grace = await WsClient.connect(http);
    grace.send({ type: 'auth', token: await hmacToken({ sub: 'gina', exp: inSeconds(2) }), ref: 'a' });
    await grace.frames.next(isType('authed', { ref: 'a' }));
    // In this order: the warning, unasked, then the goodbye (the core tests time them exactly).
    const warning = await grace.frames.next(isType('error', { code: 'token_expired' }));
    assert.equal(warning.ref, undefined, 'unasked');
    const bye = await grace.frames.next(isType('bye'));
    assert.equal(bye.code, 'session_expired');
    await grace.frames.ended();
    assert.equal(grace.closeCode, 1008);
  });
});
