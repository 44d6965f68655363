/**
 * @module A WebSocket as a Conn. Outbound frames are built once per event by ws's own framer and
 * written straight to the upgraded socket, so many frames leave in one write; ws still owns
 * reading, ping/pong and the closing handshake.
 */
import type { Socket } from 'node:net';
import * as wsModule from 'ws';
import { WebSocket } from 'ws';
import type { Conn, Disconnect, Framing } from '../../core/conn.js';

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
// ws exports its Sender (the framer it uses itself); @types/ws does not declare it.
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };
const TEXT_FRAME: FrameOptions = { fin: true, opcode: 0x1, mask: false, readOnly: true, rsv1: false };

export const WS_TEXT_FRAMING: Framing = {
  name: 'ws-text',
  frame(payload) {
    const parts = Sender.frame(Buffer.from(payload, 'utf8'), TEXT_FRAME);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  },
};

/** Close reasons are limited to 123 bytes by RFC 6455. */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

export class WsConn implements Conn {
  readonly framing = WS_TEXT_FRAMING;
  /** Cleared on each ping, set by the pong: false at the next ping means the peer is gone. */
  alive = true;

  constructor(
    readonly ws: WebSocket,
    private readonly socket: Socket,
    readonly remoteAddress: string,
    private readonly closeGraceMs: number,
  ) {}

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  write(bytes: Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.socket.write(bytes);
  }

  close(disconnect: Disconnect, goodbye: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) {
      this.ws.terminate();
      return;
    }
    this.socket.write(goodbye);
    this.ws.close(disconnect.wsClose, closeReason(disconnect.message));
    // ws would wait 30 s for the peer's close frame; a peer that is not reading gets the grace period.
    setTimeout(() => this.ws.terminate(), this.closeGraceMs).unref();
  }
}
