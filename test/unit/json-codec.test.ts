import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { MessageEvent } from '../../src/core/events.js';
import { JSON_MAX_DEPTH } from '../../src/core/limits.js';
import { nestsDeeperThan } from '../../src/protocol/json/json-depth.js';
import { jsonCodec } from '../../src/protocol/json/json-codec.js';

function decode(line: string) {
  const result = jsonCodec.decode(line);
  return result.ok
    ? { ok: true, command: result.spec.name, params: result.params, ref: result.ref }
    : { ok: false, code: result.error.code, ref: result.ref };
}

test('each contract frame decodes to its command and fields', () => {
  assert.deepEqual(decode('{"type":"say","room":"dev","text":"hi","ref":"c1"}'), {
    ok: true,
    command: 'say',
    params: { room: 'dev', text: 'hi' },
    ref: 'c1',
  });
  assert.deepEqual(decode('{"type":"nick","nick":"alice"}').params, { nick: 'alice' });
  assert.deepEqual(decode('{"type":"whisper","to":"bob","text":"psst"}').params, { to: 'bob', text: 'psst' });
  assert.equal(decode('{"type":"rooms"}').command, 'rooms');
  assert.deepEqual(decode('{"type":"ping","ref":7}'), { ok: true, command: 'ping', params: {}, ref: 7 });
  assert.deepEqual(decode('{"type":"part"}').params, {});
});

test('garbage gets stable codes, with the ref when it could be read', () => {
  assert.deepEqual(decode('{"type":"say",'), { ok: false, code: 'bad_json', ref: undefined });
  assert.equal(decode('[1,2]').code, 'bad_frame');
  assert.equal(decode('"hello"').code, 'bad_frame');
  assert.equal(decode('null').code, 'bad_frame');
  assert.deepEqual(decode('{"type":42,"ref":"r"}'), { ok: false, code: 'bad_frame', ref: 'r' });
  assert.deepEqual(decode('{"type":"explode","ref":"r"}'), { ok: false, code: 'unknown_type', ref: 'r' });
  assert.deepEqual(decode('{"type":"say","room":"dev","ref":"r"}'), { ok: false, code: 'bad_field', ref: 'r' });
  assert.equal(decode('{"type":"say","room":"dev","text":42}').code, 'bad_field');
  assert.equal(decode('{"type":"say","room":"dev","text":"x","action":"yes"}').code, 'bad_field');
  assert.equal(decode('{"type":"ping","ref":{"a":1}}').code, 'bad_field');
  assert.equal(decode(`{"type":"ping","ref":"${'r'.repeat(65)}"}`).code, 'bad_field');
});

test('a bad field is named in the message, as clients have always seen it (a null field counts as absent)', () => {
  const cases: [string, string][] = [
    ['{"type":"say","room":"dev"}', 'bad_field: "say" needs the field "text"'],
    ['{"type":"say","room":"dev","text":null}', 'bad_field: "say" needs the field "text"'],
    ['{"type":"part","room":null}', 'ok'],
    ['{"type":"history","limit":-1}', 'bad_field: "limit" must be a whole number from 0'],
    ['{"type":"history","before":1.5}', 'bad_field: "before" must be a whole number from 0'],
    [`{"type":"history","after":${2 ** 60}}`, 'bad_field: "after" must be a whole number from 0'],
    ['{"type":"say","room":"a","text":"b","action":1}', 'bad_field: "action" must be true or false'],
    ['{"type":"nick","nick":7}', 'bad_field: "nick" must be a string'],
    ['{"type":"resume","rooms":{"dev":"7"}}', 'bad_field: "rooms" must be an object of room names to whole numbers from 0'],
    ['{"type":"resume","rooms":[1]}', 'bad_field: "rooms" must be an object of room names to whole numbers from 0'],
    ['{"type":"ping","ref":true}', 'bad_field: "ref" must be a string of at most 64 characters or a number'],
    ['{"type":"explode"}', 'unknown_type: unknown frame type "explode"'],
  ];
  for (const [line, expected] of cases) {
    const result = jsonCodec.decode(line);
    assert.equal(result.ok ? 'ok' : `${result.error.code}: ${result.error.message}`, expected, line);
  }
});

test('__proto__, constructor and prototype keys are refused at any depth', () => {
  assert.equal(decode('{"type":"say","__proto__":{"admin":true},"room":"a","text":"b"}').code, 'forbidden_key');
  assert.equal(decode('{"type":"say","room":"a","text":"b","x":{"constructor":{}}}').code, 'forbidden_key');
  assert.equal(decode('{"type":"say","room":"a","text":"the prototype of __proto__"}').ok, true, 'values may say anything');
});

/** A JSON value with `key` placed at a random depth inside it (as a key, never as a value). */
const withKeyInside = (key: string) =>
  fc.tuple(fc.integer({ min: 0, max: JSON_MAX_DEPTH - 2 }), fc.array(fc.boolean(), { maxLength: JSON_MAX_DEPTH })).map(([depth, arrays]) => {
    let inner = `{${JSON.stringify(key)}:1}`;
    for (let i = 0; i < depth; i++) inner = arrays[i] ? `[0,${inner}]` : `{"k${i}":${inner}}`;
    return `{"type":"say","room":"a","text":"b","x":${inner}}`;
  });

test('a forbidden key at any depth the codec accepts is refused; the same words as values pass', () => {
  fc.assert(
    fc.property(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.nat(), (key, seed) => {
      const [frame] = fc.sample(withKeyInside(key), { seed, numRuns: 1 });
      return decode(frame!).code === 'forbidden_key';
    }),
  );
  fc.assert(fc.property(withKeyInside('harmless'), (frame) => decode(frame.replace('"harmless"', '"x"').replace(':1}', ':"__proto__ constructor prototype"}')).ok));
});

/** The nesting depth of a parsed JSON value, the slow obvious way, as the reference. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

test('nesting depth is found without recursion, strings and escapes included, exactly as parsing finds it', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a') }), fc.integer(), tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ unit: fc.constantFrom('[', '{', '"', 'k') }), tie('value'), { maxKeys: 3 }),
  })).value;
  fc.assert(
    fc.property(json, fc.integer({ min: 0, max: 8 }), (value, max) => {
      const text = JSON.stringify(value);
      return nestsDeeperThan(text, max) === depthOf(value) > max;
    }),
    { numRuns: 3000 },
  );
  assert.equal(decode(`{"type":"ping","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`).code, 'bad_frame');
  assert.equal(decode(`{"type":"ping","ref":"r","x":${'['.repeat(JSON_MAX_DEPTH - 1)}${']'.repeat(JSON_MAX_DEPTH - 1)}}`).ok, true, 'the deepest accepted frame');
});

test('a forbidden key is refused with the ref the frame carried', () => {
  assert.deepEqual(decode('{"ref":"r1","__proto__":"b"}'), { ok: false, code: 'forbidden_key', ref: 'r1' });
  assert.deepEqual(decode('{"type":"ping","x":[{"prototype":1}],"ref":7}'), { ok: false, code: 'forbidden_key', ref: 7 });
});

test('text-mode-only commands are unknown in JSON', () => {
  assert.equal(decode('{"type":"me","text":"waves"}').code, 'unknown_type');
  assert.equal(decode('{"type":"json"}').code, 'unknown_type');
});

test('encode is plain JSON of the event', () => {
  const line = jsonCodec.encode({ type: 'pong', ref: 'p1' });
  assert.equal(line, '{"type":"pong","ref":"p1"}');
});

test('a message encodes to exactly what JSON.stringify makes of it, in every form the hub sends', () => {
  const live: MessageEvent = { type: 'message', room: 'dev', seq: 42, from: 'ünï "q" \\ ☃', fromId: 3, text: 'line\n\t"quoted" \u0007 😀 \u2028', ts: 1764316800000 };
  const forms: MessageEvent[] = [live, { ...live, action: true }, { ...live, ref: 'c1' }, { ...live, ref: 7 }, { ...live, action: true, ref: 'x"y' }, { ...live, history: true }];
  for (const event of forms) assert.equal(jsonCodec.encode(event), JSON.stringify(event));
});
