/**
 * @module A fuzz scenario as plain data: the server's settings, the connections (by door), and the
 * actions, in order. Scenarios are JSON, so a failure is printed, saved and replayed as it is, and
 * the reducer can cut them down. Payloads stay symbolic (a 9,000-deep array is `{"deep":…}`, a long
 * string `{"rep":…}`, "the nick of connection 2" a reference) and become bytes only when run.
 */

export type Door = 'text' | 'json' | 'ws';

/** Settings the server under test is started with (each a `hubbub serve` flag). */
export interface ServerSetup {
  store: 'memory' | 'sqlite';
  /** 0 switches flood control off; otherwise the burst (the rate stays the default). */
  floodBurst: number;
  maxConnectionsPerIp: number;
  outboxBytes: number;
  presenceBatchMs: number;
  historyPageMax: number;
}

/** A string computed when the action runs, from what the connections know then. */
export type Dynamic =
  /** A ref no other frame of this scenario uses. */
  | { ref: 'string' | 'number' }
  /** `guest-<id>` of connection `of` (its id now), or of the connection `ahead` ids after the newest one, in a look-alike form. */
  | { guest: { of?: number; ahead?: number; form: DigitForm } }
  /** The current nick of connection `of`, in a variant spelling. */
  | { nickOf: { of: number; variant: NickVariant } }
  /** The server's history epoch, as a welcome gave it. */
  | { epoch: true };

export type DigitForm = 'ascii' | 'fullwidth' | 'arabic-indic' | 'math-bold' | 'upper' | 'fullwidth-letters' | 'leading-zero';
export type NickVariant = 'same' | 'upper' | 'fullwidth' | 'combining';

/**
 * JSON as a tree that can say what JSON.stringify cannot: duplicate and `__proto__` keys, number
 * literals like 1e400, strings with lone surrogates, and compact long or deep values.
 */
export type JsonTree =
  | string
  | number
  | boolean
  | null
  | { o: [string, JsonTree][] }
  | { a: JsonTree[] }
  /** A number literal written as is (`1e400`, `-0`, `1.0`). */
  | { num: string }
  | { dyn: Dynamic }
  /** A string of `s` repeated `n` times. */
  | { rep: { s: string; n: number } }
  /** `depth` nested arrays (or objects `{"a":…}`) around null. */
  | { deep: { depth: number; of: 'array' | 'object' } };

/** What one send carries. */
export type Payload =
  | { json: JsonTree }
  /** A text-mode line, pieces joined. */
  | { text: (string | { dyn: Dynamic } | { rep: { s: string; n: number } })[] }
  /** Bytes as hex: invalid UTF-8, NULs, several lines at once. */
  | { hex: string }
  /** Another payload with byte edits applied (positions are per-mille of its length). */
  | { mutate: { of: Payload; edits: Edit[] } };

export interface Edit {
  at: number;
  op: 'flip' | 'insert' | 'delete' | 'duplicate' | 'truncate';
  byte: number;
}

/** How bytes are written: at once, one byte per write, or cut at the given per-mille points. */
export type Split = 'whole' | 'bytes' | number[];

/** One raw WebSocket frame; `payload` is sent as built, the header may lie (see ws-wire.ts). */
export interface FrameDesc {
  opcode: number;
  payload: Payload;
  fin?: boolean;
  masked?: boolean;
  rsv?: number;
  declaredLength?: number;
}

export interface HttpRequest {
  method: string;
  path: string;
  version: string;
  headers: [string, string][];
  body?: string;
}

export type Action =
  /** Connects (a connection is also opened by its first use; a closed one is opened again). */
  | { do: 'open'; c: number }
  /** Sends one payload: a line on TCP (with `end`, default LF), a message on WebSocket (`binary`, or in `fragments`). */
  | { do: 'send'; c: number; payload: Payload; end?: string; split?: Split; binary?: boolean; fragments?: number }
  /** Raw WebSocket frames (opened if needed); `cut` sends only that many bytes of them, `then` ends the connection. */
  | { do: 'frames'; c: number; frames: FrameDesc[]; split?: Split; cut?: number; then?: 'reset' | 'end' }
  /** A WebSocket whose handshake and first frames go out in one write, before any answer (a refused one keeps talking). */
  | { do: 'eager-ws'; c: number; frames: FrameDesc[] }
  /** `count` messages to one room in one write. */
  | { do: 'burst'; c: number; room: string; count: number; text: string; bytes: number }
  /** Joins and parts `count` fresh room names. */
  | { do: 'churn'; c: number; count: number }
  | { do: 'reset' | 'end' | 'pause' | 'resume'; c: number }
  /** One HTTP request on its own connection; then reset it, half-close it or leave it open. */
  | { do: 'http'; request: HttpRequest; then: 'reset' | 'end' | 'keep' }
  /** Every connection that can answers a ping; the invariants are checked. */
  | { do: 'sync' };

export interface Scenario {
  setup: ServerSetup;
  /** The door of each connection, by index. */
  conns: Door[];
  /** Rooms watched by a well-behaved observer each (lobby always). */
  observe: string[];
  actions: Action[];
}

/** What materialising a payload may ask of the running scenario. */
export interface DynamicContext {
  resolve(dynamic: Dynamic): string | number;
}

const DIGITS: Record<DigitForm, (d: string) => string> = {
  ascii: (d) => d,
  upper: (d) => d,
  'fullwidth-letters': (d) => d,
  'leading-zero': (d) => d,
  fullwidth: (d) => String.fromCodePoint(0xff10 + Number(d)),
  'arabic-indic': (d) => String.fromCodePoint(0x0660 + Number(d)),
  'math-bold': (d) => String.fromCodePoint(0x1d7ce + Number(d)),
};

/** `guest-<id>` spelled in `form` (all but ascii fold to the same key under NFKC and case folding, or look as if they did). */
export function guestLookalike(id: number, form: DigitForm): string {
  const digits = [...String(id)].map(DIGITS[form]).join('');
  if (form === 'upper') return `GUEST-${digits}`;
  if (form === 'fullwidth-letters') return `ｇｕｅｓｔ-${digits}`;
  if (form === 'leading-zero') return `guest-0${digits}`;
  return `guest-${digits}`;
}

/** A spelling of `nick` that the documented folding (case-insensitive) or NFKC may treat as the same. */
export function nickVariant(nick: string, variant: NickVariant): string {
  switch (variant) {
    case 'same':
      return nick;
    case 'upper':
      return nick.toUpperCase();
    case 'fullwidth':
      return [...nick].map((ch) => (/[!-~]/.test(ch) ? String.fromCodePoint(ch.codePointAt(0)! + 0xfee0) : ch)).join('');
    case 'combining':
      return nick.normalize('NFD');
  }
}

function writeTree(tree: JsonTree, ctx: DynamicContext, out: string[]): void {
  if (tree === null || typeof tree !== 'object') {
    out.push(typeof tree === 'string' ? JSON.stringify(tree) : String(tree));
    return;
  }
  if ('o' in tree) {
    out.push('{');
    tree.o.forEach(([key, value], i) => {
      if (i > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      writeTree(value, ctx, out);
    });
    out.push('}');
  } else if ('a' in tree) {
    out.push('[');
    tree.a.forEach((value, i) => {
      if (i > 0) out.push(',');
      writeTree(value, ctx, out);
    });
    out.push(']');
  } else if ('num' in tree) out.push(tree.num);
  else if ('dyn' in tree) out.push(JSON.stringify(ctx.resolve(tree.dyn)));
  else if ('rep' in tree) out.push(JSON.stringify(tree.rep.s.repeat(tree.rep.n)));
  else {
    const { depth, of } = tree.deep;
    out.push((of === 'array' ? '[' : '{"a":').repeat(depth), 'null', (of === 'array' ? ']' : '}').repeat(depth));
  }
}

export function jsonText(tree: JsonTree, ctx: DynamicContext): string {
  const out: string[] = [];
  writeTree(tree, ctx, out);
  return out.join('');
}

function applyEdits(bytes: Buffer, edits: readonly Edit[]): Buffer {
  let b = bytes;
  for (const { at, op, byte } of edits) {
    const i = Math.min(b.length, Math.floor((b.length * at) / 1000));
    const byteBuf = Buffer.from([byte & 0xff]);
    if (op === 'flip') b = i < b.length ? Buffer.concat([b.subarray(0, i), Buffer.from([b[i]! ^ (byte | 1)]), b.subarray(i + 1)]) : b;
    else if (op === 'insert') b = Buffer.concat([b.subarray(0, i), byteBuf, b.subarray(i)]);
    else if (op === 'delete') b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
    else if (op === 'duplicate') b = Buffer.concat([b.subarray(0, i), b.subarray(i, i + 1 + (byte % 64)), b.subarray(i)]);
    else b = b.subarray(0, i);
  }
  return b;
}

/** The bytes of a payload (without line ending or framing). */
export function payloadBytes(payload: Payload, ctx: DynamicContext): Buffer {
  if ('json' in payload) return Buffer.from(jsonText(payload.json, ctx), 'utf8');
  if ('hex' in payload) return Buffer.from(payload.hex, 'hex');
  if ('mutate' in payload) return applyEdits(payloadBytes(payload.mutate.of, ctx), payload.mutate.edits);
  const text = payload.text
    .map((piece) => (typeof piece === 'string' ? piece : 'dyn' in piece ? String(ctx.resolve(piece.dyn)) : piece.rep.s.repeat(piece.rep.n)))
    .join('');
  return Buffer.from(text, 'utf8');
}

export function httpRequestBytes(request: HttpRequest): Buffer {
  const head = `${request.method} ${request.path} ${request.version}\r\n${request.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.from(head + (request.body ?? ''), 'latin1');
}

/** Cuts bytes into the pieces a split asks for. */
export function splitBytes(bytes: Buffer, split: Split | undefined): Buffer[] {
  if (split === undefined || split === 'whole' || bytes.length <= 1) return [bytes];
  if (split === 'bytes') return [...bytes].map((b) => Buffer.from([b]));
  const cuts = [...new Set(split.map((p) => Math.floor((bytes.length * p) / 1000)))].filter((i) => i > 0 && i < bytes.length).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  return pieces;
}

/** The connection an action is about, if any. */
export function connOf(action: Action): number | undefined {
  return 'c' in action ? action.c : undefined;
}
