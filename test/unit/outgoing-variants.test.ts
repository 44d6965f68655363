/** Outgoing with a codec that encodes in variants (as the IRC door's does): one encoding per variant, shared by its readers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Codec, Framing, Viewer } from '../../src/core/conn.js';
import type { ServerEvent } from '../../src/core/events.js';
import { Outgoing } from '../../src/core/outgoing.js';

const framing: Framing = { name: 'line', frame: (payload) => Buffer.from(payload + '\n') };

test('readers of one variant share one encoding; each variant is encoded once; all are listed for cancelling', () => {
  const encoded: string[] = [];
  const codec: Codec = {
    name: 'variants',
    decode: () => {
      throw new Error('not used');
    },
    // Odd and even readers read differently; the sender reads nothing.
    variantFor: (event, viewer) => (event.type === 'message' && viewer?.id === event.fromId ? 'own' : `parity ${(viewer?.id ?? 0) % 2}`),
    encode: (event, viewer) => {
      encoded.push(`${viewer?.id}`);
      if (event.type === 'message' && viewer?.id === event.fromId) return '';
      return `${event.type} for ${(viewer?.id ?? 0) % 2 === 0 ? 'even' : 'odd'}`;
    },
  };
  const event: ServerEvent = { type: 'message', room: 'dev', seq: 1, from: 'ada', fromId: 1, text: 'hi', ts: 0 };
  const out = new Outgoing(event);
  const viewers: Viewer[] = [1, 2, 3, 4, 5].map((id) => ({ id, nick: `n${id}` }));
  const bytes = viewers.map((viewer) => out.bytesFor(codec, framing, viewer));
  assert.equal(bytes[0]!.length, 0, 'the sender gets nothing');
  assert.equal(bytes[1], bytes[3], 'even readers share one buffer');
  assert.equal(bytes[2], bytes[4], 'odd readers share one buffer');
  assert.equal(bytes[1]!.toString(), 'message for even\n');
  assert.equal(bytes[2]!.toString(), 'message for odd\n');
  assert.deepEqual(encoded, ['1', '2', '3'], 'one encoding per variant');
  assert.deepEqual(new Set(out.encodings()), new Set([bytes[0], bytes[1], bytes[2]]));
});
