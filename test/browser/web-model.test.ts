/** The web client's DOM-free parts, in Node: conversation ordering, links, the input parser. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createConversation, type Conversation, type Entry, type MessageEntry } from '../../web/src/conversation.js';
import { linkify } from '../../web/src/linkify.js';
import { parseInput } from '../../web/src/slash-commands.js';

function message(seq: number, text = `m${seq}`): MessageEntry {
  return { kind: 'message', seq, from: 'bob', fromId: 2, text, ts: seq, action: false, own: false };
}

function shown(conversation: Conversation): string[] {
  return conversation.entries.map((e: Entry) => (e.kind === 'message' ? String(e.seq) : e.kind === 'notice' ? `(${e.text})` : `[${e.kind}]`));
}

test('messages are placed by seq whatever order they arrive in: pages in front, live after notices', () => {
  const room = createConversation('room:dev', 'room', 'dev');
  for (const seq of [5, 6, 7]) room.addMessage(message(seq));
  room.addNotice('carol joined');
  // An older page, arriving after the newer ones.
  for (const seq of [3, 4]) room.addMessage(message(seq));
  room.addMessage(message(8));
  assert.deepEqual(shown(room), ['3', '4', '5', '6', '7', '(carol joined)', '8']);
  assert.equal(room.lowestSeq, 3);
});

test('pending sends stay last until settled; a gap notice sits where messages are missing; a notice is rewritten in place', () => {
  const room = createConversation('room:dev', 'room', 'dev');
  const pending = room.addPending('hi', false);
  room.addMessage(message(10));
  const outage = room.addNotice('connection lost');
  room.addMessage(message(20));
  room.addGapNotice(20, 'lost 11-19');
  assert.deepEqual(shown(room), ['10', '(connection lost)', '(lost 11-19)', '20', '[pending]']);
  const failed = room.replace(pending, { ...pending, state: 'failed', error: 'nope' });
  assert.equal(room.entries.at(-1), failed);
  room.replace(outage, { ...outage, text: 'back online' });
  assert.deepEqual(shown(room), ['10', '(back online)', '(lost 11-19)', '20', '[pending]']);
  room.remove(failed);
  assert.deepEqual(shown(room), ['10', '(back online)', '(lost 11-19)', '20']);
});

test('when the server numbers a room again, new messages go after everything shown', () => {
  const room = createConversation('room:dev', 'room', 'dev');
  for (const seq of [1, 2, 3]) room.addMessage(message(seq));
  room.restartNumbering();
  room.addMessage(message(1, 'new one'));
  room.addMessage(message(2, 'new two'));
  assert.deepEqual(
    room.entries.map((e) => (e.kind === 'message' ? e.text : '')),
    ['m1', 'm2', 'm3', 'new one', 'new two'],
  );
  assert.equal(room.older, 'none', 'nothing older than the new numbering');
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
