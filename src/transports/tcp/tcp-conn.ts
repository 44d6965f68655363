/**
 * @module One TCP client: a Conn for the hub (newline-framed output) and the sink of its own line
 * splitter (input). Socket listeners are module functions reaching the TcpConn through a symbol, as
 * ws does, so an idle connection carries no closures.
 */
import type { Socket } from 'node:net';
import type { Conn, Disconnect, Door, Framing } from '../../core/conn.js';
import type { Hub } from '../../core/hub.js';
import type { Session } from '../../core/session.js';
import { LineSplitter, type LineSink } from './line-splitter.js';

export const LINE_FRAMING: Framing = {
  name: 'line',
  frame: (payload) => Buffer.from(payload + '\n', 'utf8'),
};

/** A door whose connections are lines on a stream socket, and how its lines are framed. */
export interface LineProtocol {
  readonly door: Door;
  readonly framing: Framing;
  /** Its own cap on a line's bytes, below the hub's `maxLineBytes` (IRC's 512); absent: the hub's. */
  readonly maxLineBytes?: number;
  /**
   * The server pings its peers (IRC's PING): every `everyMs` a peer that sent something since the
   * last time is sent `payload`; one that sent nothing since the previous ping is dropped.
   */
  readonly ping?: { readonly payload: string; readonly everyMs: number };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const kConn = Symbol('hubbub.tcpConn');

type LinkedSocket = Socket & { [kConn]: TcpConn };

export class TcpConn implements Conn, LineSink {
  readonly framing: Framing;
  private readonly door: Door;
  private session: Session | undefined;
  private readonly splitter: LineSplitter;
  /** Something arrived since the last keep-alive check. */
  private heard = true;

  /**
   * `socket` is any stream socket: plain TCP or TLS. `remoteAddress` is the client's: the socket's
   * peer, or the client a trusted proxy named.
   */
  constructor(
    private readonly socket: Socket,
    private readonly hub: Hub,
    protocol: LineProtocol,
    readonly remoteAddress: string = socket.remoteAddress ?? 'unknown',
  ) {
    this.door = protocol.door;
    this.framing = protocol.framing;
    this.splitter = new LineSplitter(Math.min(hub.limits.maxLineBytes, protocol.maxLineBytes ?? Infinity), this);
  }

  /** Admits the socket into the hub and starts reading from it; false if the hub refused it. */
  start(): boolean {
    this.socket.on('error', socketOnError);
    this.session = this.hub.accept(this, this.door);
    if (!this.session) return false;
    (this.socket as LinkedSocket)[kConn] = this;
    this.socket.on('data', socketOnData);
    this.socket.on('end', socketOnEnd);
    this.socket.on('close', socketOnClose);
    return true;
  }

  /** The keep-alive check (see LineProtocol.ping): drops a peer silent since the last one, else pings it. */
  keepAlive(payload: string): void {
    if (!this.heard) {
      this.socket.destroy();
      return;
    }
    this.heard = false;
    this.hub.sendEncoded(this.session!, payload);
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
    const socket = this.socket;
    setTimeout(() => socket.destroy(), this.hub.limits.shutdownGraceMs).unref();
  }

  line(bytes: Buffer): void {
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      this.hub.inputError(this.session!, 'invalid_utf8');
      return;
    }
    this.hub.receive(this.session!, text);
  }

  overflow(): void {
    this.hub.inputError(this.session!, 'line_too_long');
  }

  received(chunk: Buffer): void {
    this.heard = true;
    this.splitter.push(chunk);
  }

  /** The peer closed its sending side: its last line counts, then it has quit. */
  ended(): void {
    this.splitter.end();
    this.hub.peerEnded(this.session!);
  }

  closed(): void {
    this.hub.connectionLost(this.session!);
  }
}

function socketOnData(this: LinkedSocket, chunk: Buffer): void {
  this[kConn].received(chunk);
}

function socketOnEnd(this: LinkedSocket): void {
  this[kConn].ended();
}

function socketOnClose(this: LinkedSocket): void {
  this[kConn].closed();
}

// Errors (ECONNRESET, EPIPE) are followed by 'close', which cleans up; there is nothing else to do.
function socketOnError(this: Socket): void {}
