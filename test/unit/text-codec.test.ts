import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerEvent } from '../../src/core/events.js';
import { textCodec } from '../../src/protocol/text/text-codec.js';

function decode(line: string) {
  const result = textCodec.decode(line);
  return result.ok ? { command: result.spec.name, params: result.params } : { code: result.error.code };
}

test('plain lines are said in the current room; // escapes a leading slash', () => {
  assert.deepEqual(decode('hello there'), { command: 'say', params: { text: 'hello there' } });
  assert.deepEqual(decode('//join is a command'), { command: 'say', params: { text: '/join is a command' } });
});

test('commands split their arguments; the last may take the rest of the line', () => {
  assert.deepEqual(decode('/nick alice'), { command: 'nick', params: { nick: 'alice' } });
  assert.deepEqual(decode('/JOIN #dev'), { command: 'join', params: { room: '#dev' } });
  assert.deepEqual(decode('/msg bob  hi  there '), { command: 'whisper', params: { to: 'bob', text: 'hi  there' } });
  assert.deepEqual(decode('/w bob x'), { command: 'whisper', params: { to: 'bob', text: 'x' } });
  assert.deepEqual(decode('/say dev some words'), { command: 'say', params: { room: 'dev', text: 'some words' } });
  assert.deepEqual(decode('/me waves'), { command: 'me', params: { text: 'waves' } });
  assert.deepEqual(decode('/part'), { command: 'part', params: {} });
  assert.deepEqual(decode('/quit see you all'), { command: 'quit', params: { reason: 'see you all' } });
  assert.deepEqual(decode('/list'), { command: 'rooms', params: {} });
  assert.deepEqual(decode('/json'), { command: 'json', params: {} });
});

test('wrong arguments and unknown verbs are errors with codes', () => {
  assert.deepEqual(decode('/nick'), { code: 'bad_args' });
  assert.deepEqual(decode('/nick a b'), { code: 'bad_args' });
  assert.deepEqual(decode('/msg bob'), { code: 'bad_args' });
  assert.deepEqual(decode('/rooms now'), { code: 'bad_args' });
  assert.deepEqual(decode('/frobnicate'), { code: 'unknown_command' });
});

test('a message line shows room, seq, nick and text; notices are marked', () => {
  const message = { type: 'message', room: 'dev', seq: 42, from: 'alice', fromId: 3, text: 'hi', ts: 0 } as const;
  assert.equal(textCodec.encode(message), '#dev:42 <alice> hi');
  assert.equal(textCodec.encode({ ...message, action: true }), '#dev:42 * alice hi');
  assert.equal(textCodec.encode({ type: 'joined', room: 'dev', nick: 'alice', id: 3 }), '-!- alice (#3) joined #dev');
  assert.equal(
    textCodec.encode({ type: 'left', room: 'dev', nick: 'alice', id: 3, reason: 'slow_reader' }),
    '-!- alice (#3) left #dev (slow reader)',
  );
  // Put out by a ban as it signed in: no operator did it, the ban says why.
  assert.equal(
    textCodec.encode({ type: 'left', room: 'dev', nick: 'alice', id: 3, reason: 'kicked', message: 'you are banned from #dev for good' }),
    '-!- alice (#3) left #dev (kicked: you are banned from #dev for good)',
  );
  assert.equal(textCodec.encode({ type: 'error', code: 'nick_taken', message: 'taken' }), '-!- error: taken [nick_taken]');
});

test('a presence notice is a line per kind of change, listing ten names and then a count', () => {
  const one: ServerEvent = { type: 'presence', room: 'dev', joined: [{ id: 3, nick: 'alice' }], left: [] };
  assert.equal(textCodec.encode(one), '-!- alice (#3) joined #dev', 'one join reads as it always did');
  const wave = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, nick: `g${i + 1}` }));
  const mixed: ServerEvent = {
    type: 'presence',
    room: 'dev',
    joined: wave,
    left: [
      { id: 20, nick: 'bob', reason: 'quit' },
      { id: 21, nick: 'eve', reason: 'disconnected' },
      { id: 22, nick: 'dan', reason: 'quit' },
    ],
  };
  assert.deepEqual(textCodec.encode(mixed).split('\n'), [
    `-!- ${wave.slice(0, 10).map((m) => `${m.nick} (#${m.id})`).join(', ')} and 2 more joined #dev`,
    '-!- bob (#20), dan (#22) left #dev (quit)',
    '-!- eve (#21) left #dev (disconnected)',
  ]);
});

test('text output is one line and cannot drive a terminal', () => {
  const evil = { type: 'message', room: 'dev', seq: 1, from: 'x', fromId: 1, text: 'a\nb\tc\u001b[2J\u0007', ts: 0 } as const;
  const line = textCodec.encode(evil);
  assert.equal(line, '#dev:1 <x> a ↵ b c');
  assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f]/);
  const error = textCodec.encode({ type: 'error', code: 'no_such_nick', message: 'nobody is called "\u001b[31mx"' });
  assert.doesNotMatch(error, /\u001b/);
  // Unicode's line and paragraph separators break lines for some readers: shown like a newline.
  const bye = textCodec.encode({ type: 'bye', code: 'quit', message: 'goodbye (a\u2028b\u2029c)' });
  assert.equal(bye, '-!- bye: goodbye (a ↵ b ↵ c) [quit]');
});
