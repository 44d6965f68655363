/**
 * @module The soak: thousands of connections over all three doors churn through the real
 * `hubbub serve` binary (a child process, so descriptors and RSS are the server's own) for a set
 * time. Each client slot lives connection after connection: it resumes where its last life left
 * off (gap-free, checked), joins rooms, chats, whispers, pages history, and ends by quitting,
 * resetting, half-closing, dropping, or as a slow reader that stops reading beside a firehose.
 * Every client checks the protocol contract as the fuzzer's do. Afterwards the server must be back
 * to zero sessions and rooms, its descriptors and RSS near the baseline, its log free of errors,
 * and every message any client saw with a seq must be in history, unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { MonitoredServer, type Health } from '../helpers/server-monitor.js';
import type { Frame } from '../fuzz/answers.js';
import { Peer, RETENTION_MESSAGES, lostMessages, type PeerHost } from '../fuzz/peer.js';
import type { Violation } from '../fuzz/run-scenario.js';
import type { Door, ServerSetup } from '../fuzz/scenario.js';

export interface SoakOptions {
  /** How long clients churn, in all; the checks take some seconds more. */
  seconds: number;
  /** The churn is cut into rounds; after each every client has left and the server is measured. */
  rounds: number;
  /** Client slots living at once (each slot opens connection after connection). */
  slots: number;
  /** Rooms clients chat in (besides lobby and the firehose). */
  rooms: number;
  /** Clients that keep the firehose room busy, so slow readers in it overflow. */
  firehoseSenders: number;
  store: 'sqlite' | 'memory';
  log: (line: string) => void;
}

export interface Usage {
  rssKb: number;
  fds: number;
}

export interface SoakReport {
  connections: Record<Door, number>;
  /** Messages sent by clients (each answered by its seq or an error). */
  said: number;
  /** Distinct (room, seq) any client was sent. */
  seen: number;
  /** Of the messages said, those the firehose sent. */
  firehose: number;
  whispers: number;
  historyPages: number;
  resumes: number;
  ends: Record<'quit' | 'reset' | 'half-close' | 'drop' | 'slow-reader', number>;
  /** Slow readers the server cut off (bye slow_reader). */
  slowReadersCut: number;
  baseline: Usage;
  peak: Usage;
  /** Measured after each round, once every client has left. */
  afterRounds: Usage[];
  durationMs: number;
  violation?: Violation;
}

/** Descriptors the server may hold after a round beyond its baseline (lazily opened runtime handles). */
export const FD_SLACK = 3;
/**
 * RSS the server may keep after a round beyond its baseline: V8 and malloc keep pages from the peak
 * (measured: 20-40 MiB after rounds of 100 clients, 60-90 MiB after rounds of 400, flat from round to round).
 */
export const RSS_SLACK_KB = 128 * 1024;
/** What RSS may still grow from the first round to the last once that is paid: more is a leak. */
export const RSS_GROWTH_SLACK_KB = 32 * 1024;
/**
 * Flood control lets a firehose client send 200 messages a second (800 KB/s), so a paused reader
 * overflows its outbox and the ~4 MB loopback buffers within its pause; everyone else stays
 * under two commands a second.
 */
const SOAK_FLOOD = { burst: 200, rate: 200 };
const SETTLE_DEADLINE_MS = 20_000;
const FIREHOSE = 'firehose';
const DOORS: Door[] = ['text', 'json', 'ws'];

const pickOne = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)]!;
const between = (low: number, high: number) => low + Math.random() * (high - low);

interface Slot {
  index: number;
  /** The rooms of its last JSON life and the last seq it had in each: what the next life resumes. */
  cursors: Record<string, number> | undefined;
}

class SoakRun implements PeerHost {
  stopped = false;
  readonly promptReadersKept = true;
  readonly setup: ServerSetup;
  private server!: MonitoredServer;
  private readonly violations: Violation[] = [];
  private readonly live = new Set<Peer>();
  /** Every message any client was sent, by room and seq (text mode gives only room, seq and sender). */
  private readonly seen = new Map<string, Map<number, Frame>>();
  private epoch: string | undefined;
  private counter = 0;
  /** Slow readers paused right now: the firehose runs only while there are some. */
  private paused = 0;
  readonly report: SoakReport;

  constructor(private readonly options: SoakOptions) {
    const { outboxBytes, maxConnectionsPerIp, presenceBatchMs, historyPageMax } = DEFAULT_LIMITS;
    this.setup = { store: options.store, floodBurst: SOAK_FLOOD.burst, maxConnectionsPerIp, outboxBytes, presenceBatchMs, historyPageMax };
    const usage = { rssKb: 0, fds: 0 };
    this.report = {
      connections: { text: 0, json: 0, ws: 0 },
      said: 0,
      seen: 0,
      firehose: 0,
      whispers: 0,
      historyPages: 0,
      resumes: 0,
      ends: { quit: 0, reset: 0, 'half-close': 0, drop: 0, 'slow-reader': 0 },
      slowReadersCut: 0,
      baseline: usage,
      peak: usage,
      afterRounds: [],
      durationMs: 0,
    };
  }

  get tcpPort(): number {
    return this.server.tcpPort;
  }

  get httpPort(): number {
    return this.server.httpPort;
  }

  fail(kind: string, detail: string, where: string): void {
    this.violations.push({ kind, detail, where, action: -1 });
    if (this.stopped) return;
    this.stopped = true;
    for (const peer of this.live) peer.notify();
  }

  /** The soak stays far below every cap. */
  overSocketCap(): boolean {
    return false;
  }

  sawWelcome(_id: number, epoch?: string): void {
    if (epoch !== undefined) this.epoch = epoch;
  }

  tally(): void {}

  delivered(_peer: Peer, frame: Frame): void {
    const room = frame.room as string;
    let seqs = this.seen.get(room);
    if (!seqs) this.seen.set(room, (seqs = new Map<number, Frame>()));
    // A JSON copy says more than a text line; keep the one with the text.
    if (!seqs.get(frame.seq as number)?.text) seqs.set(frame.seq as number, frame);
  }

  async run(): Promise<SoakReport> {
    const started = Date.now();
    const dataDir = mkdtempSync(join(tmpdir(), 'hubbub-soak-'));
    const args = ['--store', this.options.store, '--data-dir', dataDir, '--flood-burst', String(SOAK_FLOOD.burst), '--flood-rate', String(SOAK_FLOOD.rate)];
    this.server = await MonitoredServer.start(args, (p) => this.fail(p.kind, p.detail, 'server'));
    try {
      await this.warmUp();
      this.report.baseline = this.usage();
      this.options.log(`baseline: RSS ${Math.round(this.report.baseline.rssKb / 1024)} MiB, ${this.report.baseline.fds} descriptors`);
      const slots = Array.from({ length: this.options.slots }, (_, index): Slot => ({ index, cursors: undefined }));
      const peakSampler = setInterval(() => this.samplePeak(), 250);
      const progress = setInterval(() => this.progress(), 10_000);
      try {
        for (let round = 1; round <= this.options.rounds && !this.stopped; round++) {
          const churnUntil = Date.now() + (this.options.seconds * 1000) / this.options.rounds;
          const firehose = Array.from({ length: this.options.firehoseSenders }, (_, i) => this.firehose(i, churnUntil));
          await Promise.all([...slots.map((slot) => this.slot(slot, churnUntil)), ...firehose]);
          if (!this.stopped) await this.settle();
          if (this.stopped) break;
          const after = this.usage();
          this.report.afterRounds.push(after);
          this.options.log(`round ${round} over at ${Math.round((Date.now() - started) / 1000)} s, everyone gone: RSS ${Math.round(after.rssKb / 1024)} MiB, ${after.fds} descriptors`);
          this.checkUsage(after);
        }
      } finally {
        clearInterval(peakSampler);
        clearInterval(progress);
      }
      if (!this.stopped) await this.readBack();
      if (!this.stopped) await this.settle();
      if (!this.stopped) {
        const code = await this.server.stop();
        if (code !== 0) this.fail('unclean-exit', `the server exited with ${code} on SIGTERM`, 'server');
      }
    } finally {
      this.stopped = true;
      for (const peer of this.live) peer.destroy();
      await this.server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      this.report.seen = [...this.seen.values()].reduce((n, seqs) => n + seqs.size, 0);
      this.report.durationMs = Date.now() - started;
      const violation = this.violations.find((v) => v.kind === 'crash') ?? this.violations[0];
      if (violation) this.report.violation = violation;
    }
    return this.report;
  }

  private usage(): Usage {
    return { rssKb: this.server.sampleRss(), fds: this.server.fdCount() };
  }

  private samplePeak(): void {
    if (!this.server.alive) return;
    const now = this.usage();
    this.report.peak = { rssKb: Math.max(this.report.peak.rssKb, now.rssKb), fds: Math.max(this.report.peak.fds, now.fds) };
  }

  private progress(): void {
    const r = this.report;
    const opened = r.connections.text + r.connections.json + r.connections.ws;
    this.options.log(`${opened} connections so far (${this.live.size} open), ${r.said} said, RSS ${Math.round(this.server.sampleRss() / 1024)} MiB, ${this.server.fdCount()} descriptors`);
  }

  /** One connection of each door comes and goes first, so the runtime's lazily opened handles are in the baseline. */
  private async warmUp(): Promise<void> {
    for (const door of DOORS) {
      const peer = await this.connect(door, 'warm-up', '127.0.1.250');
      if (!peer) return;
      await peer.sync(`warm-${door}`);
      peer.destroy();
      this.live.delete(peer);
    }
    await this.settleTo(0, 0);
    this.report.connections = { text: 0, json: 0, ws: 0 };
  }

  private async connect(door: Door, label: string, source: string): Promise<Peer | undefined> {
    const peer = new Peer(this, label, { door, source });
    this.live.add(peer);
    await peer.open();
    this.report.connections[door]++;
    if (peer.refused) this.fail('refused', `a client under every cap was refused (${peer.bye?.code})`, label);
    return peer.standing ? peer : undefined;
  }

  /** A client slot: connection after connection until the churn is over. */
  private async slot(slot: Slot, until: number): Promise<void> {
    // Slots start spread over the first seconds, not all in one burst.
    await delay(between(0, Math.min(3000, (until - Date.now()) / 4)));
    for (let life = 0; Date.now() < until && !this.stopped; life++) {
      const door = slot.cursors && Math.random() < 0.8 ? pickOne<Door>(['json', 'ws']) : pickOne(DOORS);
      const source = `127.0.0.${2 + (slot.index % 100)}`;
      const peer = await this.connect(door, `slot${slot.index}.${life}`, source);
      if (!peer) continue;
      try {
        await this.live1(peer, slot, Math.min(until, Date.now() + between(1000, 6000)), until);
      } finally {
        this.live.delete(peer);
        peer.destroy();
      }
    }
  }

  private ref(): string {
    return `k${++this.counter}`;
  }

  private async say(peer: Peer, room: string, text: string): Promise<void> {
    this.report.said++;
    if (peer.door === 'text') await peer.sendLine(`/say ${room} ${text}`);
    else await peer.sendLine(JSON.stringify({ type: 'say', room, text, ref: this.ref() }));
  }

  /** One connection's life: catch up or join, chat, then end one of five ways. */
  private async live1(peer: Peer, slot: Slot, until: number, roundEnds: number): Promise<void> {
    const json = peer.door !== 'text';
    let rooms: string[];
    if (json && slot.cursors && this.epoch) {
      this.report.resumes++;
      rooms = Object.keys(slot.cursors);
      await peer.resumeRooms(slot.cursors, this.epoch, this.ref());
    } else {
      rooms = [...new Set(Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => `soak-${Math.floor(Math.random() ** 2 * this.options.rooms)}`))];
      for (const room of rooms) await peer.sendLine(json ? JSON.stringify({ type: 'join', room, ref: this.ref() }) : `/join ${room}`);
    }
    // Most leave lobby (everyone is in it): it stays a room of a few hundred, not of everyone.
    if (Math.random() < 0.7) await peer.sendLine(json ? JSON.stringify({ type: 'part', room: 'lobby', ref: this.ref() }) : '/part lobby');
    // A slow reader pauses up to 8 s: only where the round lasts that long.
    const endings = ['quit', 'quit', 'reset', 'half-close', 'drop', 'drop', ...(roundEnds - Date.now() > 9000 ? (['slow-reader'] as const) : [])] as const;
    const ending = pickOne(endings);
    if (ending === 'slow-reader') return this.slowReader(peer);
    while (Date.now() < until && peer.standing && !this.stopped) {
      // Within flood control: a person types a line every second or two.
      await delay(between(300, 1500));
      const roll = Math.random();
      if (roll < 0.7) await this.say(peer, pickOne(rooms), `${peer.label} says ${++this.counter} ${'é'.repeat(Math.floor(Math.random() * 40))}`);
      else if (roll < 0.8) await this.whisper(peer);
      else if (roll < 0.9) await this.history(peer, pickOne(rooms));
      else await peer.sendLine(json ? JSON.stringify({ type: pickOne(['who', 'rooms', 'ping']), ref: this.ref() }) : pickOne(['/who', '/rooms', '/ping']));
      if (json && Math.random() < 0.2) await peer.sync(this.ref());
    }
    if (json) {
      await peer.sync(this.ref());
      slot.cursors = Object.fromEntries(rooms.map((room) => [room, peer.cursors.get(room) ?? 0]));
    }
    this.report.ends[ending]++;
    if (ending === 'quit') {
      await peer.sendLine(json ? JSON.stringify({ type: 'quit', reason: 'done' }) : '/quit done');
      await peer.closedWithin(5000);
    } else if (ending === 'reset') peer.reset();
    else if (ending === 'half-close') {
      await peer.end();
      await peer.closedWithin(5000);
    }
  }

  private async whisper(peer: Peer): Promise<void> {
    const targets = [...this.live].filter((p) => p !== peer && p.nickKnown);
    const to = targets.length > 0 ? pickOne(targets).nick! : 'nobody-here';
    this.report.whispers++;
    const text = `psst ${++this.counter}`;
    await peer.sendLine(peer.door === 'text' ? `/msg ${to} ${text}` : JSON.stringify({ type: 'whisper', to, text, ref: this.ref() }));
  }

  private async history(peer: Peer, room: string): Promise<void> {
    this.report.historyPages++;
    if (peer.door === 'text') return peer.sendLine(`/history ${1 + Math.floor(Math.random() * 100)}`);
    const cursor = peer.cursors.get(room) ?? 0;
    const page = Math.random() < 0.5 ? { before: Math.max(1, Math.floor(Math.random() * (cursor + 1))) } : { after: Math.floor(Math.random() * (cursor + 1)) };
    await peer.sendLine(JSON.stringify({ type: 'history', room, ...page, limit: 1 + Math.floor(Math.random() * 200), ref: this.ref() }));
  }

  /** Joins the firehose and stops reading; reads again a few seconds later, and may find it was cut off. */
  private async slowReader(peer: Peer): Promise<void> {
    this.report.ends['slow-reader']++;
    await peer.sendLine(peer.door === 'text' ? `/join ${FIREHOSE}` : JSON.stringify({ type: 'join', room: FIREHOSE, ref: this.ref() }));
    if (peer.door !== 'text') await peer.sync(this.ref());
    peer.pause();
    this.paused++;
    try {
      await delay(between(5000, 8000));
    } finally {
      this.paused--;
    }
    peer.resume();
    await peer.closedWithin(3000);
    if (peer.bye?.code === 'slow_reader') this.report.slowReadersCut++;
  }

  /** While a slow reader is paused, keeps the firehose room busy within flood control: ten messages of 4 KB every 50 ms. */
  private async firehose(i: number, until: number): Promise<void> {
    const peer = await this.connect('ws', `firehose${i}`, `127.0.1.${200 + i}`);
    if (!peer) return;
    await peer.sendLine(JSON.stringify({ type: 'join', room: FIREHOSE, ref: this.ref() }));
    await peer.sendLine(JSON.stringify({ type: 'part', room: 'lobby', ref: this.ref() }));
    let sent = 0;
    while (Date.now() < until && peer.standing && !this.stopped) {
      if (this.paused > 0) for (let k = 0; k < 10; k++) await this.say(peer, FIREHOSE, `${++sent} ${'f'.repeat(4000)}`);
      await delay(50);
    }
    this.report.firehose += sent;
    if (peer.standing) await peer.sync(this.ref());
    peer.destroy();
    this.live.delete(peer);
  }

  /** Waits until /healthz counts no sessions and no rooms. */
  private settle(): Promise<void> {
    return this.settleTo(0, 0);
  }

  private async settleTo(connections: number, rooms: number): Promise<void> {
    const deadline = Date.now() + SETTLE_DEADLINE_MS;
    for (;;) {
      let health: Health;
      try {
        health = await this.server.healthz();
      } catch (err) {
        return this.fail('healthz', (err as Error).message, 'server');
      }
      if (health.connections === connections && health.rooms === rooms) return;
      if (Date.now() > deadline) {
        return this.fail('leak', `/healthz counts ${health.connections} connections and ${health.rooms} rooms after every client left`, 'server');
      }
      await delay(100);
    }
  }

  /** Every message any client was sent with a seq is in history, unchanged (read by a few rooms at a time). */
  private async readBack(): Promise<void> {
    const rooms = [...this.seen];
    const readers = Array.from({ length: 8 }, async (_, r) => {
      for (let i = r; i < rooms.length && !this.stopped; i += 8) await this.readRoom(rooms[i]![0], rooms[i]![1], i);
    });
    await Promise.all(readers);
  }

  private async readRoom(room: string, sent: Map<number, Frame>, reader: number): Promise<void> {
    const peer = await this.connect('ws', `reader:${room}`, `127.0.2.${1 + (reader % 250)}`);
    if (!peer) return;
    const stored = await peer.readHistory(room, this.setup.historyPageMax, () => this.ref());
    peer.destroy();
    this.live.delete(peer);
    const problem = typeof stored === 'string' ? stored : lostMessages(room, sent, stored, RETENTION_MESSAGES);
    if (problem) this.fail('lossless', problem, 'history');
  }

  /** Once everyone has left: descriptors back to the baseline, RSS near it and no longer growing round over round. */
  private checkUsage(after: Usage): void {
    const { baseline, afterRounds } = this.report;
    const mib = (kb: number) => `${Math.round(kb / 1024)} MiB`;
    if (after.fds > baseline.fds + FD_SLACK) this.fail('fd-leak', `${after.fds} descriptors once every client left, ${baseline.fds} before`, 'server');
    if (after.rssKb > baseline.rssKb + RSS_SLACK_KB) this.fail('rss', `RSS ${mib(after.rssKb)} once every client left, ${mib(baseline.rssKb)} before`, 'server');
    const first = afterRounds[0]!;
    if (after.rssKb > first.rssKb + RSS_GROWTH_SLACK_KB) this.fail('rss', `RSS grew from ${mib(first.rssKb)} after round 1 to ${mib(after.rssKb)} after round ${afterRounds.length}`, 'server');
  }
}

export function runSoak(options: SoakOptions): Promise<SoakReport> {
  return new SoakRun(options).run();
}

export function formatSoakReport(r: SoakReport): string {
  const mib = (kb: number) => `${Math.round(kb / 1024)} MiB`;
  const opened = r.connections.text + r.connections.json + r.connections.ws;
  return [
    `${opened} connections (text ${r.connections.text}, json ${r.connections.json}, ws ${r.connections.ws}) in ${(r.durationMs / 1000).toFixed(0)} s`,
    `${r.said} messages said (${r.firehose} by the firehose), ${r.seen} distinct seqs delivered, ${r.whispers} whispers, ${r.historyPages} history pages, ${r.resumes} resumes`,
    `ends: ${Object.entries(r.ends).map(([k, v]) => `${k} ${v}`).join(', ')}; ${r.slowReadersCut} slow readers cut off`,
    `RSS ${mib(r.baseline.rssKb)} before, ${mib(r.peak.rssKb)} at peak, ${r.afterRounds.map((u) => mib(u.rssKb)).join(', ')} after each round`,
    `descriptors ${r.baseline.fds} before, ${r.peak.fds} at peak, ${r.afterRounds.map((u) => u.fds).join(', ')} after each round`,
    r.violation ? `FAILED ${r.violation.kind} (${r.violation.where}): ${r.violation.detail}` : 'no breach',
  ].join('\n');
}
