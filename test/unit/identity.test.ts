/**
 * Signing in, in the core (fake connections, a hand-driven scheduler, a verifier that knows a few
 * tokens): reserved subjects under folding (property), expiry warnings and the disconnect, a fresh
 * token, and a verifier that answers later.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Access, TokenVerifier } from '../../src/core/access.js';
import { expiryNoticeLeadMs } from '../../src/core/access.js';
import { HubError } from '../../src/core/errors.js';
import { TOKEN_EXPIRY_NOTICE_MS } from '../../src/core/limits.js';
import type { Grants } from '../../src/core/session.js';
import { fakeHub, type FakeConn } from '../helpers/fake-hub.js';

/** Why the connection was closed, if it was (read afresh: the hub closes it while the test waits). */
function closedWith(conn: FakeConn): string | undefined {
  return conn.closed?.code;
}

/** Tokens are "sub" or "sub@expiresAt": what they grant is read off them. */
const verifier: TokenVerifier = {
  verify(token) {
    const [subject, expires] = token.split('@');
    if (!subject) throw new HubError('token_invalid');
    return { subject, ...(expires !== undefined && { expiresAt: Number(expires) }) } satisfies Grants;
  },
};
const ACCESS: Access = { openToGuests: true, tokens: verifier };

/** Lookalikes of a nick under folding: case changes, fullwidth forms, decomposed accents. */
function lookalike(nick: string, choices: number[]): string {
  return [...nick.normalize('NFD')]
    .map((char, i) => {
      const choice = choices[i % choices.length]!;
      if (choice === 1) return char.toUpperCase();
      if (choice === 2 && /[!-~]/.test(char)) return String.fromCharCode(char.charCodeAt(0) + 0xfee0);
      return char;
    })
    .join('');
}

test('property: no guest can take a signed-in subject, spelt any way that folds to it, online or gone', async () => {
  const subject = fc.stringMatching(/^[a-zé_-][a-z0-9é_-]{0,15}$/).filter((s) => !/^guest-[0-9]+$/.test(s));
  await fc.assert(
    fc.asyncProperty(subject, fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 8 }), fc.boolean(), async (sub, choices, leaves) => {
      const { hub, connect, send, scheduler } = fakeHub({}, undefined, false, { access: ACCESS });
      const guest = connect();
      const owner = connect();
      send(owner.session, { type: 'auth', token: sub });
      await scheduler.endTurn();
      assert.equal(owner.session.nick, sub);
      if (leaves) hub.connectionLost(owner.session);
      const before = guest.session.nick;
      const wanted = lookalike(sub, choices);
      send(guest.session, { type: 'nick', nick: wanted, ref: 'n' });
      await scheduler.endTurn();
      const answer = guest.conn.frames.findLast((f) => 'ref' in f && f.ref === 'n');
      // Refused as reserved, or (a fullwidth hyphen) as no nick at all: never granted.
      assert.ok(answer?.type === 'error' && ['nick_reserved', 'nick_invalid'].includes(answer.code), `${wanted}: ${JSON.stringify(answer)}`);
      assert.equal(guest.session.nick, before);
    }),
    { numRuns: 300 },
  );
});

test('a token is warned about a minute (or a tenth of its life) ahead, and its session ends at expiry', async () => {
  assert.equal(expiryNoticeLeadMs(3_600_000, TOKEN_EXPIRY_NOTICE_MS), 60_000);
  assert.equal(expiryNoticeLeadMs(100_000, TOKEN_EXPIRY_NOTICE_MS), 10_000);
  const state = fakeHub({}, undefined, false, { access: ACCESS });
  const { connect, send, scheduler } = state;
  const alice = connect();
  const expiresAt = state.now + 3_600_000;
  send(alice.session, { type: 'auth', token: `alice@${expiresAt}` });
  await scheduler.endTurn();
  assert.equal(alice.conn.of('authed')[0]?.expiresAt, expiresAt);
  state.now += 3_540_000 - 1;
  await scheduler.advance(3_540_000 - 1);
  assert.equal(alice.conn.of('error').length, 0, 'no warning before its time');
  state.now += 1;
  await scheduler.advance(1);
  const [warning] = alice.conn.of('error');
  assert.equal(warning?.code, 'token_expired');
  assert.match(warning.message, /expires in 60 s/);
  assert.equal(closedWith(alice.conn), undefined);
  state.now += 60_000;
  await scheduler.advance(60_000);
  assert.equal(closedWith(alice.conn), 'session_expired');
});

test('a fresh token before expiry keeps the session; one of another subject is refused', async () => {
  const state = fakeHub({}, undefined, false, { access: ACCESS });
  const { connect, send, scheduler } = state;
  const alice = connect();
  send(alice.session, { type: 'auth', token: `alice@${state.now + 100_000}` });
  await scheduler.endTurn();
  state.now += 90_000;
  await scheduler.advance(90_000);
  assert.equal(alice.conn.of('error')[0]?.code, 'token_expired');
  send(alice.session, { type: 'auth', token: 'mallory', ref: 'other' });
  send(alice.session, { type: 'auth', token: `ALICE@${state.now + 3_600_000}`, ref: 'fresh' });
  await scheduler.endTurn();
  assert.deepEqual(alice.conn.of('error').map((e) => e.code), ['token_expired', 'token_subject_changed']);
  assert.equal(alice.conn.of('authed').at(-1)?.ref, 'fresh');
  state.now += 1_000_000;
  await scheduler.advance(1_000_000);
  assert.equal(closedWith(alice.conn), undefined, 'the fresh token\'s expiry counts now');
});

test('a verifier that answers later: the commands sent after auth wait for it, in order', async () => {
  let release!: () => void;
  const later: TokenVerifier = {
    verify: (token) => new Promise<Grants>((resolve) => (release = () => resolve({ subject: token, rooms: new Set(['dev']) }))),
  };
  const { connect, send, scheduler } = fakeHub({}, undefined, false, { access: { openToGuests: false, tokens: later } });
  const bob = connect();
  send(bob.session, { type: 'auth', token: 'bob', ref: 'a' });
  send(bob.session, { type: 'join', room: 'dev', ref: 'j' });
  send(bob.session, { type: 'join', room: 'lobby', ref: 'l' });
  await scheduler.endTurn();
  assert.equal(bob.conn.of('joined').length, 0, 'nothing before the token is checked');
  release();
  await scheduler.endTurn();
  const answers = bob.conn.frames.filter((f) => 'ref' in f && f.ref !== undefined).map((f) => [f.type, 'ref' in f && f.ref]);
  assert.deepEqual(answers, [['authed', 'a'], ['joined', 'j'], ['error', 'l']]);
  assert.equal(bob.conn.of('error')[0]?.code, 'room_forbidden');
});
