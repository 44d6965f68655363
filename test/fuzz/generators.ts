/**
 * @module fast-check arbitraries for hostile scenarios: every command with hostile arguments,
 * Unicode look-alike nicks and rooms, control characters and ANSI escapes, invalid UTF-8, deep and
 * huge JSON, prototype keys at any depth, mutated frames, raw and broken WebSocket frames, resets,
 * half-closes, slow readers, refused connections that keep talking, and HTTP of every shape.
 */
import fc from 'fast-check';
import { OPCODE } from '../helpers/ws-wire.js';
import type { Action, DigitForm, Door, Dynamic, Edit, FrameDesc, HttpRequest, JsonTree, Payload, Scenario, ServerSetup, Split } from './scenario.js';

/** Rooms an observer may watch (already folded); drivers spell them every which way. */
export const WATCHABLE_ROOMS = ['dev', 'dév', 'ß', 'room1', 'fi'];

const ROOM_SPELLINGS = [
  'lobby', 'LOBBY', '#lobby', '#Lobby', 'ｌｏｂｂｙ', 'dev', 'Dev', '#dev', 'DEV', 'ｄｅｖ', 'dév', 'de\u0301v', 'DÉV', '#dév',
  'ß', 'ẞ', 'SS', 'ss', 'ﬁ', 'fi', 'FI', 'room1', 'room１', 'ROOM𝟏', 'room١', '日本', 'x'.repeat(64), 'y'.repeat(65), 'é'.repeat(64),
  '', '#', '##dev', 'a b', 'tab\there', 'new\nline', 'nul\u0000', '-', '_', 'ǅ', 'İ', '😀', '__proto__', 'constructor', 'prototype',
];
const NICK_SPELLINGS = [
  'alice', 'Alice', 'ALICE', 'ａｌｉｃｅ', 'álice', 'a\u0301lice', 'bob', 'Bob', 'guest', 'guest-', 'guest-0', 'guest-x', 'Guest-1',
  'guest-1', 'a'.repeat(32), 'b'.repeat(33), '', 'a b', 'x\u0000', '😀', 'İ', 'ǅ', '_', '-', 'ß', 'SS', 'ss', '__proto__', 'constructor',
];
const CONTROLS = [
  '\u0000', '\u0007', '\b', '\t', '\n', '\r', '\r\n', '\u000b', '\u000c', '\u001b', '\u001b[2J\u001b[H', '\u001b[31m', '\u001b]0;owned\u0007',
  '\u001b]8;;http://evil\u001b\\', '\u001bc', '\u001b[?1049h', '\u007f', '\u0085', '\u009b31m', '\u202e', '\u2066', '\u2069', '\ufeff', '\u200b',
  '\u2028', '\ud800', '\udfff', '\ud83d', '\ud83d\ude00',
];
const TEXTS = ['hi', 'hello world', 'é', '😀', '日本語', '/quit', '//x', '  padded  ', ' ', '', '"quoted"', '\\', '{"type":"ping"}', 'a\tb', 'a\nb'];
const KEYS = ['__proto__', 'constructor', 'prototype', 'type', 'ref', 'room', 'text', 'nick', 'to', 'limit', 'before', 'after', 'rooms', 'epoch', 'action', 'command', 'reason', '', 'x'];
const NUMBER_LITERALS = ['1e400', '-1e400', '-0', '1.0', '-1', '0.5', '9007199254740993', '1e21', '1E2', '0', '1'];
const REPEATED = ['x', 'é', '😀', '"', '\\', '\u0000', '\u001b[2J', 'ab', '\n'];
const REPEAT_COUNTS = [1, 100, 1365, 1366, 2048, 4095, 4096, 4097, 5000, 8191, 8192, 16300, 16400, 40000];
const DEEP_DEPTHS = [10, 100, 1000, 2000, 2700, 5000, 7999, 8000, 8100, 8180, 10000, 12000];
const DIGIT_FORMS: DigitForm[] = ['ascii', 'fullwidth', 'arabic-indic', 'math-bold', 'upper', 'fullwidth-letters', 'leading-zero'];
const COMMAND_TYPES = ['nick', 'join', 'part', 'say', 'whisper', 'who', 'rooms', 'history', 'resume', 'ping', 'help', 'quit'];
const ODD_TYPES = ['me', 'json', '', 'PING', 'Ping', 'ping ', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'welcome', 'message', 'bye'];
const VERBS = ['nick', 'join', 'part', 'leave', 'say', 'me', 'whisper', 'msg', 'w', 'tell', 'who', 'names', 'rooms', 'list', 'history', 'resume', 'ping', 'help', 'json', 'NICK', 'Join', 'xyzzy', '/'];
const QUIT_VERBS = ['quit', 'exit', 'bye'];
/** UTF-8 that is not: lone continuation, overlong, truncated, surrogate, beyond U+10FFFF, 0xFF. */
const BAD_UTF8 = ['80', 'bf', 'c0af', 'c1bf', 'e282', 'e0808f', 'eda080', 'edbfbf', 'f4908080', 'f8888080', 'ff', 'fe', 'c3', 'f09f98'];

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
const auto = (ref: 'string' | 'number'): JsonTree => ({ dyn: { ref } });

const repeated: fc.Arbitrary<{ rep: { s: string; n: number } }> = fc.record({ s: pick(REPEATED), n: pick(REPEAT_COUNTS) }).map((rep) => ({ rep }));

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: pick([...TEXTS, ...CONTROLS, ...ROOM_SPELLINGS, ...NICK_SPELLINGS]) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 3, arbitrary: fc.array(fc.oneof(pick(CONTROLS), pick(['a', 'é', ' ', '😀', 'x'])), { maxLength: 12 }).map((a) => a.join('')) },
);

const textValue: fc.Arbitrary<JsonTree> = fc.oneof({ weight: 5, arbitrary: hostileString }, { weight: 1, arbitrary: repeated });

const roomValue: fc.Arbitrary<JsonTree> = fc.oneof({ weight: 6, arbitrary: pick(ROOM_SPELLINGS) }, { weight: 1, arbitrary: hostileString });

function dynamicNick(conns: number): fc.Arbitrary<Dynamic> {
  return fc.oneof(
    fc.record({ guest: fc.record({ ahead: fc.integer({ min: 1, max: 3 }), form: pick(DIGIT_FORMS) }) }),
    fc.record({ guest: fc.record({ of: fc.nat(conns - 1), form: pick(DIGIT_FORMS) }) }),
    fc.record({ nickOf: fc.record({ of: fc.nat(conns - 1), variant: pick(['same', 'upper', 'fullwidth', 'combining'] as const) }) }),
  );
}

function nickValue(conns: number): fc.Arbitrary<JsonTree> {
  return fc.oneof({ weight: 3, arbitrary: pick(NICK_SPELLINGS) }, { weight: 3, arbitrary: dynamicNick(conns).map((dyn) => ({ dyn })) }, { weight: 1, arbitrary: hostileString });
}

const numberLiteral: fc.Arbitrary<JsonTree> = pick(NUMBER_LITERALS).map((num) => ({ num }));

const deepValue: fc.Arbitrary<JsonTree> = fc
  .record({ depth: fc.oneof(pick(DEEP_DEPTHS), fc.integer({ min: 1, max: 12_000 })), of: pick(['array', 'object'] as const) })
  .map((deep) => ({ deep }));

/** Any JSON value, hostile keys and all, a few levels deep (and now and then very deep). */
const anyValue: fc.Arbitrary<JsonTree> = fc.letrec<{ value: JsonTree }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: hostileString },
    { weight: 2, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: numberLiteral },
    { weight: 1, arbitrary: repeated },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 3 }).map((a) => ({ a })) },
    { weight: 2, arbitrary: fc.array(fc.tuple(pick(KEYS), tie('value')), { maxLength: 3 }).map((o) => ({ o })) },
  ),
})).value;

const seqValue: fc.Arbitrary<JsonTree> = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 130 }) }, { weight: 1, arbitrary: anyValue }, { weight: 1, arbitrary: numberLiteral });

const limitValue: fc.Arbitrary<JsonTree> = fc.oneof(
  { weight: 6, arbitrary: pick([0, 1, 2, 10, 49, 50, 51, 199, 200, 201, 1000]) },
  { weight: 1, arbitrary: anyValue },
  { weight: 1, arbitrary: numberLiteral },
);

/** resume's room → seq map: look-alike spellings of one room (which must count once), and sometimes many. */
const seqMap: fc.Arbitrary<JsonTree> = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.tuple(pick(ROOM_SPELLINGS), fc.integer({ min: 0, max: 130 })), { minLength: 0, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.array(fc.tuple(pick(ROOM_SPELLINGS), fc.integer({ min: 0, max: 130 })), { minLength: 20, maxLength: 60 }) },
  { weight: 1, arbitrary: fc.array(fc.tuple(pick(KEYS), anyValue), { maxLength: 4 }) },
).map((entries) => ({ o: entries as [string, JsonTree][] }));

function fieldsFor(type: string, conns: number): fc.Arbitrary<[string, JsonTree][]> {
  const opt = (key: string, value: fc.Arbitrary<JsonTree>) => fc.option(value.map((v): [string, JsonTree] => [key, v]), { nil: undefined, freq: 3 });
  const req = (key: string, value: fc.Arbitrary<JsonTree>) => fc.option(value.map((v): [string, JsonTree] => [key, v]), { nil: undefined, freq: 12 });
  const fields: fc.Arbitrary<[string, JsonTree] | undefined>[] = (() => {
    switch (type) {
      case 'nick':
        return [req('nick', nickValue(conns))];
      case 'join':
        return [req('room', roomValue)];
      case 'part':
      case 'who':
        return [opt('room', roomValue)];
      case 'say':
        return [req('room', roomValue), req('text', textValue), opt('action', fc.oneof(fc.boolean(), anyValue))];
      case 'whisper':
        return [req('to', nickValue(conns)), req('text', textValue), opt('action', fc.boolean())];
      case 'history':
        return [opt('room', roomValue), opt('before', seqValue), opt('after', seqValue), opt('limit', limitValue)];
      case 'resume':
        return [req('rooms', seqMap), opt('epoch', fc.oneof(hostileString, anyValue))];
      case 'help':
        return [opt('command', fc.oneof(pick([...VERBS, ...QUIT_VERBS, '/nick', '/JOIN']), hostileString))];
      case 'quit':
        return [opt('reason', fc.oneof(hostileString, anyValue))];
      default:
        return [];
    }
  })();
  return fc.tuple(...fields).map((list) => list.filter((f): f is [string, JsonTree] => f !== undefined));
}

const refField: fc.Arbitrary<[string, JsonTree] | undefined> = fc.oneof(
  { weight: 11, arbitrary: fc.constant<[string, JsonTree]>(['ref', auto('string')]) },
  { weight: 2, arbitrary: fc.constant<[string, JsonTree]>(['ref', auto('number')]) },
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        pick<JsonTree>(['x'.repeat(64), 'y'.repeat(65), '😀'.repeat(33), '😀'.repeat(40), '', 'constructor', 0, -1, 1.5, true, false, null]),
        numberLiteral,
        anyValue,
      )
      .map((v): [string, JsonTree] => ['ref', v]),
  },
);

/** Spellings of rooms that exist or fold to one that does (case, width, NFKC, combining marks). */
const PLAUSIBLE_ROOMS = ['lobby', 'LOBBY', '#lobby', 'ｌｏｂｂｙ', 'dev', 'Dev', '#dev', 'DEV', 'ｄｅｖ', 'dév', 'de\u0301v', 'DÉV', 'ß', 'ẞ', 'SS', 'ﬁ', 'fi', 'room1', 'room１', 'ROOM𝟏', '日本'];
const PLAUSIBLE_NICKS = ['alice', 'Alice', 'ALICE', 'ａｌｉｃｅ', 'álice', 'a\u0301lice', 'bob', 'Bob', 'ǅ', 'ß', 'SS', 'x'.repeat(32)];

/** A command as a client that means well (or nearly) sends it: every required field, mostly sensible values. */
function plausibleFrame(conns: number): fc.Arbitrary<JsonTree> {
  const room = fc.oneof({ weight: 5, arbitrary: pick(PLAUSIBLE_ROOMS) }, { weight: 1, arbitrary: roomValue });
  const nick = fc.oneof({ weight: 2, arbitrary: pick(PLAUSIBLE_NICKS) }, { weight: 3, arbitrary: dynamicNick(conns).map((dyn): JsonTree => ({ dyn })) });
  const text = fc.oneof({ weight: 3, arbitrary: pick(TEXTS.filter((t) => t.trim() !== '')) }, { weight: 2, arbitrary: textValue });
  const seq = fc.integer({ min: 0, max: 130 });
  const resumeRooms = fc.array(fc.tuple(pick(PLAUSIBLE_ROOMS), seq), { minLength: 1, maxLength: 4 }).map((o): JsonTree => ({ o }));
  const epoch = fc.oneof(fc.constant<JsonTree>({ dyn: { epoch: true } }), pick<JsonTree>(['stale-epoch', '']));
  const frames: fc.Arbitrary<[string, JsonTree][]>[] = [
    nick.map((n) => [['type', 'nick'], ['nick', n]]),
    room.map((r) => [['type', 'join'], ['room', r]]),
    fc.option(room, { nil: undefined }).map((r) => [['type', 'part'], ...(r === undefined ? [] : [['room', r] as [string, JsonTree]])]),
    fc.tuple(room, text, fc.boolean()).map(([r, t, a]) => [['type', 'say'], ['room', r], ['text', t], ...(a ? [['action', true] as [string, JsonTree]] : [])]),
    fc.tuple(nick, text).map(([n, t]) => [['type', 'whisper'], ['to', n], ['text', t]]),
    fc.option(room, { nil: undefined }).map((r) => [['type', 'who'], ...(r === undefined ? [] : [['room', r] as [string, JsonTree]])]),
    fc.constant([['type', 'rooms']]),
    fc
      .record({ room, dir: pick(['before', 'after', 'latest']), seq, limit: fc.option(fc.integer({ min: 0, max: 250 }), { nil: undefined }) })
      .map(({ room: r, dir, seq: n, limit }) => [
        ['type', 'history'],
        ['room', r],
        ...(dir === 'latest' ? [] : [[dir, n] as [string, JsonTree]]),
        ...(limit === undefined ? [] : [['limit', limit] as [string, JsonTree]]),
      ]),
    fc.tuple(resumeRooms, fc.option(epoch, { nil: undefined })).map(([rooms, e]) => [['type', 'resume'], ['rooms', rooms], ...(e === undefined ? [] : [['epoch', e] as [string, JsonTree]])]),
    fc.constant([['type', 'ping']]),
    fc.option(pick([...VERBS, ...QUIT_VERBS]), { nil: undefined }).map((c) => [['type', 'help'], ...(c === undefined ? [] : [['command', c] as [string, JsonTree]])]),
  ];
  return fc
    .tuple(fc.oneof(...frames), fc.oneof({ weight: 8, arbitrary: fc.constant<JsonTree>(auto('string')) }, { weight: 1, arbitrary: fc.constant<JsonTree>(auto('number')) }, { weight: 1, arbitrary: fc.constant(undefined) }))
    .map(([entries, ref]): JsonTree => ({ o: ref === undefined ? entries : [...entries, ['ref', ref]] }));
}

/** A JSON command frame: mostly plausible; otherwise any type, fields valid or hostile, a ref (auto, none or hostile), stray and forbidden keys. */
export function commandFrame(conns: number): fc.Arbitrary<JsonTree> {
  return fc.oneof({ weight: 3, arbitrary: plausibleFrame(conns) }, { weight: 2, arbitrary: hostileFrame(conns) });
}

function hostileFrame(conns: number): fc.Arbitrary<JsonTree> {
  const type: fc.Arbitrary<JsonTree> = fc.oneof({ weight: 14, arbitrary: pick(COMMAND_TYPES) }, { weight: 2, arbitrary: pick(ODD_TYPES) }, { weight: 1, arbitrary: anyValue });
  return type.chain((t) =>
    fc
      .record({
        fields: fieldsFor(typeof t === 'string' ? t : '', conns),
        ref: refField,
        extras: fc.array(fc.tuple(pick(KEYS), anyValue), { maxLength: 2 }),
        typeLast: fc.boolean(),
      })
      .map(({ fields, ref, extras, typeLast }): JsonTree => {
        const entries: [string, JsonTree][] = [...fields, ...(ref ? [ref] : []), ...extras];
        return { o: typeLast ? [...entries, ['type', t]] : [['type', t], ...entries] };
      }),
  );
}

/** A text-mode line: every verb and alias with hostile arguments, plain text, `//`, controls. */
function textLine(conns: number): fc.Arbitrary<Payload> {
  const arg = fc.oneof(
    { weight: 3, arbitrary: pick(ROOM_SPELLINGS) },
    { weight: 3, arbitrary: pick(NICK_SPELLINGS) },
    { weight: 3, arbitrary: dynamicNick(conns).map((dyn) => ({ dyn })) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 130 }).map(String) },
    { weight: 1, arbitrary: pick(['-1', '1e3', '999999999999999999', '0x10', '5 6']) },
    { weight: 3, arbitrary: hostileString },
  );
  const command = fc
    .record({ verb: fc.oneof({ weight: 12, arbitrary: pick(VERBS) }, { weight: 1, arbitrary: pick(QUIT_VERBS) }), args: fc.array(arg, { maxLength: 3 }) })
    .map(({ verb, args }): Payload => ({ text: [`/${verb}`, ...args.flatMap((a) => [' ', a])] }));
  const room = pick(PLAUSIBLE_ROOMS);
  const nick = fc.oneof(pick(PLAUSIBLE_NICKS), dynamicNick(conns).map((dyn) => ({ dyn })));
  const words = pick(TEXTS.filter((t) => t.trim() !== '' && !t.includes('\n')));
  const plausible = fc.oneof(
    nick.map((n): Payload => ({ text: ['/nick ', n] })),
    room.map((r): Payload => ({ text: [`/join ${r}`] })),
    room.map((r): Payload => ({ text: [`/part ${r}`] })),
    fc.tuple(room, words).map(([r, t]): Payload => ({ text: [`/say ${r} ${t}`] })),
    words.map((t): Payload => ({ text: [`/me ${t}`] })),
    fc.tuple(nick, words).map(([n, t]): Payload => ({ text: ['/msg ', n, ` ${t}`] })),
    room.map((r): Payload => ({ text: [`/who ${r}`] })),
    fc.option(fc.integer({ min: 0, max: 250 }), { nil: undefined }).map((n): Payload => ({ text: [n === undefined ? '/history' : `/history ${n}`] })),
    fc.tuple(room, fc.integer({ min: 0, max: 130 })).map(([r, n]): Payload => ({ text: [`/resume ${r} ${n}`] })),
    pick(['/rooms', '/ping', '/help', '/help nick', '/names', '/list']).map((t): Payload => ({ text: [t] })),
    words.map((t): Payload => ({ text: [t] })),
  );
  return fc.oneof(
    { weight: 8, arbitrary: plausible },
    { weight: 6, arbitrary: command },
    { weight: 3, arbitrary: hostileString.map((s): Payload => ({ text: [s] })) },
    { weight: 1, arbitrary: hostileString.map((s): Payload => ({ text: ['//', s] })) },
    { weight: 1, arbitrary: repeated.map((r): Payload => ({ text: [r] })) },
  );
}

/** Raw bytes: text, bad UTF-8 sequences, NUL, CR and LF (several lines in one send). */
const rawBytes: fc.Arbitrary<Payload> = fc
  .array(fc.oneof(pick(BAD_UTF8), pick(['00', '0d', '0a', '0d0a', '1b', 'efbbbf', '7b', '7d', '22']), fc.string({ maxLength: 8 }).map((s) => Buffer.from(s).toString('hex'))), {
    minLength: 1,
    maxLength: 10,
  })
  .map((parts) => ({ hex: parts.join('') }));

const edits: fc.Arbitrary<Edit[]> = fc.array(
  fc.record({ at: fc.integer({ min: 0, max: 1000 }), op: pick(['flip', 'insert', 'delete', 'duplicate', 'truncate'] as const), byte: fc.integer({ min: 0, max: 255 }) }),
  { minLength: 1, maxLength: 4 },
);

/** Deep JSON (the words that send the server walking it put somewhere in the frame), or a frame near the line limit. */
const bigFrame: fc.Arbitrary<Payload> = fc.oneof(
  fc
    .record({ type: pick(['ping', 'say', 'history']), deep: deepValue, word: pick(['constructor', '__proto__', 'prototype', 'plain']), where: pick(['ref', 'value']) })
    .map(({ type, deep, word, where }): Payload => ({
      json: {
        o: [
          ['type', type],
          ['ref', where === 'ref' ? word : auto('string')],
          ['x', deep],
          ...(where === 'value' ? [['note', word] as [string, JsonTree]] : []),
        ],
      },
    })),
  fc
    .record({ n: fc.oneof(pick([4096, 8000, 16_300, 16_330, 16_340, 16_350, 16_384, 20_000, 100_000]), fc.integer({ min: 1, max: 70_000 })), s: pick(['x', 'é', '"']) })
    .map(({ n, s }): Payload => ({ json: { o: [['type', 'say'], ['room', 'lobby'], ['text', { rep: { s, n: Math.ceil(n / Buffer.byteLength(JSON.stringify(s).slice(1, -1))) } }], ['ref', auto('string')]] } })),
);

const split: fc.Arbitrary<Split> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Split>('whole') },
  { weight: 1, arbitrary: fc.constant<Split>('bytes') },
  { weight: 2, arbitrary: fc.array(fc.integer({ min: 1, max: 999 }), { minLength: 1, maxLength: 5 }) },
);

const lineEnd = fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: pick(['\r\n', '', '\r', '\n\n', '\r\r\n']) });

/** One raw WebSocket frame, valid or broken in one of the ways RFC 6455 closes a connection for. */
function frameDesc(conns: number): fc.Arbitrary<FrameDesc> {
  const json = commandFrame(conns).map((json): Payload => ({ json }));
  const anyPayload = fc.oneof(json, rawBytes, textLine(conns));
  return fc.oneof(
    { weight: 6, arbitrary: json.map((payload) => ({ opcode: OPCODE.text, payload })) },
    { weight: 2, arbitrary: anyPayload.map((payload) => ({ opcode: OPCODE.binary, payload })) },
    { weight: 2, arbitrary: rawBytes.map((payload) => ({ opcode: OPCODE.text, payload })) },
    { weight: 2, arbitrary: json.map((payload) => ({ opcode: OPCODE.text, payload, masked: false })) },
    { weight: 1, arbitrary: fc.record({ payload: json, rsv: fc.integer({ min: 1, max: 7 }) }).map((f) => ({ opcode: OPCODE.text, ...f })) },
    { weight: 1, arbitrary: fc.record({ opcode: pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), payload: anyPayload }) },
    { weight: 1, arbitrary: json.map((payload) => ({ opcode: OPCODE.continuation, payload })) },
    { weight: 1, arbitrary: json.map((payload) => ({ opcode: OPCODE.text, payload, fin: false })) },
    { weight: 1, arbitrary: fc.record({ opcode: pick([OPCODE.ping, OPCODE.pong, OPCODE.close]), fin: fc.boolean(), payload: fc.oneof(rawBytes, repeated.map((r): Payload => ({ text: [r] }))) }) },
    { weight: 1, arbitrary: pick(['03e8', '03e9', '03ed', '03ee', '03e7', '0fa0', '1388', 'ffff', '03', '03e8ff', '03e8c3']).map((hex) => ({ opcode: OPCODE.close, payload: { hex } })) },
    { weight: 1, arbitrary: fc.record({ payload: json, declaredLength: pick([2 ** 63, 2 ** 53, 2 ** 32, 70_000, 16_385, 126, 0]) }).map((f) => ({ opcode: OPCODE.text, ...f })) },
    { weight: 1, arbitrary: fc.constant<FrameDesc>({ opcode: OPCODE.text, payload: { json: { o: [['type', 'say'], ['room', 'lobby'], ['text', { rep: { s: 'q', n: 16_400 } }]] } } }) },
  );
}

const HTTP_PATHS = [
  '/', '/healthz', '/healthz?x=1', '/ws', '/ws?x', '/WS', '/x', '/index.html', '/assets/', '/assets/app.js', '/../../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd', '/%00', '//', '/\\..\\', '*', 'http://127.0.0.1/healthz', '/a'.repeat(3000), '/%ff%fe', '/é', '/?a=%',
];
const HTTP_HEADERS: [string, string][] = [
  ['Host', '127.0.0.1'], ['Upgrade', 'websocket'], ['Upgrade', 'foo'], ['Connection', 'Upgrade'], ['Connection', 'keep-alive, Upgrade'],
  ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Sec-WebSocket-Key', 'short'], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Version', '8'],
  ['Content-Length', '5'], ['Content-Length', '-1'], ['Content-Length', '99999999999'], ['Transfer-Encoding', 'chunked'], ['Expect', '100-continue'],
  ['X-Big', 'x'.repeat(20_000)], ['Origin', 'http://evil.example'], ['Sec-WebSocket-Extensions', 'permessage-deflate'], ['Sec-WebSocket-Protocol', 'chat'],
];

export const httpRequest: fc.Arbitrary<HttpRequest> = fc.record(
  {
    method: pick(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PRI', 'BREW', 'get', '']),
    path: pick(HTTP_PATHS),
    version: pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', '']),
    headers: fc.subarray(HTTP_HEADERS),
    body: pick(['hello', 'zz\r\n', '5\r\nhello\r\n0\r\n\r\n', 'ffffffff\r\n', '\u0000\u00ff']),
  },
  { requiredKeys: ['method', 'path', 'version', 'headers'] },
);

function actionFor(c: number, door: Door, conns: number): fc.Arbitrary<Action> {
  const json = commandFrame(conns).map((json): Payload => ({ json }));
  const own: fc.Arbitrary<Payload> = door === 'text' ? textLine(conns) : json;
  const other: fc.Arbitrary<Payload> = door === 'text' ? json : textLine(conns);
  const send = (payload: fc.Arbitrary<Payload>) =>
    fc
      .record(
        { payload, end: lineEnd, split, binary: fc.constant(false), fragments: door === 'ws' ? fc.integer({ min: 1, max: 4 }) : fc.constant(1) },
        { requiredKeys: ['payload'] },
      )
      .map((f): Action => ({ do: 'send', c, ...stripDefaults(f) }));
  return fc.oneof(
    { weight: 30, arbitrary: send(own) },
    { weight: 3, arbitrary: send(other) },
    { weight: 5, arbitrary: send(rawBytes) },
    { weight: 6, arbitrary: fc.record({ of: fc.oneof(own, json), edits }).map((mutate): Action => ({ do: 'send', c, payload: { mutate } })) },
    { weight: 4, arbitrary: send(bigFrame) },
    { weight: door === 'ws' ? 2 : 0, arbitrary: json.map((payload): Action => ({ do: 'send', c, payload, binary: true })) },
    {
      weight: door === 'ws' ? 8 : 1,
      arbitrary: fc
        .record({ frames: fc.array(frameDesc(conns), { minLength: 1, maxLength: 4 }), split, cut: fc.option(fc.nat(300), { nil: undefined, freq: 4 }), then: fc.option(pick(['reset', 'end'] as const), { nil: undefined, freq: 2 }) })
        .map((f): Action => ({ do: 'frames', c, ...stripDefaults(f) })),
    },
    { weight: door === 'ws' ? 3 : 0, arbitrary: fc.array(frameDesc(conns), { minLength: 0, maxLength: 3 }).map((frames): Action => ({ do: 'eager-ws', c, frames })) },
    {
      weight: 4,
      arbitrary: fc
        .record({ room: pick(['lobby', ...WATCHABLE_ROOMS, '#Dev', 'ｄｅｖ', 'ROOM１']), count: fc.integer({ min: 1, max: 60 }), text: hostileString, bytes: pick([0, 10, 300, 1000]) })
        .map((b): Action => ({ do: 'burst', c, ...b })),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((count): Action => ({ do: 'churn', c, count })) },
    { weight: 3, arbitrary: fc.constant<Action>({ do: 'reset', c }) },
    { weight: 2, arbitrary: fc.constant<Action>({ do: 'end', c }) },
    { weight: 1, arbitrary: fc.constant<Action>({ do: 'pause', c }) },
    { weight: 1, arbitrary: fc.constant<Action>({ do: 'resume', c }) },
    { weight: 3, arbitrary: fc.constant<Action>({ do: 'open', c }) },
  );
}

/** Leaves out the fields that only restate a default, so a printed scenario reads short. */
function stripDefaults<T extends Record<string, unknown>>(fields: T): T {
  const kept = { ...fields };
  for (const [key, value] of Object.entries(kept)) {
    if (value === undefined || value === 'whole' || (key === 'binary' && value === false) || (key === 'fragments' && value === 1)) delete kept[key];
  }
  return kept;
}

export const serverSetup: fc.Arbitrary<ServerSetup> = fc.record({
  store: pick(['memory', 'sqlite'] as const),
  floodBurst: fc.oneof({ weight: 2, arbitrary: fc.constant(20) }, { weight: 1, arbitrary: fc.constant(0) }),
  maxConnectionsPerIp: fc.oneof({ weight: 2, arbitrary: fc.constant(256) }, { weight: 1, arbitrary: pick([3, 5]) }),
  outboxBytes: fc.oneof({ weight: 3, arbitrary: fc.constant(1024 * 1024) }, { weight: 1, arbitrary: fc.constant(64 * 1024) }),
  presenceBatchMs: pick([0, 100]),
  historyPageMax: fc.oneof({ weight: 3, arbitrary: fc.constant(200) }, { weight: 1, arbitrary: fc.constant(50) }),
});

/** A whole scenario: a server, 2-7 connections over the three doors, observers, and up to `maxActions` actions. */
export function scenario(maxActions: number): fc.Arbitrary<Scenario> {
  return fc
    .record({ setup: serverSetup, conns: fc.array(pick<Door>(['text', 'json', 'ws']), { minLength: 2, maxLength: 7 }), observe: fc.subarray(WATCHABLE_ROOMS, { minLength: 1, maxLength: 3 }) })
    .chain(({ setup, conns, observe }) => {
      const perConn = fc.integer({ min: 0, max: conns.length - 1 }).chain((c) => actionFor(c, conns[c]!, conns.length));
      const action = fc.oneof(
        { weight: 20, arbitrary: perConn },
        { weight: 2, arbitrary: fc.record({ request: httpRequest, then: pick(['reset', 'end', 'keep'] as const) }).map((h): Action => ({ do: 'http', ...h })) },
        { weight: 2, arbitrary: fc.constant<Action>({ do: 'sync' }) },
      );
      return fc.array(action, { minLength: 5, maxLength: maxActions, size: 'max' }).map((actions): Scenario => ({ setup, conns, observe, actions }));
    });
}
