import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HubError } from '../../src/core/errors.js';
import { foldName } from '../../src/core/fold.js';
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

/** Strings made of the characters that fold in surprising ways, mixed with ordinary ones. */
const foldy = fc.string({
  unit: fc.oneof(
    fc.constantFrom('g', 'u', 'e', 's', 't', '-', 'G', 'ｇ', 'Ｇ', 'İ', 'ı', 'ß', 'ẞ', 'ﬁ', 'Ω', 'Ω', 'K', '\u0307', '\u0301', 'ǅ', '①', '½', '５', '٥', '5', '0'),
    fc.string({ unit: 'grapheme', maxLength: 1 }),
  ),
  maxLength: 12,
});

test('folding is a fixed point, so a folded key never folds to another', () => {
  fc.assert(
    fc.property(foldy, (name) => foldName(foldName(name)) === foldName(name)),
    { numRuns: 2000 },
  );
});

test('guest-<n> is reserved under folding: no accepted nick of another connection folds to it', () => {
  fc.assert(
    fc.property(fc.oneof(foldy, foldy.map((tail) => `guest-${tail}`)), fc.integer({ min: 1, max: 99 }), (raw, ownId) => {
      let nick: string;
      try {
        nick = checkNick(raw, ownId);
      } catch {
        return true;
      }
      const guest = /^guest-([0-9]+)$/.exec(nickKey(nick));
      return guest === null || guest[1] === String(ownId);
    }),
    { numRuns: 5000 },
  );
  for (const lookalike of ['guest-５', 'GUEST-5', 'ｇｕｅｓｔ-５', 'Guest-5']) {
    assert.equal(code(() => checkNick(lookalike, 7)), 'nick_reserved', lookalike);
    assert.equal(checkNick(lookalike, 5), lookalike.normalize('NFC'), `${lookalike} is connection 5's own`);
  }
  assert.equal(code(() => checkNick('guest-05', 5)), 'nick_reserved', 'guest-05 would pass for guest-5: nobody gets it');
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
