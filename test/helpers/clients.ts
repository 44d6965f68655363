/** @module Real-socket test clients: TCP text, TCP JSON (NDJSON) and WebSocket JSON. */
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import { Inbox } from './inbox.js';

export type Frame = Record<string, unknown> & { type: string };

/** A TCP client that reads lines; text mode until it sends /json. */
export class TcpClient {
  readonly lines = new Inbox<string>();
  /** Lines that parse as JSON objects (after /json), as frames. */
  readonly frames = new Inbox<Frame>();
  readonly socket: net.Socket;
  private partial = '';

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) {
        this.lines.push(line);
        if (line.startsWith('{')) this.frames.push(JSON.parse(line) as Frame);
      }
    });
    socket.on('close', () => this.end());
    socket.on('error', () => this.end());
  }

  static connect(port: number, options: Partial<net.TcpNetConnectOpts> = {}): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', ...options }, () => resolve(new TcpClient(socket)));
      socket.once('error', reject);
    });
  }

  /** A client on a socket the test set up itself (a TLS session after a PROXY header, say). */
  static wrap(socket: net.Socket): TcpClient {
    return new TcpClient(socket);
  }

  /** Connects over TLS, trusting `ca` (the test's self-signed certificate) and checking the name. */
  static connectTls(port: number, ca: Buffer): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost' }, () => resolve(new TcpClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Connects (over TLS when `ca` is given) and waits for the text welcome, which names the connection's serial id. */
  static async text(port: number, ca?: Buffer): Promise<TcpClient> {
    const client = ca ? await TcpClient.connectTls(port, ca) : await TcpClient.connect(port);
    const welcome = await client.lines.next((l) => l.includes('Welcome'), undefined, 'welcome');
    client.id = Number(/connection #(\d+)/.exec(welcome)?.[1]);
    return client;
  }

  /** The serial id from the text welcome (NaN before it). */
  id = NaN;

  send(line: string): void {
    this.socket.write(line + '\n');
  }

  writeRaw(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  private end(): void {
    this.lines.close();
    this.frames.close();
  }
}

/** Anything that exchanges JSON frames with the hub. */
export interface JsonClient {
  readonly frames: Inbox<Frame>;
  readonly welcome: Frame;
  send(frame: object): void;
  sendRaw(text: string): void;
  close(): void;
}

export class TcpJsonClient implements JsonClient {
  readonly frames: Inbox<Frame>;
  welcome!: Frame;

  private constructor(readonly tcp: TcpClient) {
    this.frames = tcp.frames;
  }

  static async connect(port: number, ca?: Buffer): Promise<TcpJsonClient> {
    const tcp = await TcpClient.text(port, ca);
    const client = new TcpJsonClient(tcp);
    tcp.send('/json');
    client.welcome = await client.frames.next((f) => f.type === 'welcome', undefined, 'json welcome');
    return client;
  }

  send(frame: object): void {
    this.tcp.send(JSON.stringify(frame));
  }

  sendRaw(text: string): void {
    this.tcp.send(text);
  }

  close(): void {
    this.tcp.close();
  }
}

export class WsClient implements JsonClient {
  readonly frames = new Inbox<Frame>();
  welcome!: Frame;
  closeCode?: number;
  closeReason?: string;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString('utf8')) as Frame));
    ws.on('close', (code: number, reason: Buffer) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.frames.close();
    });
    ws.on('error', () => this.frames.close());
  }

  /** Opens a WebSocket (WSS trusting `ca` when given). */
  static async open(port: number, ca?: Buffer, headers?: Record<string, string>, query = ''): Promise<WsClient> {
    const options = { ...(headers && { headers }), ...(ca && { ca, servername: 'localhost' }) };
    const ws = new WebSocket(`${ca ? 'wss' : 'ws'}://127.0.0.1:${port}/ws${query}`, options);
    const client = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  static async connect(port: number, ca?: Buffer, headers?: Record<string, string>, query = ''): Promise<WsClient> {
    const client = await WsClient.open(port, ca, headers, query);
    client.welcome = await client.frames.next((f) => f.type === 'welcome', undefined, 'ws welcome');
    return client;
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(text: string | Buffer): void {
    this.ws.send(text);
  }

  close(): void {
    this.ws.terminate();
  }
}

export const isType =
  (type: string, extra: Record<string, unknown> = {}) =>
  (frame: Frame): boolean =>
    frame.type === type && Object.entries(extra).every(([k, v]) => frame[k] === v);

type PresenceChange = 'joined' | 'left';

/** The member entry a presence notice lists under `change` matching `member` (every given field). */
export function presenceEntry(frame: Frame, change: PresenceChange, member: Record<string, unknown>): Record<string, unknown> | undefined {
  if (frame.type !== 'presence') return undefined;
  return (frame[change] as Record<string, unknown>[]).find((m) => Object.entries(member).every(([k, v]) => m[k] === v));
}

/** Matches a presence notice (in `room`, if given) that lists a member matching `member` under `change`. */
export const isPresence =
  (change: PresenceChange, member: Record<string, unknown>, room?: string) =>
  (frame: Frame): boolean =>
    (room === undefined || frame.room === room) && presenceEntry(frame, change, member) !== undefined;

/** Awaits presence notices until `count` members have been listed under `change`; returns their entries in order. */
export async function takePresence(frames: Inbox<Frame>, change: PresenceChange, count: number, timeoutMs = 5000): Promise<Record<string, unknown>[]> {
  const entries: Record<string, unknown>[] = [];
  while (entries.length < count) {
    const frame = await frames.next((f) => f.type === 'presence' && (f[change] as unknown[]).length > 0, timeoutMs, `${count} members ${change}`);
    entries.push(...(frame[change] as Record<string, unknown>[]));
  }
  return entries;
}
