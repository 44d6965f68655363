/**
 * How room messages look in Redis: any message survives the trip through a stream entry and a
 * publication unchanged, and anything malformed coming back from Redis is an Error, never a crash
 * or a half-checked message.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeEntry, decodePublication, encodeStored } from '../../src/cluster/redis-encoding.js';
import type { RoomMessage } from '../../src/core/events.js';

const message = fc.record(
  {
    from: fc.string({ unit: 'binary' }),
    fromId: fc.integer({ min: 1, max: 2 ** 40 }),
    text: fc.string({ unit: 'binary', maxLength: 200 }),
    ts: fc.integer({ min: 0, max: 2 ** 45 }),
    action: fc.constant(true as const),
  },
  { requiredKeys: ['from', 'fromId', 'text', 'ts'] },
);

describe('Redis encoding of room messages', () => {
  test('a message comes back from a stream entry and from a publication as it went in', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 2 ** 40 }), (messages, first) => {
        const stored = messages.map(encodeStored);
        const expected: RoomMessage[] = messages.map((m, i) => ({ room: 'r', seq: first + i, ...m }));
        messages.forEach((_, i) => assert.deepEqual(decodeEntry('r', [`${first + i}-0`, ['m', stored[i]!]]), expected[i]));
        // What the publish script sends: [firstSeq,"origin",stored,stored,…]
        const publication = decodePublication('r', `[${first},"node.1",${stored.join(',')}]`);
        assert.equal(publication.origin, 'node.1');
        assert.deepEqual(publication.messages, expected);
      }),
    );
  });

  test('anything malformed is an Error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (payload) => {
        try {
          const { messages } = decodePublication('r', payload);
          for (const m of messages) assert.ok(typeof m.text === 'string' && Number.isSafeInteger(m.seq));
        } catch (err) {
          assert.ok(err instanceof Error);
        }
        try {
          decodeEntry('r', ['7-0', ['m', payload]]);
        } catch (err) {
          assert.ok(err instanceof Error);
        }
      }),
    );
    for (const bad of ['[]', '[0,"o",["a",1,"t",1]]', '[1,2,["a",1,"t",1]]', '[1,"o",["a","1","t",1]]', '[1,"o",["a",1,"t",1,2]]', '{"a":1}']) {
      assert.throws(() => decodePublication('r', bad), Error, bad);
    }
    assert.throws(() => decodeEntry('r', ['x-0', ['m', '["a",1,"t",1]']]), /malformed stream entry/);
    assert.throws(() => decodeEntry('r', ['3-0', ['other', '["a",1,"t",1]']]), /malformed stream entry/);
  });
});
