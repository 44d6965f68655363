/**
 * @module WebSocket at the byte level, for tests that must send what no library would (unmasked or
 * reserved-bit frames, bad opcodes, lying length headers, frames cut anywhere) and read what the
 * server really wrote: the client's opening handshake, a frame encoder, and a parser of server frames.
 */
import { randomBytes } from 'node:crypto';

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** The opening handshake as a client sends it, for `path` (the hub's endpoint is /ws). */
export function handshakeRequest(path = '/ws', host = '127.0.0.1'): Buffer {
  const key = randomBytes(16).toString('base64');
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    'latin1',
  );
}

export interface FrameSpec {
  opcode: number;
  payload: Buffer;
  /** Last fragment of its message (default true). */
  fin?: boolean;
  /** Clients must mask (default true); false is a protocol error the server must answer with 1002. */
  masked?: boolean;
  /** RSV1-3 bits, 0-7 (default 0: no extension is negotiated). */
  rsv?: number;
  /** Claims this payload length in the header instead of the real one (a lying or oversized header). */
  declaredLength?: number;
}

/** Encodes one client frame exactly as specified, valid or not. */
export function encodeFrame(spec: FrameSpec): Buffer {
  const { opcode, payload, fin = true, masked = true, rsv = 0 } = spec;
  const length = spec.declaredLength ?? payload.length;
  const header: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) header.push(maskBit | length);
  else if (length < 0x10000) {
    header.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    header.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!masked) return Buffer.concat([Buffer.from(header), extended, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([Buffer.from(header), extended, mask, body]);
}

/** A close frame with a status (and no reason), as a client answers the server's close. */
export function closeFrame(status?: number): Buffer {
  const payload = Buffer.alloc(status === undefined ? 0 : 2);
  if (status !== undefined) payload.writeUInt16BE(status);
  return encodeFrame({ opcode: OPCODE.close, payload });
}

export interface ServerFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Reassembles the server's frames from a byte stream (after the handshake response). */
export class ServerFrameParser {
  private buffered: Buffer = Buffer.alloc(0);

  /** Appends bytes and returns every frame completed by them. */
  push(chunk: Buffer): ServerFrame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: ServerFrame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) return frames;
      frames.push(frame);
    }
  }

  private next(): ServerFrame | undefined {
    const b = this.buffered;
    if (b.length < 2) return undefined;
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    const maskKey = masked ? b.subarray(offset, offset + 4) : undefined;
    if (masked) offset += 4;
    if (b.length < offset + length) return undefined;
    const payload = Buffer.from(b.subarray(offset, offset + length));
    if (maskKey) for (let i = 0; i < payload.length; i++) payload[i]! ^= maskKey[i & 3]!;
    this.buffered = b.subarray(offset + length);
    return { fin: (b[0]! & 0x80) !== 0, rsv: (b[0]! >> 4) & 7, opcode: b[0]! & 0x0f, masked, payload };
  }
}

/** Splits an HTTP response head from what follows it; undefined until the head is complete. */
export function splitResponseHead(bytes: Buffer): { head: string; rest: Buffer } | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  return { head: bytes.subarray(0, end).toString('latin1'), rest: bytes.subarray(end + 4) };
}
