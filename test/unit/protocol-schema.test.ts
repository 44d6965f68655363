import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { TObject, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import fc from 'fast-check';
import { parseServerFrame, readServerFrame, recogniseFrame } from '../../src/clients/server-frames.js';
import { COMMANDS } from '../../src/core/commands/table.js';
import type { MessageEvent } from '../../src/core/events.js';
import { jsonCodec } from '../../src/protocol/json/json-codec.js';
import { CLIENT_FRAMES } from '../../src/protocol/schema/client-frames.js';
import { protocolJsonSchema } from '../../src/protocol/schema/json-schema.js';
import { PROTOCOL_VERSION, SERVER_FRAMES } from '../../src/protocol/schema/server-frames.js';
import { arbitraryOf } from '../helpers/schema-arbitrary.js';

const root = new URL('../../', import.meta.url);
const clientChecks = new Map(Object.entries(CLIENT_FRAMES).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]));
const serverChecks = new Map(Object.entries(SERVER_FRAMES).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]));

test('docs/protocol.schema.json is what the schema makes (npm run build writes it)', () => {
  const published: unknown = JSON.parse(readFileSync(new URL('docs/protocol.schema.json', root), 'utf8'));
  assert.deepEqual(published, protocolJsonSchema(), 'docs/protocol.schema.json is stale: run npm run build');
});

test('every example frame in docs/protocol.md is a valid frame of one direction or the other', () => {
  const doc = readFileSync(new URL('docs/protocol.md', root), 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((line) => line.trim() !== ''));
  const inline = [...doc.matchAll(/`(\{"type":[^`]*)`/g)].map((m) => m[1]!);
  const examples = [...blocks, ...inline];
  let checked = 0;
  const elided: string[] = [];
  for (const example of examples) {
    let frame: { type?: unknown };
    try {
      frame = JSON.parse(example) as { type?: unknown };
    } catch {
      // Only an example that elides part of itself ("[…]") may be other than JSON.
      assert.ok(example.includes('…'), `not JSON and not elided: ${example}`);
      elided.push(example);
      continue;
    }
    const type = String(frame.type);
    const valid = [clientChecks.get(type), serverChecks.get(type)].some((check) => check?.Check(frame) === true);
    assert.ok(valid, `a valid client or server frame: ${example}`);
    checked++;
  }
  assert.ok(checked >= 35, `found ${checked} examples`);
  // The elided ones, counted so that a new one is a decision: each shows a page of messages.
  assert.deepEqual(elided, ['{"type":"history","room":"dev","messages":[…],"more":true}']);
});

test('every JSON command has a frame in the schema and every client frame a command', () => {
  const jsonCommands = COMMANDS.filter((c) => c.modes !== 'text').map((c) => c.name);
  assert.deepEqual(jsonCommands.sort(), Object.keys(CLIENT_FRAMES).sort());
});

test('a field has one kind in every client frame that has it (text mode reads it by name)', () => {
  const kinds = new Map<string, string>();
  for (const [type, frame] of Object.entries(CLIENT_FRAMES) as [string, TObject][]) {
    for (const [field, schema] of Object.entries(frame.properties)) {
      const kind = JSON.stringify(schema.type ?? schema.anyOf);
      assert.equal(kinds.get(field) ?? kind, kind, `${type}.${field}`);
      kinds.set(field, kind);
    }
  }
});

test('clients recognise every frame the schema allows, with extra fields too, and nothing less', () => {
  const anyFrame = fc.oneof(...Object.values(SERVER_FRAMES).map((schema) => arbitraryOf(schema as TSchema))) as fc.Arbitrary<Record<string, unknown>>;
  fc.assert(
    fc.property(anyFrame, fc.string({ maxLength: 6 }), (frame, extra) => {
      assert.equal(recogniseFrame(frame), frame);
      const withExtra = { ...frame, [`x-${extra}`]: { anything: [1, 'two'] } };
      assert.equal(recogniseFrame(withExtra), withExtra, 'extra fields are ignored');
      const schema = SERVER_FRAMES[frame.type as keyof typeof SERVER_FRAMES] as TObject;
      for (const field of schema.required ?? []) {
        const lacking = { ...frame };
        delete lacking[field];
        assert.equal(recogniseFrame(lacking), undefined, `${String(frame.type)} without ${field}`);
      }
      assert.equal(recogniseFrame({ ...frame, type: `${String(frame.type)}-v2` }), undefined, 'an unknown type');
    }),
    { numRuns: 2000 },
  );
});

test('clients accept values a newer server may add to an open set, but not a field of the wrong kind', () => {
  const error = { type: 'error', code: 'brand_new_code', message: 'something new' };
  assert.deepEqual(parseServerFrame(JSON.stringify(error)), error);
  const left = { type: 'left', room: 'dev', nick: 'a', id: 1, reason: 'teleported' };
  assert.deepEqual(recogniseFrame(left), left);
  assert.equal(recogniseFrame({ ...left, id: '1' }), undefined);
  assert.equal(recogniseFrame({ type: 'history', room: 'dev', more: false, messages: [{ type: 'message', room: 'dev' }] }), undefined, 'a history page is as good as its messages');
  assert.equal(parseServerFrame('not json'), undefined);
  assert.equal(parseServerFrame('[1]'), undefined);
});

test('a welcome of another protocol version is refused, saying which side is older', () => {
  const welcome = (protocol?: number) =>
    JSON.stringify({ type: 'welcome', ...(protocol !== undefined && { protocol }), id: 1, nick: 'guest-1', rooms: ['lobby'], server: 'hubbub', epoch: 'e', limits: { maxTextBytes: 1, maxLineBytes: 1, maxRoomsPerConn: 1 } });
  assert.equal(readServerFrame(welcome(PROTOCOL_VERSION)).frame?.type, 'welcome');
  assert.equal(readServerFrame(welcome(PROTOCOL_VERSION)).mismatch, undefined);
  assert.match(readServerFrame(welcome(PROTOCOL_VERSION + 1)).mismatch ?? '', /^the server is too new for this client: it speaks protocol 2, this client 1$/);
  assert.match(readServerFrame(welcome()).mismatch ?? '', /^the server is too old for this client: it speaks protocol none, this client 1$/);
  assert.match(readServerFrame(welcome(0)).mismatch ?? '', /too old .* protocol 0,/);
});

test('the hand-written message encoder writes exactly JSON.stringify of any message event, a valid message frame', () => {
  const message = arbitraryOf(SERVER_FRAMES.message) as fc.Arbitrary<MessageEvent>;
  // In the order the hub builds a message event.
  const asHubBuilds = (m: MessageEvent): MessageEvent => ({
    type: 'message',
    room: m.room,
    seq: m.seq,
    from: m.from,
    fromId: m.fromId,
    text: m.text,
    ts: m.ts,
    ...(m.action && { action: m.action }),
    ...(m.ref !== undefined && { ref: m.ref }),
    ...(m.history && { history: m.history }),
  });
  fc.assert(
    fc.property(message.map(asHubBuilds), (event) => {
      const line = jsonCodec.encode(event);
      assert.equal(line, JSON.stringify(event));
      assert.ok(serverChecks.get('message')!.Check(JSON.parse(line)), line);
    }),
    { numRuns: 5000 },
  );
});
