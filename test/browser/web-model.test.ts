/** The web client's DOM-free parts, in Node: conversation ordering, links, the input parser, backoff. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RECONNECT_BACKOFF, backoffDelay } from '../../web/src/backoff.js';
import { Conversation, type Entry, type MessageEntry } from '../../web/src/conversation.js';
import { linkify } from '../../web/src/linkify.js';
import { parseInput } from '../../web/src/slash-commands.js';

function message(seq: number, text = `m${seq}`): MessageEntry {
  return { kind: 'message', seq, from: 'bob', fromId: 2, text, ts: seq, action: false, own: false };
}

function shown(conversation: Conversation): string[] {
  return conversation.entries.map((e: Entry) => (e.kind === 'message' ? String(e.seq) : e.kind === 'notice' ? `(${e.text})` : `[${e.kind}]`));
}

test('messages are placed by seq whatever order they arrive in, and a seq is held once', () => {
  const room = new Conversation('room:dev', 'room', 'dev');
  for (const seq of [5, 6, 7]) assert.equal(room.addMessage(message(seq)), true);
  room.addNotice('carol joined');
  // A resume replay arriving behind the backlog, overlapping it.
  for (const seq of [3, 4, 5, 6]) room.addMessage(message(seq));
  assert.equal(room.addMessage(message(6, 'again')), false, 'a duplicate is refused');
  room.addMessage(message(8));
  assert.deepEqual(shown(room), ['3', '4', '5', '6', '7', '(carol joined)', '8']);
  assert.equal(room.lowestSeq, 3);
  assert.equal(room.highestSeq, 8);
});

test('pending sends stay last until settled; a gap notice sits where messages are missing', () => {
  const room = new Conversation('room:dev', 'room', 'dev');
  room.addPending({ kind: 'pending', ref: 'c1', text: 'hi', action: false, ts: 0, state: 'sending', connection: 1 });
  room.addMessage(message(10));
  room.addMessage(message(20));
  room.addGapNotice(20, 'lost 11-19');
  assert.deepEqual(shown(room), ['10', '(lost 11-19)', '20', '[pending]']);
  room.failPending('c1', 'nope');
  assert.equal(room.pending()[0]?.state, 'failed');
  assert.equal(room.takePending('c1')?.text, 'hi');
  assert.deepEqual(room.pending(), []);
});

test('when the server numbers a room again, new messages go after everything shown', () => {
  const room = new Conversation('room:dev', 'room', 'dev');
  for (const seq of [1, 2, 3]) room.addMessage(message(seq));
  room.synced = 3;
  room.restartNumbering();
  assert.equal(room.synced, 0);
  assert.equal(room.addMessage(message(1, 'new one')), true, 'seq 1 of the new numbering is not a duplicate');
  room.addMessage(message(2, 'new two'));
  assert.deepEqual(
    room.entries.map((e) => (e.kind === 'message' ? e.text : '')),
    ['m1', 'm2', 'm3', 'new one', 'new two'],
  );
});

test('only http and https URLs become links; surrounding punctuation stays text', () => {
  assert.deepEqual(linkify('see https://example.com/a_(b)?q=1, ok'), [
    { kind: 'text', text: 'see ' },
    { kind: 'link', text: 'https://example.com/a_(b)?q=1', href: 'https://example.com/a_(b)?q=1' },
    { kind: 'text', text: ', ok' },
  ]);
  assert.deepEqual(linkify('(http://x.org/y).'), [
    { kind: 'text', text: '(' },
    { kind: 'link', text: 'http://x.org/y', href: 'http://x.org/y' },
    { kind: 'text', text: ').' },
  ]);
  for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://x.org', 'https://', '<a href="javascript:x">y</a>']) {
    assert.ok(
      linkify(text).every((s) => s.kind === 'text'),
      text,
    );
  }
});

test('the message box accepts text and the commands of the one table', () => {
  const read = (line: string) => {
    const input = parseInput(line);
    return input?.kind === 'command' ? { verb: input.row.name, ...input.params } : input;
  };
  assert.deepEqual(read('hello'), { kind: 'say', text: 'hello' });
  assert.deepEqual(read('//etc'), { kind: 'say', text: '/etc' });
  assert.deepEqual(read('/me waves'), { verb: 'me', text: 'waves' });
  assert.deepEqual(read('/msg bob  hi  there'), { verb: 'whisper', to: 'bob', text: 'hi  there' });
  assert.deepEqual(read('/W bob hi'), { verb: 'whisper', to: 'bob', text: 'hi' });
  assert.deepEqual(read('/nick alice'), { verb: 'nick', nick: 'alice' });
  assert.deepEqual(read('/join #dev'), { verb: 'join', room: '#dev' });
  assert.deepEqual(read('/part'), { verb: 'part' });
  assert.deepEqual(read('/leave dev'), { verb: 'part', room: 'dev' });
  assert.deepEqual(read('/who'), { verb: 'who' });
  assert.deepEqual(read('/rooms'), { verb: 'rooms' });
  assert.deepEqual(read('/help /msg'), { verb: 'help', command: '/msg' });
  assert.deepEqual(read('/nick two words'), { kind: 'invalid', message: 'too many arguments; usage: /nick <name>' });
  assert.deepEqual(read('/msg bob'), { kind: 'invalid', message: 'usage: /whisper <nick> <text>' });
  assert.deepEqual(read('/history 5'), { kind: 'invalid', message: 'unknown command /history; /help lists them' }, 'not a command the page offers');
  assert.deepEqual(read('/frob'), { kind: 'invalid', message: 'unknown command /frob; /help lists them' });
  assert.equal(read('   '), undefined);
});

test('reconnect delays grow to a cap and are jittered within their half', () => {
  const low = (attempt: number): number => backoffDelay(attempt, () => 0);
  const high = (attempt: number): number => backoffDelay(attempt, () => 1);
  assert.equal(high(0), RECONNECT_BACKOFF.initialMs);
  assert.equal(low(0), RECONNECT_BACKOFF.initialMs / 2);
  assert.equal(high(1), RECONNECT_BACKOFF.initialMs * 2);
  assert.equal(high(30), RECONNECT_BACKOFF.maxMs);
  assert.equal(low(30), RECONNECT_BACKOFF.maxMs / 2);
});
