/**
 * @module Runs one fuzz scenario against a fresh `hubbub serve` child process and returns the first
 * breach of the contract, if any. Observers (well-behaved JSON clients, one per watched room) join
 * before the drivers start; the actions run in order; at every sync every connection that can
 * answers a ping and the invariants are checked; at the end the observers read history back
 * (lossless), every connection goes, the server must count zero sessions and rooms and exit cleanly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { SOCKET_HEADROOM } from '../../src/core/limits.js';
import { MonitoredServer, type Health, type Problem } from '../helpers/server-monitor.js';
import { foldNick, type Frame } from './answers.js';
import { DEFAULT_OUTBOX_BYTES, Peer, RETENTION_MESSAGES, lostMessages, type PeerHost } from './peer.js';
import {
  guestLookalike,
  httpRequestBytes,
  nickVariant,
  payloadBytes,
  splitBytes,
  type Action,
  type Dynamic,
  type DynamicContext,
  type FrameDesc,
  type Scenario,
  type ServerSetup,
} from './scenario.js';
import type { WsFrameInput } from './wire-models.js';

export interface Violation {
  kind: string;
  detail: string;
  /** The connection (c<N>, observer:<room>) or part (server, http) that saw it. */
  where: string;
  /** Index of the action running when it was seen (-1: before the first, actions.length: in the final checks). */
  action: number;
}

export interface RunResult {
  violation?: Violation;
  /** What the server sent, by frame type (errors and byes by code). */
  tally: Map<string, number>;
  baselineRssKb: number;
  peakRssKb: number;
  durationMs: number;
}

export interface RunOptions {
  /** Peak RSS above the baseline that counts as unbounded. */
  rssLimitKb: number;
  /** Hears each step with its time since the start (for --trace). */
  trace?: (line: string) => void;
}

export const DEFAULT_RSS_LIMIT_KB = 256 * 1024;
const DRIVER_SOURCE = '127.0.0.1';
/** Observers come from addresses of their own, one each, so no per-address cap ever refuses them. */
const observerSource = (i: number) => `127.0.1.${i + 1}`;
/** How long after a client closed a socket the server may still count it. */
const RECENT_CLOSE_MS = 2000;
/** How long the server may take to notice closed connections and forget them. */
const SETTLE_DEADLINE_MS = 15_000;
/** Kinds a dying server causes on the way: a crash reported just after them explains them. */
const CRASH_SYMPTOMS = new Set(['silent-close', 'observer-dropped', 'no-answer', 'healthz', 'connect', 'ws-handshake', 'missing-answer']);

export function serverArgs(setup: ServerSetup, dataDir: string): string[] {
  return [
    '--store', setup.store,
    '--data-dir', dataDir,
    '--flood-burst', String(setup.floodBurst),
    '--max-connections-per-ip', String(setup.maxConnectionsPerIp),
    '--outbox-bytes', String(setup.outboxBytes),
    '--presence-batch-ms', String(setup.presenceBatchMs),
    '--history-page-max', String(setup.historyPageMax),
  ];
}

class FuzzRun implements PeerHost, DynamicContext {
  stopped = false;
  readonly violations: Violation[] = [];
  action = -1;
  private server!: MonitoredServer;
  private readonly drivers: (Peer | undefined)[] = [];
  private readonly retired: Peer[] = [];
  private readonly observers: Peer[] = [];
  private readonly httpSockets: (net.Socket & { closedAt?: number })[] = [];
  private maxId = 0;
  private epoch: string | undefined;
  private counter = 0;
  readonly tallies = new Map<string, number>();
  /** What observers were sent live, by room and seq: it must all be in history. */
  private readonly seen = new Map<string, Map<number, Frame>>();

  constructor(readonly scenario: Scenario) {}

  get setup(): ServerSetup {
    return this.scenario.setup;
  }

  /** With the default outbox no burst the fuzzer makes fills it within one turn; a smaller one can be. */
  get promptReadersKept(): boolean {
    return this.setup.outboxBytes >= DEFAULT_OUTBOX_BYTES;
  }

  get tcpPort(): number {
    return this.server.tcpPort;
  }

  get httpPort(): number {
    return this.server.httpPort;
  }

  fail(kind: string, detail: string, where: string): void {
    this.violations.push({ kind, detail, where, action: this.action });
    if (this.stopped) return;
    this.stopped = true;
    for (const peer of this.allPeers()) peer.notify();
  }

  delivered(peer: Peer, frame: Frame): void {
    if (!peer.observer || frame.history === true) return;
    const room = this.seen.get(frame.room as string) ?? new Map<number, Frame>();
    this.seen.set(frame.room as string, room.set(frame.seq as number, frame));
  }

  tally(what: string): void {
    this.tallies.set(what, (this.tallies.get(what) ?? 0) + 1);
  }

  overSocketCap(source: string): boolean {
    // The server hears of a close a little after the client: sockets closed just now still count.
    const counts = (closedAt: number | undefined) => closedAt === undefined || Date.now() - closedAt < RECENT_CLOSE_MS;
    const peers = [...this.allPeers()].filter((p) => p.source === source && counts(p.closedAt)).length;
    const http = source === DRIVER_SOURCE ? this.httpSockets.filter((s) => counts(s.closedAt)).length : 0;
    return peers + http >= this.setup.maxConnectionsPerIp + SOCKET_HEADROOM;
  }

  sawWelcome(id: number, epoch?: string): void {
    this.maxId = Math.max(this.maxId, id);
    if (epoch !== undefined) this.epoch = epoch;
  }

  resolve(dynamic: Dynamic): string | number {
    if ('ref' in dynamic) return dynamic.ref === 'number' ? 1_000_000 + ++this.counter : `r${++this.counter}`;
    if ('guest' in dynamic) {
      const { of, ahead, form } = dynamic.guest;
      const id = of !== undefined ? (this.drivers[of]?.id ?? this.maxId) : this.maxId + (ahead ?? 1);
      return guestLookalike(id, form);
    }
    if ('epoch' in dynamic) return this.epoch ?? 'no-epoch-seen';
    return nickVariant(this.drivers[dynamic.nickOf.of]?.nick ?? 'nobody', dynamic.nickOf.variant);
  }

  async run(options: RunOptions): Promise<RunResult> {
    const started = Date.now();
    const dataDir = mkdtempSync(join(tmpdir(), 'hubbub-fuzz-'));
    const report = (problem: Problem) => this.fail(problem.kind, problem.detail, 'server');
    this.server = await MonitoredServer.start(serverArgs(this.setup, dataDir), report);
    try {
      await this.openObservers();
      const trace = (what: string) => options.trace?.(`${String(Date.now() - started).padStart(6)} ms  ${what}`);
      trace('observers in');
      for (const [i, action] of this.scenario.actions.entries()) {
        if (this.stopped) break;
        this.action = i;
        await this.perform(action);
        await nextTurn();
        trace(`#${i} ${JSON.stringify(action).slice(0, 100)}`);
      }
      this.action = this.scenario.actions.length;
      if (!this.stopped) await this.sync();
      trace('final sync');
      if (!this.stopped) await this.finish(options);
      trace('finished');
      return { violation: await this.verdict(), tally: this.tallies, baselineRssKb: this.server.baselineRssKb, peakRssKb: this.server.peakRssKb, durationMs: Date.now() - started };
    } finally {
      this.stopped = true;
      for (const peer of this.allPeers()) peer.destroy();
      for (const socket of this.httpSockets) socket.destroy();
      await this.server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  /** The breach to report: a crash explains the symptoms before it, so it wins if it follows them. */
  private async verdict(): Promise<Violation | undefined> {
    const first = this.violations[0];
    if (!first) return undefined;
    if (CRASH_SYMPTOMS.has(first.kind) && this.server.alive) {
      await Promise.race([new Promise((resolve) => this.server.process.child.once('close', resolve)), delay(1500)]);
    }
    return this.violations.find((v) => v.kind === 'crash') ?? first;
  }

  private *allPeers(): Iterable<Peer> {
    yield* this.observers;
    yield* this.retired;
    for (const peer of this.drivers) if (peer) yield peer;
  }

  private async openObservers(): Promise<void> {
    const rooms = ['lobby', ...this.scenario.observe.filter((r) => r !== 'lobby')];
    for (const [i, room] of rooms.entries()) {
      const peer = new Peer(this, `observer:${room}`, { door: i % 2 === 0 ? 'ws' : 'json', source: observerSource(i), observer: true, fresh: true, watches: room });
      this.observers.push(peer);
      await peer.open();
      if (room !== 'lobby') {
        const answer = await peer.ask({ type: 'join', room, ref: `observe-${room}` });
        if (answer && answer.type !== 'joined') this.fail('observer-error', `an observer could not join #${room}: ${JSON.stringify(answer)}`, peer.label);
      }
    }
  }

  /** The current connection `c`, opened (again) if it is not open. */
  private async driver(c: number, eager: WsFrameInput[] = []): Promise<Peer> {
    const current = this.drivers[c];
    if (current && !current.closed) return current;
    if (current) this.retired.push(current);
    const peer = new Peer(this, `c${c}`, { door: this.scenario.conns[c]!, source: DRIVER_SOURCE });
    this.drivers[c] = peer;
    await peer.open(eager);
    return peer;
  }

  private frameInput(desc: FrameDesc): WsFrameInput {
    return {
      opcode: desc.opcode,
      payload: payloadBytes(desc.payload, this),
      fin: desc.fin ?? true,
      masked: desc.masked ?? true,
      rsv: desc.rsv ?? 0,
      ...(desc.declaredLength !== undefined && { declaredLength: desc.declaredLength }),
    };
  }

  private async perform(action: Action): Promise<void> {
    switch (action.do) {
      case 'open':
        await this.driver(action.c);
        return;
      case 'send': {
        const peer = await this.driver(action.c);
        const bytes = payloadBytes(action.payload, this);
        if (bytes.toString('latin1').toLowerCase().includes('nick')) peer.textNickRequested();
        await peer.sendPayload(bytes, { end: action.end, binary: action.binary, fragments: action.fragments, pieces: (b) => splitBytes(b, action.split) });
        return;
      }
      case 'frames': {
        const peer = await this.driver(action.c);
        await peer.sendFrames(action.frames.map((f) => this.frameInput(f)), (b) => splitBytes(b, action.split), action.cut);
        if (action.then === 'reset') peer.reset();
        else if (action.then === 'end') await peer.end();
        return;
      }
      case 'eager-ws': {
        const frames = action.frames.map((f) => this.frameInput(f));
        const current = this.drivers[action.c];
        if ((current && !current.closed) || this.scenario.conns[action.c] !== 'ws') await (await this.driver(action.c)).sendFrames(frames, (b) => [b]);
        else await this.driver(action.c, frames);
        return;
      }
      case 'burst': {
        const peer = await this.driver(action.c);
        const filler = 'x'.repeat(action.bytes);
        if (peer.door === 'text') {
          await peer.sendMany([`/join ${action.room}`, ...Array.from({ length: action.count }, (_, i) => `/say ${action.room} ${action.text} ${i} ${filler}`)]);
        } else {
          const frames = [{ type: 'join', room: action.room, ref: `r${++this.counter}` }];
          for (let i = 0; i < action.count; i++) frames.push({ type: 'say', room: action.room, text: `${action.text} ${i} ${filler}`, ref: `r${++this.counter}` } as never);
          await peer.sendMany(frames.map((f) => JSON.stringify(f)));
        }
        return;
      }
      case 'churn': {
        const peer = await this.driver(action.c);
        const lines: string[] = [];
        for (let i = 0; i < action.count; i++) {
          const room = `churn-${++this.counter}`;
          if (peer.door === 'text') lines.push(`/join ${room}`, `/part ${room}`);
          else lines.push(JSON.stringify({ type: 'join', room, ref: `r${++this.counter}` }), JSON.stringify({ type: 'part', room, ref: `r${++this.counter}` }));
        }
        await peer.sendMany(lines);
        return;
      }
      case 'reset':
      case 'end':
      case 'pause':
      case 'resume': {
        const peer = this.drivers[action.c];
        if (!peer || peer.closed) return;
        if (action.do === 'reset') peer.reset();
        else if (action.do === 'end') await peer.end();
        else if (action.do === 'pause') peer.pause();
        else peer.resume();
        return;
      }
      case 'http':
        await this.http(action.request, action.then);
        return;
      case 'sync':
        await this.sync();
        return;
    }
  }

  private async http(request: Parameters<typeof httpRequestBytes>[0], then: 'reset' | 'end' | 'keep'): Promise<void> {
    const socket: net.Socket & { closedAt?: number } = net.connect({ host: '127.0.0.1', port: this.httpPort, localAddress: DRIVER_SOURCE });
    this.httpSockets.push(socket);
    socket.on('error', () => {});
    socket.on('close', () => (socket.closedAt = Date.now()));
    let first = true;
    socket.on('data', (chunk: Buffer) => {
      if (first && !/^HTTP\/1\.1 \d{3} /.test(chunk.toString('latin1', 0, 13))) {
        this.fail('http-response', `an HTTP answer that does not start with a status line: ${JSON.stringify(chunk.toString('latin1', 0, 60))}`, 'http');
      }
      first = false;
    });
    await new Promise<void>((resolve) => {
      socket.once('connect', resolve);
      socket.once('close', resolve);
    });
    if (socket.destroyed) return;
    socket.write(httpRequestBytes(request));
    if (then === 'reset') socket.resetAndDestroy();
    else if (then === 'end') socket.end();
  }

  /** Every connection that can answers a ping; then /healthz and the nick index are checked. */
  private async sync(): Promise<void> {
    const ref = `~sync${++this.counter}`;
    await Promise.all([...this.allPeers()].map((peer) => peer.sync(ref)));
    if (this.stopped) return;
    await this.health();
    this.checkNicks();
  }

  private async health(): Promise<Health | undefined> {
    try {
      return await this.server.healthz();
    } catch (err) {
      this.fail('healthz', (err as Error).message, 'server');
      return undefined;
    }
  }

  /** Nicks are unique under case folding and NFKC; look-alikes must not coexist. */
  private checkNicks(): void {
    const holders = new Map<string, Peer>();
    for (const peer of this.allPeers()) {
      if (!peer.nickKnown) continue;
      const key = foldNick(peer.nick!);
      const other = holders.get(key);
      if (other) {
        this.fail('nick-unique', `#${other.id} "${other.nick}" and #${peer.id} "${peer.nick}" hold the same nick`, `${other.label}+${peer.label}`);
        return;
      }
      holders.set(key, peer);
    }
  }

  /** Lossless history, then every connection goes: the server must be back to zero and exit cleanly. */
  private async finish(options: RunOptions): Promise<void> {
    const watching = this.observers.filter((o) => o.standing);
    for (const observer of watching) await this.readBack(observer);
    if (this.stopped) return;
    for (const socket of this.httpSockets) socket.destroy();
    for (const peer of [...this.retired, ...this.drivers]) peer?.destroy();
    for (const observer of this.observers) if (!observer.standing) observer.destroy();
    await this.settle(watching.length, undefined);
    for (const observer of this.observers) observer.destroy();
    await this.settle(0, 0);
    const rssKb = this.server.peakRssKb - this.server.baselineRssKb;
    if (!this.stopped && rssKb > options.rssLimitKb) {
      this.fail('rss', `peak RSS ${Math.round(this.server.peakRssKb / 1024)} MiB, ${Math.round(rssKb / 1024)} MiB over the baseline`, 'server');
    }
    if (this.stopped) return;
    const code = await this.server.stop();
    if (code !== 0 && !this.stopped) this.fail('unclean-exit', `the server exited with ${code} on SIGTERM`, 'server');
  }

  /** Reads the observer's room back from history: every message it saw live is stored, unchanged. */
  private async readBack(observer: Peer): Promise<void> {
    const room = observer.watches!;
    const stored = await observer.readHistory(room, this.setup.historyPageMax, () => `readback-${++this.counter}`);
    const problem = typeof stored === 'string' ? stored : lostMessages(room, this.seen.get(room) ?? new Map(), stored, RETENTION_MESSAGES);
    if (problem) this.fail('lossless', problem, observer.label);
  }

  /** Waits until /healthz counts `connections` (and `rooms`, if given). */
  private async settle(connections: number, rooms: number | undefined): Promise<void> {
    const deadline = Date.now() + SETTLE_DEADLINE_MS;
    let last: Health | undefined;
    while (!this.stopped) {
      last = await this.health();
      if (!last) return;
      if (last.connections === connections && (rooms === undefined || last.rooms === rooms)) return;
      if (Date.now() > deadline) {
        this.fail('leak', `/healthz still counts ${last.connections} connections and ${last.rooms} rooms once ${connections} remain`, 'server');
        return;
      }
      await delay(50);
    }
  }
}

/** Runs a scenario on a fresh server; the result names the first breach, if any. */
export function runScenario(scenario: Scenario, options: RunOptions = { rssLimitKb: DEFAULT_RSS_LIMIT_KB }): Promise<RunResult> {
  return new FuzzRun(scenario).run(options);
}
