/** @module A TCP socket as a Conn: lines out, newline-framed. */
import type { Socket } from 'node:net';
import type { Conn, Disconnect, Framing } from '../../core/conn.js';

export const LINE_FRAMING: Framing = {
  name: 'line',
  frame: (payload) => Buffer.from(payload + '\n', 'utf8'),
};

export class TcpConn implements Conn {
  readonly transport = 'tcp';
  readonly framing = LINE_FRAMING;
  readonly remoteAddress: string;

  constructor(
    private readonly socket: Socket,
    private readonly closeGraceMs: number,
  ) {
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  write(bytes: Buffer): void {
    if (this.socket.writable) this.socket.write(bytes);
  }

  close(_disconnect: Disconnect, goodbye: Buffer): void {
    if (!this.socket.writable) {
      this.socket.destroy();
      return;
    }
    this.socket.end(goodbye);
    // A peer that never reads would keep a half-closed socket forever.
    setTimeout(() => this.socket.destroy(), this.closeGraceMs).unref();
  }
}
