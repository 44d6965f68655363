/** Hub events as raw IRC lines for one reader (pure), and channel-mode differences. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modeChange, modeString, NEW_ROOM_MODES } from '../../src/doors/irc/channel-modes.js';
import { formatIrc, type IrcReader } from '../../src/protocol/irc/format-irc.js';

const reader: IrcReader = { id: 7, target: 'carol', registered: true, echoMessage: false, serverTime: false, batch: false, messageTags: false };
const message = { type: 'message', room: 'dev', seq: 3, from: 'ada', fromId: 2, text: 'hi all', ts: Date.UTC(2026, 0, 2, 3, 4, 5) } as const;

test('a room message is a PRIVMSG from nick!id@hubbub to #room; an action is CTCP ACTION', () => {
  assert.equal(formatIrc('srv', message, reader), ':ada!2@hubbub PRIVMSG #dev :hi all');
  assert.equal(formatIrc('srv', { ...message, text: 'waves', action: true }, reader), ':ada!2@hubbub PRIVMSG #dev :\u0001ACTION waves\u0001');
  assert.equal(formatIrc('srv', { ...message, text: 'one' }, reader), ':ada!2@hubbub PRIVMSG #dev one');
});

test('own messages are not echoed unless echo-message; server-time adds the time tag', () => {
  const own = { ...message, from: 'carol', fromId: 7 };
  assert.equal(formatIrc('srv', own, reader), '');
  assert.equal(formatIrc('srv', own, { ...reader, echoMessage: true }), ':carol!7@hubbub PRIVMSG #dev :hi all');
  assert.equal(formatIrc('srv', message, { ...reader, serverTime: true }), '@time=2026-01-02T03:04:05.000Z :ada!2@hubbub PRIVMSG #dev :hi all');
});

test('text with newlines becomes one PRIVMSG per line, CR LF between them', () => {
  assert.equal(formatIrc('srv', { ...message, text: 'a b\n\nc d' }, reader), ':ada!2@hubbub PRIVMSG #dev :a b\r\n:ada!2@hubbub PRIVMSG #dev :c d');
});

test('whispers, presence, nick changes, kicks, errors and the goodbye', () => {
  const whisper = { type: 'whisper', from: 'ada', fromId: 2, to: 'carol', toId: 7, text: 'psst', ts: 0 } as const;
  assert.equal(formatIrc('srv', whisper, reader), ':ada!2@hubbub PRIVMSG carol psst');
  assert.equal(formatIrc('srv', { ...whisper, from: 'carol', fromId: 7, to: 'ada', toId: 2 }, reader), '');
  assert.equal(
    formatIrc('srv', { type: 'presence', room: 'dev', joined: [{ id: 3, nick: 'bob' }], left: [{ id: 4, nick: 'eve', reason: 'left' }, { id: 5, nick: 'dan', reason: 'slow_reader' }] }, reader),
    ':bob!3@hubbub JOIN #dev\r\n:eve!4@hubbub PART #dev\r\n:dan!5@hubbub QUIT :Slow reader',
  );
  assert.equal(formatIrc('srv', { type: 'nick', id: 3, old: 'bob', nick: 'robert' }, reader), ':bob!3@hubbub NICK robert');
  assert.equal(formatIrc('srv', { type: 'nick', id: 7, old: 'guest-7', nick: 'carol' }, { ...reader, registered: false }), '', 'not before registration');
  assert.equal(formatIrc('srv', { type: 'kicked', room: 'dev', id: 3, nick: 'bob', by: 'ada', reason: 'bye now' }, reader), ':ada!*@hubbub KICK #dev bob :bye now');
  assert.equal(formatIrc('srv', { type: 'left', room: 'dev', id: 7, nick: 'carol', reason: 'kicked', by: 'ada' }, reader), ':ada!*@hubbub KICK #dev carol ada');
  assert.equal(formatIrc('srv', { type: 'error', code: 'line_too_long', message: 'x' }, reader), ':srv 417 carol :Input line was too long');
  assert.equal(formatIrc('srv', { type: 'error', code: 'rate_limited', message: 'slow down' }, reader), ':srv NOTICE carol :rate_limited: slow down');
  assert.equal(formatIrc('srv', { type: 'bye', code: 'quit', message: 'goodbye' }, reader), 'ERROR :Closing link: goodbye');
  assert.equal(formatIrc('srv', { type: 'role', room: 'dev', id: 3, nick: 'bob', role: 'operator', by: 'ada' }, reader), ':ada!*@hubbub MODE #dev +o-v bob bob');
  assert.equal(formatIrc('srv', { type: 'ban', room: 'dev', ban: { id: 9, by: 'ada', at: 0 } }, reader), ':ada!*@hubbub MODE #dev +b *!9@*');
  assert.equal(formatIrc('srv', { type: 'invited', room: 'dev', id: 7, nick: 'carol', by: 'ada' }, reader), ':ada!*@hubbub INVITE carol #dev');
  assert.equal(formatIrc('srv', { type: 'invited', room: 'dev', id: 3, nick: 'bob', by: 'carol' }, reader), ':srv 341 carol bob #dev');
});

test('channel modes: the state as 324 shows it, and the difference as MODE sends it', () => {
  assert.deepEqual(modeString(NEW_ROOM_MODES), ['+nt']);
  assert.deepEqual(modeString({ t: false, m: true, i: true, k: true, l: 5 }), ['+nmikl', '*', '5']);
  assert.equal(modeChange(NEW_ROOM_MODES, NEW_ROOM_MODES), undefined);
  assert.deepEqual(modeChange(NEW_ROOM_MODES, { ...NEW_ROOM_MODES, t: false, m: true, l: 10 }), ['+ml-t', '10']);
  assert.deepEqual(modeChange({ ...NEW_ROOM_MODES, k: true, l: 3 }, NEW_ROOM_MODES), ['-kl', '*']);
});
