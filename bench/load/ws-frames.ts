/**
 * @module The little of RFC 6455 a load generator needs: client frames (masked with a zero key,
 * so masking costs nothing) and a parser that walks server frames in place without copying.
 */

const OPCODE_TEXT = 0x1;
const OPCODE_CLOSE = 0x8;
export const OPCODE_PING = 0x9;
export const OPCODE_PONG = 0xa;

/** A client frame carrying `payload`; the mask key is 0,0,0,0 so the payload goes as is. */
export function clientFrame(payload: string | Buffer, opcode = OPCODE_TEXT): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const header = length < 126 ? 6 : length < 65_536 ? 8 : 14;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = 0x80 | length;
  } else if (length < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.writeUInt32BE(0, header - 4);
  if (typeof payload === 'string') frame.write(payload, header);
  else payload.copy(frame, header);
  return frame;
}

export interface FrameSink {
  /** A complete data frame (text, binary or continuation); the payload is `buf[start, end)`. */
  data(buf: Buffer, start: number, end: number): void;
  control(opcode: number, buf: Buffer, start: number, end: number): void;
}

/**
 * Reports every complete frame in `buf[start, end)` and returns where an incomplete frame at the
 * end begins, or `end`. Server frames are unmasked; a masked one is reported as is.
 */
export function parseFrames(buf: Buffer, start: number, end: number, sink: FrameSink): number {
  let i = start;
  while (end - i >= 2) {
    const opcode = buf[i]! & 0x0f;
    const masked = (buf[i + 1]! & 0x80) !== 0;
    let length = buf[i + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      if (end - i < 4) return i;
      length = buf.readUInt16BE(i + 2);
      header = 4;
    } else if (length === 127) {
      if (end - i < 10) return i;
      length = Number(buf.readBigUInt64BE(i + 2));
      header = 10;
    }
    if (masked) header += 4;
    const payloadEnd = i + header + length;
    if (payloadEnd > end) return i;
    if (opcode < OPCODE_CLOSE) sink.data(buf, i + header, payloadEnd);
    else sink.control(opcode, buf, i + header, payloadEnd);
    i = payloadEnd;
  }
  return i;
}
