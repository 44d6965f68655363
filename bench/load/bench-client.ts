/**
 * @module One benchmark connection over a raw socket: TCP lines or a hand-rolled WebSocket client.
 * Reads land in one buffer shared by every socket of the process (`onread`), and once the
 * handshake is done only markers are looked for, so a delivery costs a few byte comparisons.
 */
import net from 'node:net';
import { scanMarkers, type MarkerSink } from './marker.js';
import type { ClientProtocol, Handshake } from './protocols.js';
import { clientFrame, OPCODE_PING, OPCODE_PONG, parseFrames, type FrameSink } from './ws-frames.js';

export interface Target {
  host: string;
  port: number;
}

/** What a client reports to the load process that owns it. */
export interface ClientEvents {
  marker(client: BenchClient, sender: number, seq: number, tsUs: number): void;
  corrupt(client: BenchClient): void;
  ready(client: BenchClient): void;
  /** The connection failed or closed before it was ready. */
  failed(client: BenchClient, reason: string): void;
  /** The connection closed after it was ready, without the benchmark asking. */
  lost(client: BenchClient, reason: string): void;
}

type State = 'connecting' | 'upgrading' | 'handshake' | 'ready' | 'closed';

const LF = 0x0a;
const HEADER_END = Buffer.from('\r\n\r\n');
/** Reads of every socket in this process land here, one at a time. */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
// Any valid base64 of 16 bytes will do: the server's answer is not checked, only its status.
const WS_KEY = 'YmVuY2hiZW5jaGJlbmNoIQ==';

export class BenchClient implements MarkerSink, FrameSink {
  state: State = 'connecting';
  /** Called after each read that delivered something, so a sender can top up its window in one write. */
  afterRead: (() => void) | undefined;
  private socket: net.Socket | undefined;
  private carry: Buffer | undefined;
  private readonly handshake: Handshake;
  private failure: string | undefined;

  constructor(
    /** Index of this client within its load process. */
    readonly index: number,
    private readonly protocol: ClientProtocol,
    private readonly events: ClientEvents,
    join: string | undefined,
  ) {
    this.handshake = protocol.handshake(join);
  }

  connect(target: Target, localAddress: string | undefined): void {
    const socket = net.connect({
      host: target.host,
      port: target.port,
      ...(localAddress !== undefined && { localAddress }),
      noDelay: true,
      onread: { buffer: SHARED_READ_BUFFER, callback: this.onRead },
    });
    this.socket = socket;
    socket.on('connect', () => {
      if (this.protocol.transport === 'tcp') {
        this.state = 'handshake';
        return;
      }
      this.state = 'upgrading';
      socket.write(
        `GET ${this.protocol.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${WS_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (this.failure ??= err.code ?? err.message));
    socket.on('close', () => {
      const was = this.state;
      this.state = 'closed';
      if (was === 'closed') return;
      if (was === 'ready') this.events.lost(this, this.failure ?? 'closed by server');
      else this.events.failed(this, this.failure ?? `closed by server while ${was}`);
    });
  }

  /** Sends payloads (lines without newline, or frame texts) in one write. */
  send(payloads: readonly string[]): void {
    if (!this.socket || (this.state !== 'ready' && this.state !== 'handshake')) return;
    if (this.protocol.transport === 'tcp') {
      this.socket.write(payloads.join('\n') + '\n');
    } else {
      this.socket.write(payloads.length === 1 ? clientFrame(payloads[0]!) : Buffer.concat(payloads.map((p) => clientFrame(p))));
    }
  }

  /** Closes with a reset, so neither side keeps a TIME_WAIT entry between scenarios. */
  destroy(): void {
    this.state = 'closed';
    this.socket?.resetAndDestroy();
  }

  // ---- MarkerSink ----

  marker(sender: number, seq: number, tsUs: number): void {
    this.events.marker(this, sender, seq, tsUs);
  }

  corrupt(): void {
    this.events.corrupt(this);
  }

  // ---- FrameSink ----

  data(buf: Buffer, start: number, end: number): void {
    if (this.state === 'ready') {
      const answer = this.protocol.keepAlive(buf, start, end);
      if (answer !== undefined) this.send([answer]);
      else scanMarkers(buf, start, end, this);
    } else {
      this.handshakeMessage(buf.toString('utf8', start, end));
    }
  }

  control(opcode: number, buf: Buffer, start: number, end: number): void {
    if (opcode === OPCODE_PING) this.socket?.write(clientFrame(Buffer.from(buf.subarray(start, end)), OPCODE_PONG));
  }

  // ---- reading ----

  private readonly onRead = (nread: number, shared: Buffer): boolean => {
    let data = shared.subarray(0, nread);
    if (this.carry) {
      data = Buffer.concat([this.carry, data]);
      this.carry = undefined;
    }
    const rest = this.consume(data);
    // The shared buffer is reused by the next read, so unfinished bytes are copied out.
    if (rest < data.length) this.carry = Buffer.from(data.subarray(rest));
    this.afterRead?.();
    return true;
  };

  /** Returns where the unconsumed tail of `data` begins. */
  private consume(data: Buffer): number {
    let start = 0;
    if (this.state === 'upgrading') {
      const headerEnd = data.indexOf(HEADER_END);
      if (headerEnd === -1) return 0;
      if (!data.toString('latin1', 0, 12).startsWith('HTTP/1.1 101')) {
        this.fail(`upgrade refused: ${data.toString('latin1', 0, data.indexOf('\r\n'))}`);
        return data.length;
      }
      this.state = 'handshake';
      start = headerEnd + HEADER_END.length;
    }
    if (this.protocol.transport === 'ws') return parseFrames(data, start, data.length, this);
    if (this.state === 'handshake') start = this.handshakeLines(data, start);
    return this.state === 'ready' ? scanMarkers(data, start, data.length, this) : start;
  }

  /** Feeds complete lines to the handshake until it is done; returns where reading stopped. */
  private handshakeLines(data: Buffer, start: number): number {
    let i = start;
    while (this.state === 'handshake') {
      const newline = data.indexOf(LF, i);
      if (newline === -1) return i;
      this.handshakeMessage(data.toString('utf8', i, newline).replace(/\r$/, ''));
      i = newline + 1;
    }
    return i;
  }

  private handshakeMessage(message: string): void {
    const answer = this.handshake.step(message);
    if (answer !== undefined) this.send([answer]);
    if (this.handshake.done && this.state === 'handshake') {
      this.state = 'ready';
      this.events.ready(this);
    }
  }

  private fail(reason: string): void {
    this.failure = reason;
    this.socket?.destroy();
  }
}
