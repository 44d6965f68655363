/**
 * @module One client connection of a fuzz run (a driver that sends anything, or a well-behaved
 * observer), over TCP text, TCP JSON or a WebSocket spoken byte by byte. It writes what it is told,
 * feeds its own bytes through the wire models to know what it is owed, and checks every byte the
 * server sends back against the documented contract, reporting each breach to its host.
 */
import net from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ERRORS } from '../../src/core/errors.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { checkServerFrame, checkTextLine } from '../helpers/check-server-frame.js';
import { OPCODE, ServerFrameParser, closeFrame, encodeFrame, handshakeRequest, splitResponseHead, type ServerFrame } from '../helpers/ws-wire.js';
import { AnswerBook, type Frame } from './answers.js';
import { RoomSeqs } from './room-seqs.js';
import type { Door, ServerSetup } from './scenario.js';
import { LineModel, WsModel, type LineEvent, type WsEvent, type WsFrameInput } from './wire-models.js';

/**
 * What is wrong with history, given what clients were sent live (by seq): every message must be
 * stored unchanged, unless retention (`keep` messages per room) has dropped it. Text-mode copies
 * carry only `from`.
 */
export function lostMessages(room: string, sent: ReadonlyMap<number, Frame>, stored: ReadonlyMap<number, Frame>, keep: number): string | undefined {
  const newest = Math.max(0, ...stored.keys());
  for (const [seq, copy] of sent) {
    const kept = stored.get(seq);
    if (!kept && seq <= newest - keep) continue;
    const fields = copy.text === undefined ? ['from'] : ['from', 'fromId', 'text', 'ts', 'action'];
    if (!kept || !fields.every((k) => kept[k] === copy[k])) {
      return `#${room}:${seq} was sent as ${JSON.stringify(copy).slice(0, 160)}; history has ${kept ? JSON.stringify(kept).slice(0, 160) : 'nothing'}`;
    }
  }
  return undefined;
}

/** The limits the fuzzed and soaked servers keep at their defaults. */
export const { maxLineBytes: MAX_LINE_BYTES, maxTextBytes: MAX_TEXT_BYTES, outboxBytes: DEFAULT_OUTBOX_BYTES, retentionMessages: RETENTION_MESSAGES } = DEFAULT_LIMITS;
/** How long an answer the server owes may take, even on a loaded machine, before it counts as never. */
export const ANSWER_DEADLINE_MS = 15_000;

export interface PeerHost {
  readonly setup: ServerSetup;
  readonly tcpPort: number;
  readonly httpPort: number;
  /** Records a breach of the contract (the run stops at the first). */
  fail(kind: string, detail: string, where: string): void;
  /** Set once the run has failed or is being torn down: waits end at once. */
  readonly stopped: boolean;
  /** Whether no traffic the run makes can fill a reading client's outbox, so cutting one off is a breach. */
  readonly promptReadersKept: boolean;
  /**
   * Whether `source` may hold more sockets than the listeners keep (the per-address connection cap
   * plus a headroom, documented): over it a new socket is closed before a byte is read.
   */
  overSocketCap(source: string): boolean;
  /** A connection was welcomed (JSON welcomes name the history's epoch). */
  sawWelcome(id: number, epoch?: string): void;
  /** Counts what the server sent (frame types, error codes), for the run's summary. */
  tally(what: string): void;
  /** A message this connection was sent with a seq (live, or history when `frame.history`); text mode gives room, seq and from only. */
  delivered?(peer: Peer, frame: Frame): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
// User text as delivered: cleaned of C0 (but tab and LF), DEL, C1 and bidi overrides.
const UNCLEAN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const WS_CLOSE: Record<string, number> = {
  quit: 1000,
  ...Object.fromEntries(Object.entries(ERRORS).flatMap(([code, spec]) => ('wsClose' in spec ? [[code, spec.wsClose]] : []))),
};
const REFUSALS = new Set(['too_many_from_ip', 'server_full', 'shutting_down']);

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export interface PeerOptions {
  door: Door;
  /** Loopback source address (the per-address cap counts these). */
  source: string;
  /** A well-behaved client: it must never be refused, cut off or sent an error it did not earn. */
  observer?: boolean;
  /** The server has had no message yet, so every room this observer enters starts at seq 1. */
  fresh?: boolean;
  /** The room an observer watches. */
  watches?: string;
}

export class Peer {
  readonly door: Door;
  readonly observer: boolean;
  readonly watches: string | undefined;
  id: number | undefined;
  nick: string | undefined;
  /** Whether this connection's nick is known exactly (JSON, or text that never asked to change it). */
  nickSettled = true;
  /** The highest seq this connection was sent, by room: what it resumes from. */
  readonly cursors = new Map<string, number>();
  /** Resumes in flight: their ref, and the cursor each room was resumed from. */
  private readonly resumes = new Map<string, Record<string, number>>();
  readonly seqs = new RoomSeqs();
  readonly book: AnswerBook;

  closed = false;
  /** When the socket closed (for counting what an address holds). */
  closedAt: number | undefined;
  /** Whether the server sent anything at all. */
  private heard = false;
  bye: { code: string } | undefined;
  refused = false;
  private welcomed = false;
  private jsonMode: boolean;
  private socket!: net.Socket;
  private wsOpen = false;
  private wsHead: Buffer = Buffer.alloc(0);
  private wsParser = new ServerFrameParser();
  private wsCloseStatus: number | undefined;
  private lineBuffer: Buffer = Buffer.alloc(0);
  private readonly lineModel = new LineModel(MAX_LINE_BYTES);
  private readonly wsModel = new WsModel(MAX_LINE_BYTES);
  /** Why a silent close is acceptable (or undefined: the server owes a bye). */
  private excuse: string | undefined;
  private expectedWsClose: number | undefined;
  private quitSent = false;
  private halfClosed = false;
  private paused = false;
  private pausedEver = false;
  /** Refs whose answer someone waits for, and the answers that came for them. */
  private readonly awaited = new Set<string>();
  private readonly answers = new Map<string, Frame>();
  private changes: (() => void)[] = [];

  constructor(
    private readonly host: PeerHost,
    readonly label: string,
    private readonly options: PeerOptions,
  ) {
    this.door = options.door;
    this.observer = options.observer ?? false;
    this.watches = options.watches;
    this.jsonMode = options.door === 'ws';
    this.book = new AnswerBook({ me: () => this.id, historyPageMax: host.setup.historyPageMax });
  }

  /** Whether the server owes this connection answers by ref (JSON doors). */
  private get accounting(): boolean {
    return this.door !== 'text';
  }

  /** Whether a ping now must be answered: open, reading, not refused, not past a quit or a broken frame. */
  get answering(): boolean {
    return (
      this.accounting && !this.closed && !this.halfClosed && !this.refused && !this.paused && !this.quitSent && this.excuse === undefined && this.bye === undefined
    );
  }

  // ---- opening ----

  /** Connects and waits for the welcome (or a refusal); `eager` frames go out with a WebSocket handshake, before any answer. */
  async open(eager: WsFrameInput[] = []): Promise<void> {
    // Half-open allowed: a refused client keeps talking after the server's goodbye.
    const port = this.door === 'ws' ? this.host.httpPort : this.host.tcpPort;
    this.socket = net.connect({ host: '127.0.0.1', port, localAddress: this.options.source, allowHalfOpen: true });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('end', () => {
      if (!this.refused) this.socket.end();
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => this.onClose());
    await new Promise<void>((resolve) => {
      this.socket.once('connect', resolve);
      this.socket.once('close', resolve);
    });
    if (this.closed) {
      this.host.fail('connect', 'the server did not accept a connection', this.label);
      return;
    }
    if (this.door === 'ws') {
      this.modelWs(eager);
      this.socket.write(Buffer.concat([handshakeRequest(), ...eager.map(encodeFrame)]));
    }
    await this.until(() => this.welcomed || this.refused || this.closed, 'a welcome');
    if (this.door === 'json' && this.welcomed && !this.closed) {
      this.welcomed = false;
      this.socket.write('/json\n');
      await this.until(() => this.welcomed || this.closed, 'the JSON welcome');
    }
  }

  // ---- sending ----

  /** Writes a payload as the door frames it; pieces go out in separate writes (a split at byte boundaries). */
  async sendPayload(bytes: Buffer, options: { end?: string; binary?: boolean; fragments?: number; pieces: (b: Buffer) => Buffer[] }): Promise<void> {
    if (!this.writable) return;
    if (this.door === 'ws') {
      const frames = this.messageFrames(bytes, options.binary ?? false, options.fragments ?? 1);
      await this.sendFrames(frames, options.pieces);
    } else {
      const wire = Buffer.concat([bytes, Buffer.from(options.end ?? '\n', 'latin1')]);
      this.modelTcp(wire);
      await this.write(options.pieces(wire));
    }
  }

  /** Raw WebSocket frames (on a TCP door they are just bytes); `cut` sends only that many bytes. */
  async sendFrames(frames: WsFrameInput[], pieces: (b: Buffer) => Buffer[], cut?: number): Promise<void> {
    if (!this.writable) return;
    const encoded = frames.map(encodeFrame);
    let wire = Buffer.concat(encoded);
    if (this.door === 'ws') {
      // Only frames sent whole reach the server as frames; a cut one leaves it waiting for the rest.
      let start = 0;
      for (const [i, frame] of frames.entries()) {
        const end = start + encoded[i]!.length;
        if (cut !== undefined && end > cut) {
          if (cut > start) this.noteWs(this.wsModel.cut());
          break;
        }
        this.modelWs([frame]);
        start = end;
      }
      if (cut !== undefined) wire = wire.subarray(0, cut);
    } else {
      if (cut !== undefined) wire = wire.subarray(0, cut);
      this.modelTcp(wire);
    }
    await this.write(pieces(wire));
  }

  /** One line (a JSON frame, or a text command) in the door's framing: LF-terminated, or one text frame. */
  async sendLine(text: string): Promise<void> {
    const lead = this.door !== 'ws' && !this.lineModel.atLineStart ? '\n' : '';
    await this.sendPayload(Buffer.from(lead + text), { pieces: (b) => [b] });
  }

  /** Sends ping with `ref` and waits for its answer (or the end); then nothing sent before it may still be owed. */
  async sync(ref: string): Promise<void> {
    if (!this.answering) return;
    const key = JSON.stringify(ref);
    this.awaited.add(key);
    await this.sendLine(JSON.stringify({ type: 'ping', ref }));
    await this.until(() => !this.awaited.has(key) || !this.answering, `the answer to ping ${ref}`);
    this.answers.delete(key);
    if (this.answering && !this.awaited.has(key) && !this.host.stopped) {
      const missing = this.book.missing();
      if (missing) this.host.fail('missing-answer', missing, this.label);
    }
  }

  /** Sends a frame with `ref` and resolves with its answer, or undefined if none comes (the breach is reported). */
  async ask(frame: Frame & { ref: string }): Promise<Frame | undefined> {
    if (!this.answering) return undefined;
    const key = JSON.stringify(frame.ref);
    this.awaited.add(key);
    await this.sendLine(JSON.stringify(frame));
    await this.until(() => !this.awaited.has(key) || !this.answering, `the answer to ${JSON.stringify(frame).slice(0, 100)}`);
    const answer = this.answers.get(key);
    this.answers.delete(key);
    return answer;
  }

  /**
   * Reads a room's whole history, page after page forward (waiting out flood control); resolves
   * with the messages by seq, or with what went wrong.
   */
  async readHistory(room: string, pageMax: number, nextRef: () => string): Promise<Map<number, Frame> | string> {
    const stored = new Map<number, Frame>();
    for (let after = 0; !this.host.stopped; ) {
      const answer = await this.ask({ type: 'history', room, after, limit: pageMax, ref: nextRef() });
      if (!answer) return `no answer to a history request for #${room}`;
      if (answer.type === 'error' && answer.code === 'rate_limited') {
        await new Promise((resolve) => setTimeout(resolve, 250)); // the flood budget refills
        continue;
      }
      if (answer.type !== 'history') return `history of #${room} answered ${JSON.stringify(answer).slice(0, 200)}`;
      const messages = answer.messages as Frame[];
      for (const m of messages) stored.set(m.seq as number, m);
      if (!answer.more || messages.length === 0) break;
      after = messages.at(-1)!.seq as number;
    }
    return stored;
  }

  /** Several lines (or text frames) in one write: a burst the server reads in one go. */
  async sendMany(texts: string[]): Promise<void> {
    if (this.door === 'ws') {
      await this.sendFrames(
        texts.map((t) => ({ opcode: OPCODE.text, payload: Buffer.from(t), fin: true, masked: true, rsv: 0 })),
        (b) => [b],
      );
    } else {
      const lead = !this.lineModel.atLineStart ? '\n' : '';
      await this.sendPayload(Buffer.from(lead + texts.join('\n')), { pieces: (b) => [b] });
    }
  }

  /** Whether the connection is open and in good standing (an observer that was legitimately cut is not). */
  get standing(): boolean {
    return !this.closed && this.bye === undefined && this.excuse === undefined;
  }

  /** Whether this connection's nick is known exactly now (for the uniqueness check after a sync). */
  get nickKnown(): boolean {
    if (this.nick === undefined || !this.welcomed || this.closed || this.refused || this.bye !== undefined || this.excuse !== undefined) return false;
    return this.accounting ? this.answering : this.nickSettled;
  }

  private messageFrames(bytes: Buffer, binary: boolean, fragments: number): WsFrameInput[] {
    const count = Math.max(1, Math.min(fragments, bytes.length || 1));
    const size = Math.ceil(bytes.length / count) || 0;
    const frames: WsFrameInput[] = [];
    for (let i = 0; i < count; i++) {
      const payload = bytes.subarray(i * size, i === count - 1 ? bytes.length : (i + 1) * size);
      const opcode = i === 0 ? (binary ? OPCODE.binary : OPCODE.text) : OPCODE.continuation;
      frames.push({ opcode, payload, fin: i === count - 1, masked: true, rsv: 0 });
    }
    return frames;
  }

  /** Whether bytes written now reach the server (what is not written is not owed an answer). */
  private get writable(): boolean {
    return !this.socket.destroyed && this.socket.writable && !this.halfClosed;
  }

  private async write(pieces: Buffer[]): Promise<void> {
    for (const [i, piece] of pieces.entries()) {
      if (this.socket.destroyed || !this.socket.writable) return;
      this.socket.write(piece);
      if (i < pieces.length - 1) await nextTurn();
    }
  }

  // ---- ending ----

  /** Resets the connection (RST): whatever it was owed may be lost. */
  reset(): void {
    this.excuse ??= 'reset by the client';
    this.book.loosen();
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
  }

  /** Closes the sending side. On TCP that is a quit: every line before it is still answered, then bye. */
  async end(): Promise<void> {
    if (this.halfClosed || this.socket.destroyed) return;
    this.halfClosed = true;
    if (this.door === 'ws') {
      this.excuse ??= 'half-closed WebSocket';
      this.book.loosen();
    } else if (this.accounting && !this.quitSent) {
      for (const event of this.lineModel.end()) this.noteLine(event);
    }
    this.socket.end();
    await nextTurn();
  }

  /** Stops reading: the server may cut it off as a slow reader. */
  pause(): void {
    this.paused = true;
    this.pausedEver = true;
    this.excuse ??= 'stopped reading';
    this.book.loosen();
    this.socket.pause();
  }

  /** Reads again after a pause. */
  resume(): void {
    this.paused = false;
    this.socket.resume();
  }

  /** Drops the connection at the end of a run: no more checks. */
  destroy(): void {
    this.excuse ??= 'closed by the harness';
    this.socket?.destroy();
  }

  // ---- what the server sees ----

  private modelTcp(wire: Buffer): void {
    if (!this.accounting || !this.welcomed || this.quitSent) return;
    for (const event of this.lineModel.push(wire)) this.noteLine(event);
  }

  private noteLine(event: LineEvent): void {
    if (this.quitSent) return;
    if (event.kind === 'overflow') {
      this.book.owesRefless(1, 1);
      return;
    }
    const text = decodeUtf8(event.bytes);
    if (text === undefined) this.book.owesRefless(event.certain ? 1 : 0, 1);
    else if (this.book.sent(text, event.certain)) this.quitSent = true;
  }

  private modelWs(frames: WsFrameInput[]): void {
    for (const frame of frames) this.noteWs(this.wsModel.frame(frame));
  }

  private noteWs(events: WsEvent[]): void {
    for (const event of events) {
      if (this.quitSent) return;
      if (event.kind === 'binary') this.book.owesRefless(1, 1);
      else if (event.kind === 'text') {
        if (this.book.sent(event.bytes.toString('utf8'))) this.quitSent = true;
      } else {
        this.excuse ??= event.kind === 'client-close' ? 'sent a close frame' : `broke the WebSocket protocol (${event.status})`;
        if (event.kind === 'close' && event.status !== 'desync') this.expectedWsClose = event.status;
        if (event.kind === 'close' && event.status === 'desync') this.book.abandon();
        else this.book.loosen();
      }
    }
  }

  // ---- what the server sends ----

  get source(): string {
    return this.options.source;
  }

  private onData(chunk: Buffer): void {
    this.heard = true;
    if (this.door === 'ws') this.onWsData(chunk);
    else this.onTcpData(chunk);
    this.notify();
  }

  private onTcpData(chunk: Buffer): void {
    this.lineBuffer = this.lineBuffer.length === 0 ? chunk : Buffer.concat([this.lineBuffer, chunk]);
    let start = 0;
    for (;;) {
      const newline = this.lineBuffer.indexOf(0x0a, start);
      if (newline === -1) break;
      this.onLine(this.lineBuffer.subarray(start, newline));
      start = newline + 1;
    }
    this.lineBuffer = this.lineBuffer.subarray(start);
  }

  private onLine(bytes: Buffer): void {
    const line = decodeUtf8(bytes);
    if (line === undefined) return this.host.fail('output-utf8', `the server sent a line that is not UTF-8: ${bytes.toString('hex').slice(0, 80)}`, this.label);
    if (line.startsWith('{')) {
      let frame: unknown;
      try {
        frame = JSON.parse(line);
      } catch {
        return this.host.fail('output-json', `the server sent a line that is not JSON: ${line.slice(0, 120)}`, this.label);
      }
      this.onFrame(frame as Frame, bytes.length + 1);
    } else this.onTextLine(line);
  }

  private onWsData(chunk: Buffer): void {
    let bytes = chunk;
    if (!this.wsOpen) {
      this.wsHead = Buffer.concat([this.wsHead, chunk]);
      const split = splitResponseHead(this.wsHead);
      if (!split) return;
      if (!/^HTTP\/1\.1 101 /.test(split.head)) {
        this.host.fail('ws-handshake', `the WebSocket upgrade was answered ${split.head.split('\r\n')[0]}`, this.label);
        this.socket.destroy();
        return;
      }
      this.wsOpen = true;
      bytes = split.rest;
    }
    for (const frame of this.wsParser.push(bytes)) this.onServerFrame(frame);
  }

  private onServerFrame(frame: ServerFrame): void {
    if (frame.masked || frame.rsv !== 0 || !frame.fin) {
      return this.host.fail('ws-frame', `a server frame with mask ${frame.masked}, rsv ${frame.rsv}, fin ${frame.fin}`, this.label);
    }
    if (frame.opcode === OPCODE.text) {
      const text = decodeUtf8(frame.payload);
      let parsed: unknown;
      try {
        parsed = text === undefined ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined) return this.host.fail('output-json', `a text frame that is not UTF-8 JSON: ${frame.payload.toString().slice(0, 120)}`, this.label);
      this.onFrame(parsed as Frame, frame.payload.length);
    } else if (frame.opcode === OPCODE.close) {
      this.wsCloseStatus = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
      this.checkWsClose();
      // A refused client keeps talking instead of closing politely.
      if (!this.refused && !this.socket.destroyed && this.socket.writable) this.socket.end(closeFrame(this.wsCloseStatus === 1005 ? undefined : 1000));
    } else if (frame.opcode === OPCODE.ping) {
      if (this.socket.writable) this.socket.write(encodeFrame({ opcode: OPCODE.pong, payload: frame.payload }));
    } else if (frame.opcode !== OPCODE.pong) {
      this.host.fail('ws-frame', `the server sent a frame with opcode ${frame.opcode}`, this.label);
    }
  }

  private checkWsClose(): void {
    const status = this.wsCloseStatus!;
    const expected = this.bye ? WS_CLOSE[this.bye.code] : this.expectedWsClose;
    if (expected !== undefined && status !== expected) {
      this.host.fail('ws-close-status', `closed with ${status}, documented ${expected}${this.bye ? ` for bye ${this.bye.code}` : ''}`, this.label);
    } else if (expected === undefined && this.excuse === undefined) {
      this.host.fail('silent-close', `closed with WebSocket status ${status} and no bye`, this.label);
    }
  }

  private onTextLine(line: string): void {
    if (this.jsonMode) return this.host.fail('text-in-json', `a text line after the JSON welcome: ${line.slice(0, 120)}`, this.label);
    this.host.tally('text line');
    const problem = checkTextLine(line);
    if (problem) return this.host.fail('text-line', `${problem}: ${JSON.stringify(line.slice(0, 160))}`, this.label);
    if (this.bye) return this.host.fail('after-bye', `a line after bye: ${line.slice(0, 120)}`, this.label);
    // dotAll: user text may hold U+2028/U+2029, which `.` would not match.
    const welcome = /^-!- Welcome to .*, (\S+)! You are connection #(\d+),/s.exec(line);
    if (welcome) {
      this.nick = welcome[1];
      this.id = Number(welcome[2]);
      this.host.sawWelcome(this.id);
      this.welcomed = true;
      return;
    }
    const bye = /^-!- bye: .* \[(\w+)\]$/s.exec(line);
    if (bye) return this.onBye(bye[1]!);
    const serverBug = /^-!- error: .* \[(internal_error|store_failed)\]$/s.exec(line);
    if (serverBug) return this.host.fail('server-error', `${serverBug[1]}: ${line.slice(0, 200)}`, this.label);
    const message = /^(\[history\] )?#(\S+):(\d+) (?:<(\S+)>|\* (\S+)) /u.exec(line);
    if (message) this.sawMessage({ type: 'message', room: message[2], seq: Number(message[3]), from: message[4] ?? message[5], ...(message[1] && { history: true }) });
    const renamed = /^-!- \S+ \(#(\d+)\) is now known as (\S+)$/.exec(line);
    if (renamed && Number(renamed[1]) === this.id) this.nick = renamed[2];
  }

  /** Notes that a text-mode client asked to change its nick: its nick is no longer known for sure. */
  textNickRequested(): void {
    if (this.door === 'text' && !this.jsonMode) this.nickSettled = false;
  }

  private onFrame(frame: Frame, bytes: number): void {
    const where = this.label;
    const shape = checkServerFrame(frame);
    if (shape) return this.host.fail('frame-shape', `${shape}: ${JSON.stringify(frame).slice(0, 200)}`, where);
    if (this.bye) return this.host.fail('after-bye', `a ${String(frame.type)} frame after bye`, where);
    const outbox = this.host.setup.outboxBytes;
    if (bytes > outbox / 2) {
      return this.host.fail('oversized-frame', `one ${String(frame.type)} frame of ${bytes} bytes, more than half the outbox (${outbox}): its reader can be cut off by it`, where);
    }
    this.host.tally(frame.type === 'error' || frame.type === 'bye' ? `${String(frame.type)}:${String(frame.code)}` : String(frame.type));
    const me = this.id;
    switch (frame.type) {
      case 'welcome':
        if (this.welcomed && this.jsonMode) return this.host.fail('frame-shape', 'a second welcome', where);
        this.jsonMode = true;
        this.welcomed = true;
        this.id = frame.id as number;
        this.nick = frame.nick as string;
        this.host.sawWelcome(this.id, frame.epoch as string);
        if (this.accounting) for (const room of frame.rooms as string[]) this.seqs.joined(room, this.options.fresh ? 1 : undefined);
        break;
      case 'error':
        if (frame.code === 'internal_error' || frame.code === 'store_failed') this.host.fail('server-error', `${String(frame.code)}: ${String(frame.message)}`, where);
        else if (this.observer && frame.code !== 'rate_limited') this.host.fail('observer-error', `${String(frame.code)}: ${String(frame.message)}`, where);
        break;
      case 'bye':
        return this.onBye(frame.code as string);
      case 'message':
      case 'whisper': {
        const text = frame.text as string;
        const dirty = UNCLEAN_TEXT.exec(text);
        if (dirty) this.host.fail('unclean-text', `a ${frame.type} delivered with U+${dirty[0].codePointAt(0)!.toString(16).padStart(4, '0')}`, where);
        if (text === '') this.host.fail('unclean-text', `an empty ${frame.type} was delivered`, where);
        if (Buffer.byteLength(text) > MAX_TEXT_BYTES) this.host.fail('unclean-text', `a ${frame.type} over ${MAX_TEXT_BYTES} bytes was delivered`, where);
        if (frame.type === 'whisper' && frame.toId !== me && frame.fromId !== me) {
          this.host.fail('misdelivered', `a whisper from #${String(frame.fromId)} to #${String(frame.toId)} reached #${me}`, where);
        }
        if (frame.type === 'message') this.sawMessage(frame);
        if (frame.type === 'message' && this.accounting) {
          const problem = this.seqs.message(frame.room as string, frame.seq as number, frame.history === true);
          if (problem) this.host.fail('seq', problem, where);
        }
        break;
      }
      case 'joined':
        if (frame.id === me) this.seqs.joined(frame.room as string, this.options.fresh ? 1 : undefined);
        break;
      case 'left':
        if (frame.id === me) this.seqs.left(frame.room as string);
        break;
      case 'nick':
        if (frame.id === me) this.nick = frame.nick as string;
        break;
      case 'history':
        // Without a ref it is the history a join (or a reset resume) sends: it runs on into live.
        if (!Object.hasOwn(frame, 'ref') && this.accounting) {
          const messages = frame.messages as Frame[];
          for (const m of messages) this.cursors.set(m.room as string, Math.max(this.cursors.get(m.room as string) ?? 0, m.seq as number));
          const problem = this.seqs.joinHistory(frame.room as string, messages.map((m) => m.seq as number));
          if (problem) this.host.fail('seq', problem, where);
        }
        break;
      case 'resumed': {
        if (frame.more === true) this.seqs.shortened(frame.room as string);
        const from = this.resumes.get(JSON.stringify(frame.ref))?.[frame.room as string];
        if (from !== undefined && frame.complete === true && frame.more === undefined && frame.reset === undefined) {
          const problem = this.seqs.resumedFrom(frame.room as string, from);
          if (problem) this.host.fail('resume', problem, where);
        }
        break;
      }
    }
    if (!this.accounting || !this.welcomed) return;
    if (Object.hasOwn(frame, 'ref')) {
      const problem = this.book.answered(frame);
      if (problem) this.host.fail(problem.startsWith('an answer carries the ref') ? 'unknown-ref' : 'wrong-answer', problem, where);
      const key = JSON.stringify(frame.ref);
      if (this.awaited.delete(key)) this.answers.set(key, frame);
    } else if (frame.type === 'error') {
      const problem = this.book.reflessError(frame);
      if (problem) this.host.fail('refless-error', problem, where);
    }
  }

  private sawMessage(frame: Frame): void {
    const room = frame.room as string;
    this.cursors.set(room, Math.max(this.cursors.get(room) ?? 0, frame.seq as number));
    this.host.delivered?.(this, frame);
  }

  /** Resumes the rooms of `cursors` (folded names) from those seqs, checking that what comes back is gap-free. */
  async resumeRooms(cursors: Record<string, number>, epoch: string, ref: string): Promise<void> {
    this.resumes.set(JSON.stringify(ref), cursors);
    await this.sendLine(JSON.stringify({ type: 'resume', epoch, rooms: cursors, ref }));
  }

  private onBye(code: string): void {
    this.bye = { code };
    if (REFUSALS.has(code) && !this.welcomed) {
      this.refused = true;
      if (this.observer) this.host.fail('observer-dropped', `an observer was refused: ${code}`, this.label);
      this.book.loosen();
      return;
    }
    if (code === 'slow_reader' && !this.pausedEver) {
      if (this.host.promptReadersKept) {
        this.host.fail(this.observer ? 'observer-dropped' : 'prompt-reader-cut', 'a client that never stopped reading was cut off as a slow reader', this.label);
      }
      this.excuse ??= 'cut off by a burst larger than its outbox';
    } else if (this.observer) return this.host.fail('observer-dropped', `an observer got bye ${code}`, this.label);
    if (code === 'quit' && this.accounting && !this.pausedEver && this.excuse === undefined) {
      // Everything sent before the quit (or the half-close) was handled, and its answers precede the bye.
      const missing = this.book.missing();
      if (missing) this.host.fail('missing-answer', `at quit: ${missing}`, this.label);
    }
    this.book.loosen();
  }

  private onClose(): void {
    this.closed = true;
    this.closedAt = Date.now();
    this.notify();
    if (!this.heard && this.host.overSocketCap(this.options.source)) this.excuse ??= 'closed unread: its address is over the socket cap';
    if (this.excuse !== undefined || this.bye !== undefined || this.wsCloseStatus !== undefined) return;
    this.host.fail(this.observer ? 'observer-dropped' : 'silent-close', 'the server closed the connection without a bye', this.label);
  }

  // ---- waiting ----

  /** Wakes whatever waits on this connection (the host calls it when the run stops). */
  notify(): void {
    const changes = this.changes;
    this.changes = [];
    for (const wake of changes) wake();
  }

  /** Resolves once `condition` holds (checked on every byte from the server); a breach if it takes past the deadline. */
  private async until(condition: () => boolean, what: string): Promise<void> {
    if (!(await this.within(ANSWER_DEADLINE_MS, condition))) this.host.fail('no-answer', `no ${what} within ${ANSWER_DEADLINE_MS} ms`, this.label);
  }

  /** Waits at most `ms` for the connection to close; returns whether it did (no breach either way). */
  closedWithin(ms: number): Promise<boolean> {
    return this.within(ms, () => this.closed);
  }

  /** Whether `condition` came to hold within `ms` (or the run stopped). */
  private async within(ms: number, condition: () => boolean): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!condition() && !this.host.stopped) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.changes.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }
}
