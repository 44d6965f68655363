/**
 * @module What the server makes of the bytes a client wrote, as docs/protocol.md describes it and
 * written independently of the server's code: TCP lines (LF or CR LF, cut at the line limit, the
 * rest of an over-long line dropped) and WebSocket frames (the closes of RFC 6455 as `ws` applies
 * them). The fuzzer feeds every byte it writes through these to know what answers it is owed.
 */
import { OPCODE } from '../helpers/ws-wire.js';

export type LineEvent =
  /** A complete line the server will decode; `certain` is false at the exact limit, where packetisation decides. */
  | { kind: 'line'; bytes: Buffer; certain: boolean }
  /** A line over the limit: one line_too_long. */
  | { kind: 'overflow' };

const LF = 0x0a;
const CR = 0x0d;

/** TCP: bytes to lines, with the byte cap. */
export class LineModel {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(private readonly maxLineBytes: number) {}

  /** Whether the stream is between lines (the next byte starts a new one). */
  get atLineStart(): boolean {
    return this.size === 0 && !this.discarding;
  }

  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(LF, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!this.discarding) {
        this.parts.push(chunk.subarray(start, end));
        this.size += end - start;
        // Without its CR the line may still fit; with it, it may not, depending on where packets split it.
        if (this.size > this.maxLineBytes + 1) {
          this.discarding = true;
          this.parts = [];
          this.size = 0;
          events.push({ kind: 'overflow' });
        }
      }
      if (newline === -1) break;
      if (this.discarding) this.discarding = false;
      else events.push(this.complete());
      start = newline + 1;
    }
    return events;
  }

  /** The sending side closed: a last line without LF still counts. */
  end(): LineEvent[] {
    if (this.discarding || this.size === 0) return [];
    const bytes = Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    return [bytes.length > this.maxLineBytes ? { kind: 'overflow' } : { kind: 'line', bytes, certain: true }];
  }

  private complete(): LineEvent {
    let bytes = Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    const hadCr = bytes.length > 0 && bytes[bytes.length - 1] === CR;
    if (hadCr) bytes = bytes.subarray(0, -1);
    if (bytes.length > this.maxLineBytes) return { kind: 'overflow' };
    return { kind: 'line', bytes, certain: !(hadCr && bytes.length === this.maxLineBytes) };
  }
}

export type WsEvent =
  | { kind: 'text'; bytes: Buffer }
  | { kind: 'binary' }
  /** The server must close: 1002 protocol error, 1007 bad UTF-8, 1009 too big; or the stream no longer parses (`desync`). */
  | { kind: 'close'; status: 1002 | 1007 | 1009 | 'desync' }
  /** The client sent a close frame: the server answers it and the connection ends. */
  | { kind: 'client-close' };

export interface WsFrameInput {
  opcode: number;
  payload: Buffer;
  fin: boolean;
  masked: boolean;
  rsv: number;
  declaredLength?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Buffer): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** WebSocket: client frames to the messages (or the close) the server sees. */
export class WsModel {
  private fragments: Buffer[] | undefined;
  private fragmentOpcode = 0;
  private total = 0;
  /** Once set, nothing more the client sends is read. */
  ended = false;

  constructor(private readonly maxPayload: number) {}

  /** Whether a message is half sent (its next frame must be a continuation). */
  get midMessage(): boolean {
    return this.fragments !== undefined;
  }

  frame(f: WsFrameInput): WsEvent[] {
    if (this.ended) return [];
    const stop = (status: 1002 | 1007 | 1009 | 'desync'): WsEvent[] => {
      this.ended = true;
      return [{ kind: 'close', status }];
    };
    if (f.rsv !== 0) return stop(1002);
    const control = f.opcode >= 0x8;
    if (![OPCODE.continuation, OPCODE.text, OPCODE.binary, OPCODE.close, OPCODE.ping, OPCODE.pong].includes(f.opcode as 0)) return stop(1002);
    if (f.opcode === OPCODE.continuation && !this.fragments) return stop(1002);
    if ((f.opcode === OPCODE.text || f.opcode === OPCODE.binary) && this.fragments) return stop(1002);
    const length = f.declaredLength ?? f.payload.length;
    if (control && (!f.fin || length > 125 || (f.opcode === OPCODE.close && length === 1))) return stop(1002);
    if (!f.masked) return stop(1002);
    if (length > Number.MAX_SAFE_INTEGER) return stop(1009);
    if (!control && this.total + length > this.maxPayload) return stop(1009);
    if (length !== f.payload.length) return stop('desync');
    if (control) {
      if (f.opcode !== OPCODE.close) return [];
      this.ended = true;
      return [{ kind: 'client-close' }];
    }
    if (f.opcode !== OPCODE.continuation) {
      this.fragments = [];
      this.fragmentOpcode = f.opcode;
    }
    this.fragments!.push(f.payload);
    this.total += length;
    if (!f.fin) return [];
    const message = Buffer.concat(this.fragments!);
    this.fragments = undefined;
    this.total = 0;
    if (this.fragmentOpcode === OPCODE.binary) return [{ kind: 'binary' }];
    return isUtf8(message) ? [{ kind: 'text', bytes: message }] : stop(1007);
  }

  /** The client sent only part of a frame: the server waits for the rest, which never makes sense of what follows. */
  cut(): WsEvent[] {
    if (this.ended) return [];
    this.ended = true;
    return [{ kind: 'close', status: 'desync' }];
  }
}
