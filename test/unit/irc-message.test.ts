/** The IRC line codec: RFC 1459 / RFC 2812 / ircdocs examples, raw lines in and out, and properties over any input. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IRC_MAX_BODY_BYTES, parseIrc, serializeIrc, serializeIrcWithin, splitUtf8, type IrcMessage } from '../../src/protocol/irc/irc-message.js';

function parsed(line: string): IrcMessage {
  const result = parseIrc(line);
  assert.ok(result.ok, `${JSON.stringify(line)} parses (got ${JSON.stringify(result)})`);
  return result.message;
}

test('RFC 2812 examples: prefix, command, middle and trailing parameters', () => {
  assert.deepEqual(parsed(':WiZ!jto@tolsun.oulu.fi NICK Kilroy'), { source: 'WiZ!jto@tolsun.oulu.fi', command: 'NICK', params: ['Kilroy'] });
  assert.deepEqual(parsed('USER guest 0 * :Ronnie Reagan'), { command: 'USER', params: ['guest', '0', '*', 'Ronnie Reagan'] });
  assert.deepEqual(parsed('PRIVMSG #foo,#bar :Hello there'), { command: 'PRIVMSG', params: ['#foo,#bar', 'Hello there'] });
  assert.deepEqual(parsed('JOIN #foo,#bar fubar,foobar'), { command: 'JOIN', params: ['#foo,#bar', 'fubar,foobar'] });
  assert.deepEqual(parsed(':Angel!wings@irc.org PRIVMSG Wiz :Are you receiving this message ?'), {
    source: 'Angel!wings@irc.org',
    command: 'PRIVMSG',
    params: ['Wiz', 'Are you receiving this message ?'],
  });
  assert.deepEqual(parsed('QUIT :Gone to have lunch'), { command: 'QUIT', params: ['Gone to have lunch'] });
  assert.deepEqual(parsed('PING tolsun.oulu.fi'), { command: 'PING', params: ['tolsun.oulu.fi'] });
  assert.deepEqual(parsed(':irc.example.com 001 nick :Welcome'), { source: 'irc.example.com', command: '001', params: ['nick', 'Welcome'] });
});

test('commands are case-insensitive and read in upper case; numerics are three digits', () => {
  assert.equal(parsed('privmsg #a :x').command, 'PRIVMSG');
  const refused = parseIrc('12 x');
  assert.ok(!refused.ok && refused.refusal === 'bad_command' && refused.command === '12');
  const odd = parseIrc('PRIV-MSG x');
  assert.ok(!odd.ok && odd.refusal === 'bad_command');
});

test('ircdocs: an empty trailing parameter, a trailing with colons, extra spaces between parameters', () => {
  assert.deepEqual(parsed('TOPIC #test :').params, ['#test', '']);
  assert.deepEqual(parsed('PRIVMSG #a ::-) hi: there').params, ['#a', ':-) hi: there']);
  assert.deepEqual(parsed('MODE   #a    +o   nick').params, ['#a', '+o', 'nick']);
  assert.deepEqual(parsed('PRIVMSG #a :  leading spaces kept').params, ['#a', '  leading spaces kept']);
});

test('after 14 middle parameters the rest of the line is the 15th, spaces and all (RFC 2812)', () => {
  const middles = Array.from({ length: 14 }, (_, i) => `p${i}`);
  assert.deepEqual(parsed(`CMD ${middles.join(' ')} rest of it`).params, [...middles, 'rest of it']);
});

test('message tags: escaped values, keys without values, client-only and vendor tags', () => {
  const message = parsed('@id=123AB;rose;+example.com/x=a\\sb\\:c\\\\d\\ne :nick!u@h PRIVMSG #chan :Hello');
  assert.deepEqual({ ...message.tags }, { id: '123AB', rose: '', '+example.com/x': 'a b;c\\d\ne' });
  assert.equal(message.source, 'nick!u@h');
  assert.deepEqual(parsed('@a=\\b\\ PING x').tags?.a, 'b', 'an unknown escape drops the backslash; a trailing one is dropped');
  const bad = parseIrc('@bad key=1 PING x');
  assert.ok(!bad.ok);
  const badKey = parseIrc('@k!y=1 PING x');
  assert.ok(!badKey.ok && badKey.refusal === 'bad_tags');
});

test('the 512-byte limit: 510 bytes of body pass, 511 are too long; tags do not count', () => {
  const head = 'PRIVMSG #a :';
  assert.ok(parseIrc(head + 'x'.repeat(IRC_MAX_BODY_BYTES - head.length)).ok);
  const long = parseIrc(head + 'x'.repeat(IRC_MAX_BODY_BYTES - head.length + 1));
  assert.ok(!long.ok && long.refusal === 'too_long');
  // Counted in bytes: 170 three-byte characters are 510 bytes.
  const wide = parseIrc(head + '€'.repeat(170));
  assert.ok(!wide.ok && wide.refusal === 'too_long');
  assert.ok(parseIrc(`@t=${'v'.repeat(4000)} ${head}${'x'.repeat(IRC_MAX_BODY_BYTES - head.length)}`).ok);
  const tagsTooLong = parseIrc(`@t=${'v'.repeat(9000)} PING x`);
  assert.ok(!tagsTooLong.ok && tagsTooLong.refusal === 'too_long');
});

test('NUL, CR and LF inside a line are refused; blank lines are empty', () => {
  for (const line of ['PRIVMSG #a :x\0y', 'PRIVMSG #a :x\ry', 'PING a\nPING b']) {
    const result = parseIrc(line);
    assert.ok(!result.ok && result.refusal === 'bad_characters', JSON.stringify(line));
  }
  for (const line of ['', '   ', ':source.only', '@tag=1']) {
    const result = parseIrc(line);
    assert.ok(!result.ok && result.refusal === 'empty', JSON.stringify(line));
  }
});

test('serializing: the last parameter gets a colon only when it needs one; raw lines out', () => {
  assert.equal(serializeIrc({ source: 'srv', command: '001', params: ['nick', 'Welcome to IRC'] }), ':srv 001 nick :Welcome to IRC');
  assert.equal(serializeIrc({ command: 'JOIN', params: ['#dev'] }), 'JOIN #dev');
  assert.equal(serializeIrc({ command: 'TOPIC', params: ['#dev', ''] }), 'TOPIC #dev :');
  assert.equal(serializeIrc({ command: 'PRIVMSG', params: ['#dev', ':)'] }), 'PRIVMSG #dev ::)');
  assert.equal(serializeIrc({ tags: { time: '2026-01-01T00:00:00.000Z', k: 'a;b c' }, command: 'PING', params: ['x'] }), '@time=2026-01-01T00:00:00.000Z;k=a\\:b\\sc PING x');
  assert.throws(() => serializeIrc({ command: 'PRIVMSG', params: ['two words', 'x'] }), /middle parameter/);
  assert.throws(() => serializeIrc({ command: 'PRIVMSG', params: ['#a', 'x\r\nQUIT'] }), /NUL, CR or LF/);
});

test('property: any string parses or is refused with a code, never throws', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 700 }), fc.string({ unit: 'binary', maxLength: 700 }), fc.string({ unit: fc.constantFrom('@', ':', ' ', ';', '=', '\\', 'a', 'Z', '1', '#', '\r', '\n', '\0', 'é'), maxLength: 80 })), (line) => {
      const result = parseIrc(line);
      if (result.ok) {
        assert.match(result.message.command, /^(?:[A-Z]+|[0-9]{3})$/);
        assert.ok(result.message.params.length <= 15);
      } else {
        assert.ok(['empty', 'too_long', 'bad_tags', 'bad_command', 'bad_characters'].includes(result.refusal));
      }
    }),
    { numRuns: 3000 },
  );
});

const token = fc.string({ unit: fc.constantFrom(...'abcXYZ019#&!@.-_[]{}|é€'), minLength: 1, maxLength: 12 });
const trailing = fc.string({ unit: fc.constantFrom(...'ab :@#!-é😀'), maxLength: 30 });
const message: fc.Arbitrary<IrcMessage> = fc.record(
  {
    tags: fc.dictionary(fc.stringMatching(/^\+?[a-z][a-z0-9-]{0,8}$/), fc.string({ maxLength: 10 }).map((s) => s.replace(/[\0\r\n]/g, '')), { maxKeys: 3 }),
    source: token,
    command: fc.oneof(fc.stringMatching(/^[A-Z]{1,8}$/), fc.stringMatching(/^[0-9]{3}$/)),
    middles: fc.array(token.filter((t) => !t.startsWith(':')), { maxLength: 13 }),
    last: fc.option(trailing, { nil: undefined }),
  },
  { requiredKeys: ['command', 'middles'] },
).map(({ tags, source, command, middles, last }) => ({
  ...(tags && Object.keys(tags).length > 0 && { tags }),
  ...(source !== undefined && { source }),
  command,
  params: last === undefined ? middles : [...middles, last],
}));

/** Tags as a plain object: the parser's have no prototype, so `__proto__` is just a key. */
function plainTags(m: IrcMessage): IrcMessage {
  return m.tags ? { ...m, tags: { ...m.tags } } : m;
}

test('property: parse ∘ serialize is the identity on messages', () => {
  fc.assert(
    fc.property(message, (m) => {
      const line = serializeIrc(m);
      const back = parsed(line);
      assert.deepEqual(plainTags(back), plainTags(m));
    }),
    { numRuns: 2000 },
  );
});

test('property: what parses serializes to a line that parses to the same message', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('@', ':', ' ', ';', '=', '\\', 'a', 'Z', 'P', '1', '#', 'é'), maxLength: 60 }), (line) => {
      const first = parseIrc(line);
      if (!first.ok) return;
      const again = parsed(serializeIrc(first.message));
      assert.deepEqual(again, first.message);
    }),
    { numRuns: 3000 },
  );
});

test('splitUtf8 cuts between characters, each piece within the byte budget, nothing lost', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 4, max: 64 }), (text, max) => {
      const pieces = splitUtf8(text, max);
      assert.equal(pieces.join(''), text);
      for (const piece of pieces) assert.ok(Buffer.byteLength(piece) <= max);
    }),
  );
});

test('serializeIrcWithin cuts the last parameter so a reply quoting a client fits 512 bytes', () => {
  const message: IrcMessage = { source: 'srv', command: 'NOTICE', params: ['nick', 'é'.repeat(400)] };
  const line = serializeIrcWithin(message);
  assert.ok(Buffer.byteLength(line) <= IRC_MAX_BODY_BYTES);
  assert.ok(Buffer.byteLength(line) > IRC_MAX_BODY_BYTES - 2, 'cut no more than needed');
  const kept = parsed(line).params[1]!;
  assert.ok(kept.length > 0 && 'é'.repeat(400).startsWith(kept), 'a prefix of the text, whole characters');
  assert.equal(serializeIrcWithin({ command: 'PING', params: ['x'] }), 'PING x');
});
