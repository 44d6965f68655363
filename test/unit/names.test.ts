import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HubError } from '../../src/core/errors.js';
import { checkNick, checkRoom, checkText, nickKey, sanitizeText } from '../../src/core/names.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof HubError) return err.code;
    throw err;
  }
  return 'ok';
}

test('nicks: letters of any script, digits, _ and -; 1 to 32 characters', () => {
  assert.equal(checkNick('alice', 1), 'alice');
  assert.equal(checkNick('Łukasz_99', 1), 'Łukasz_99');
  assert.equal(checkNick('小明', 1), '小明');
  assert.equal(checkNick('x'.repeat(32), 1), 'x'.repeat(32));
  assert.equal(checkNick('日'.repeat(32), 1), '日'.repeat(32), 'counted in characters, not bytes');
  for (const bad of ['', 'x'.repeat(33), 'a b', 'a!', 'a.b', '\u001b[31m', 'a\u0000']) {
    assert.equal(code(() => checkNick(bad, 1)), 'nick_invalid', JSON.stringify(bad));
  }
});

test('guest-<n> belongs to connection n only', () => {
  assert.equal(checkNick('guest-7', 7), 'guest-7');
  assert.equal(code(() => checkNick('guest-8', 7)), 'nick_reserved');
  assert.equal(code(() => checkNick('GUEST-8', 7)), 'nick_reserved');
});

test('nick uniqueness is case-insensitive', () => {
  assert.equal(nickKey('Alice'), nickKey('aLICE'));
  assert.equal(nickKey('ÉMILE'), nickKey('émile'));
});

test('rooms are case-folded, a leading # is accepted, names are checked', () => {
  assert.equal(checkRoom('#Dev'), 'dev');
  assert.equal(checkRoom('開発'), '開発');
  assert.equal(code(() => checkRoom('a'.repeat(65))), 'room_invalid');
  assert.equal(code(() => checkRoom('no spaces')), 'room_invalid');
  assert.equal(code(() => checkRoom('#')), 'room_invalid');
});

test('escape sequences and control characters never survive sanitising', () => {
  assert.equal(sanitizeText('\u001b[2J\u001b[31mred\u001b[0m'), 'red');
  assert.equal(sanitizeText('title\u001b]0;pwned\u0007!'), 'title!');
  assert.equal(sanitizeText('bell\u0007 back\u0008 c1\u009b31m'), 'bell back c1');
  assert.equal(sanitizeText('a\r\nb\rc\td'), 'a\nb\nc\td');
  assert.equal(sanitizeText('\u202eevil'), 'evil');
  assert.equal(sanitizeText('你好 😀'), '你好 😀');
});

test('message text: not empty, at most maxBytes of UTF-8', () => {
  assert.equal(code(() => checkText('   ', 10)), 'empty_text');
  assert.equal(code(() => checkText('\u001b[2J', 10)), 'empty_text');
  assert.equal(checkText('😀😀', 8), '😀😀');
  assert.equal(code(() => checkText('😀😀x', 8)), 'text_too_long');
});
