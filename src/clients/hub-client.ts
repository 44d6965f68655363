/**
 * @module HubClient: a connection to a hub that survives disconnects. It reconnects with backoff,
 * takes its nick back, resumes every room from the last seq it showed (dropping duplicates), resends
 * what it said that never arrived, and paces what it sends below the server's flood limit. No
 * terminal code: the chat CLI, a bot or a test drive it through callbacks and promises.
 */
import { NICK_MAX_CHARS } from '../core/limits.js';
import { checkRoom, nickKey } from '../core/names.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import type { ClientFrame, RequestFrame } from './client-frames.js';
import { ConnectError, DEFAULT_LINK_OPTIONS, type FrameLink, type LinkOptions } from './frame-link.js';
import type { HubUrl } from './hub-url.js';
import { openLink } from './open-link.js';
import { OutgoingQueue, type RetryPolicy } from './outgoing-queue.js';
import { RoomCursors, type Verdict } from './room-cursors.js';
import { DEFAULT_PACING, SendPacer, type PacingPolicy } from './send-pacer.js';
import { parseServerFrame, type ErrorFrame, type HistoryFrame, type MessageFrame, type ResumedFrame, type ServerFrame, type WelcomeFrame } from './server-frames.js';

export type ConnectionState =
  /** The first connection is being opened. */
  | { readonly kind: 'connecting' }
  /** Connected, nick claimed, rooms joined or resumed: sending flows. */
  | { readonly kind: 'online'; readonly reconnected: boolean }
  /** The connection is gone; the next attempt (counting from 1) starts in `retryInMs`. */
  | { readonly kind: 'offline'; readonly reason: string; readonly attempt: number; readonly retryInMs: number }
  /** Connected again; claiming the nick and resuming rooms before sending flows again. */
  | { readonly kind: 'catching-up' }
  /** Quit, or the first connection failed: no more attempts. */
  | { readonly kind: 'closed' };

/** What the client noticed and a person should be told. */
export type ClientNotice =
  /** Messages `fromSeq`..`toSeq` of a room could not be recovered (the server no longer has them). */
  | { readonly kind: 'gap'; readonly room: string; readonly fromSeq: number; readonly toSeq: number }
  /** The server could not resume (too old, or an error); messages sent meanwhile may be missing. */
  | { readonly kind: 'resume-failed'; readonly reason: string }
  /** The server numbers the room afresh (its store was replaced or lost): what came before is gone. */
  | { readonly kind: 'reset'; readonly room: string }
  /** The wanted nick could not be had; `nick` is the one in use. */
  | { readonly kind: 'nick-fallback'; readonly wanted: string; readonly nick: string; readonly reason: string }
  /** After a failed resume, messages in flight at the disconnect were sent again (some may show twice). */
  | { readonly kind: 'resent'; readonly count: number }
  /** A room could not be joined again after reconnecting. */
  | { readonly kind: 'rejoin-failed'; readonly room: string; readonly reason: string };

export interface HubClientHandlers {
  /**
   * Every frame the server sends, in order, except: replayed duplicates, traffic of rooms this
   * client is not in, and answers to requests (those settle the request's promise instead; a room
   * message answering a `say` is room content and comes here too). `frame` is undefined for a
   * frame this client does not recognise; `raw` is the JSON text.
   */
  frame?(frame: ServerFrame | undefined, raw: string): void;
  state?(state: ConnectionState): void;
  notice?(notice: ClientNotice): void;
}

export interface ClientTiming extends RetryPolicy {
  /** Silence after which the client pings the server. */
  readonly heartbeatIdleMs: number;
  /** How long an unanswered ping may wait before the connection is taken for dead. */
  readonly heartbeatTimeoutMs: number;
  /** How long a resume may take before the client gives up on it and rejoins. */
  readonly resumeTimeoutMs: number;
  /** How long quitting waits for the server's goodbye. */
  readonly quitTimeoutMs: number;
  /** After a reconnect the old connection may still hold the nick: wait this long between tries… */
  readonly nickRetryMs: number;
  /** …this many times, before settling for a suffixed nick. */
  readonly nickRetries: number;
  /** A resume the server capped is continued with history pages of this size… */
  readonly backfillPageSize: number;
  /** …at most this many per room; what lies beyond is reported as a gap. */
  readonly backfillMaxPages: number;
}

export const DEFAULT_TIMING: Readonly<ClientTiming> = Object.freeze({
  heartbeatIdleMs: 25_000,
  heartbeatTimeoutMs: 10_000,
  resumeTimeoutMs: 15_000,
  quitTimeoutMs: 2_000,
  nickRetryMs: 1_000,
  nickRetries: 3,
  sayRetries: 8,
  sayRetryMs: 500,
  sayRetryMaxMs: 8_000,
  backfillPageSize: 200,
  backfillMaxPages: 50,
});

export interface HubClientOptions {
  readonly url: HubUrl;
  /** The nick to claim, on connecting and after every reconnect. */
  readonly nick?: string;
  /** Rooms to be in (a leading # is fine); default: the server's starting room, lobby. */
  readonly rooms?: readonly string[];
  readonly handlers?: HubClientHandlers;
  readonly backoff?: BackoffPolicy;
  readonly pacing?: PacingPolicy;
  readonly link?: LinkOptions;
  readonly timing?: Partial<ClientTiming>;
}

/**
 * How a `say` ended. Besides the server's error codes, `code` may be `closed` (the client quit
 * first) or `rate_limited` after the retries ran out.
 */
export type SayOutcome = { readonly ok: true; readonly message: MessageFrame } | { readonly ok: false; readonly code: string; readonly message: string };

/** start() failed after connecting: the nick or a room was refused. */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}

/** Handles frames carrying an internal ref; returns true once it needs no more. */
type InternalHandler = (frame: ServerFrame) => boolean;

const DEFAULT_ROOM = 'lobby';

function clientError(code: string, message: string): ErrorFrame {
  return { type: 'error', code, message };
}

function suffixedNick(nick: string, n: number): string {
  const suffix = n === 1 ? '_' : `_${n}`;
  return [...nick].slice(0, NICK_MAX_CHARS - suffix.length).join('') + suffix;
}

export class HubClient {
  private readonly url: HubUrl;
  private readonly handlers: HubClientHandlers;
  private readonly backoff: BackoffPolicy;
  private readonly linkOptions: LinkOptions;
  private readonly timing: ClientTiming;
  private readonly pacer: SendPacer;
  private readonly cursors = new RoomCursors();

  private wantedNick: string | undefined;
  private readonly roomsRequested: readonly string[];
  /** Rooms the user wants to be in, in the order they asked; canonical names. */
  private readonly wanted = new Set<string>();
  /** Rooms the server says this connection is in. */
  private joined = new Set<string>();
  private currentNick = '';
  private currentId: number | undefined;
  /** The store epoch the cursors' seqs belong to (the last welcome's, once caught up). */
  private cursorEpoch: string | undefined;
  private welcomeEpoch: string | undefined;
  /** Ids of this client's earlier connections: their messages in a replay are ours. */
  private readonly previousIds = new Set<number>();
  private textLimit: number | undefined;

  private link: FrameLink | undefined;
  /** Bumped per connection attempt; callbacks of older links check it and stand down. */
  private generation = 0;
  private started = false;
  private ready = false;
  private quitting = false;
  private stateNow: ConnectionState = { kind: 'closed' };
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private wakeFromPause: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private deadTimer: NodeJS.Timeout | undefined;
  private dropReason: string | undefined;
  private byeReason: string | undefined;
  private lastCloseReason = '';
  private quitDone: (() => void) | undefined;

  private nextRef = 1;
  private nextOrder = 1;
  private readonly outgoing: OutgoingQueue;
  private readonly internal = new Map<string, InternalHandler>();
  private resumeWaiting: { rooms: Set<string>; done: (failure?: string) => void } | undefined;
  /** Rooms whose replay the server capped: held until the rest has been paged in. */
  private readonly backfill = new Set<string>();

  constructor(options: HubClientOptions) {
    this.url = options.url;
    this.handlers = options.handlers ?? {};
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.linkOptions = options.link ?? DEFAULT_LINK_OPTIONS;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.pacer = new SendPacer(options.pacing ?? DEFAULT_PACING);
    this.outgoing = new OutgoingQueue(this.pacer, this.timing, (frame) => {
      if (!this.ready || !this.link) return false;
      this.link.send(frame);
      return true;
    });
    this.wantedNick = options.nick;
    this.roomsRequested = options.rooms?.length ? options.rooms : [DEFAULT_ROOM];
  }

  get state(): ConnectionState {
    return this.stateNow;
  }

  /** The nick this connection has now (a guest nick until the wanted one is claimed). */
  get nick(): string {
    return this.currentNick;
  }

  get id(): number | undefined {
    return this.currentId;
  }

  /** The rooms this client keeps itself in (across reconnects), in the order they were asked for. */
  get rooms(): ReadonlySet<string> {
    return this.wanted;
  }

  /** The server's limit on message text, once welcomed. */
  get maxTextBytes(): number | undefined {
    return this.textLimit;
  }

  /**
   * Connects, claims the nick and joins the rooms. Rejects (and gives up) with a ConnectError when
   * the server cannot be reached or refuses the connection, and a SetupError when it refuses the
   * nick or a room. A server that welcomed us and then dropped the connection mid-way is tried
   * again, with backoff, as after any disconnect.
   */
  async start(): Promise<void> {
    for (const raw of this.roomsRequested) {
      try {
        this.wanted.add(checkRoom(raw));
      } catch (err) {
        throw new SetupError(`cannot join "${raw}": ${(err as Error).message}`);
      }
    }
    this.setState({ kind: 'connecting' });
    for (let welcomed = false; ; ) {
      if (this.quitting) throw new ConnectError('quit while connecting');
      let generation: number;
      try {
        generation = await this.connect();
      } catch (err) {
        if (!welcomed || this.quitting) {
          this.setState({ kind: 'closed' });
          throw err;
        }
        await this.pause((err as Error).message);
        continue;
      }
      welcomed = true;
      try {
        if (await this.setUp(generation, false)) return;
      } catch (err) {
        this.quitting = true;
        this.link?.destroy();
        this.setState({ kind: 'closed' });
        throw err;
      }
      await this.pause(this.lastCloseReason);
    }
  }

  /** Says `text` in `room`; resolves when the server has it (its seq is known) or refused it. */
  say(room: string, text: string, options: { action?: boolean } = {}): Promise<SayOutcome> {
    return new Promise((resolve) => {
      if (this.quitting) {
        resolve({ ok: false, code: 'closed', message: 'the client has quit' });
        return;
      }
      const frame = { type: 'say', room, text, ...(options.action && { action: true }), ref: this.makeRef() } as const;
      this.outgoing.add('say', frame, (answer) =>
        resolve(answer.type === 'message' ? { ok: true, message: answer } : { ok: false, ...errorOf(answer) }),
      );
    });
  }

  /**
   * Sends a request and resolves with the server's answer (possibly an `error` frame). While
   * offline it resolves at once with the client-side error `offline`; a connection lost before
   * the answer gives `connection_lost`.
   */
  request(frame: RequestFrame): Promise<ServerFrame> {
    return new Promise((resolve) => {
      if (!this.ready) {
        resolve(clientError('offline', this.quitting ? 'the client has quit' : 'not connected; reconnecting'));
        return;
      }
      this.outgoing.add('request', { ...frame, ref: this.makeRef() }, resolve);
    });
  }

  /** Joins a room and keeps this client in it across reconnects. */
  async join(room: string): Promise<ServerFrame> {
    let name: string;
    try {
      name = checkRoom(room);
    } catch (err) {
      return clientError('room_invalid', (err as Error).message);
    }
    if (!this.ready) return this.request({ type: 'join', room: name });
    // Wanted before the answer: the room's recent history may come ahead of it.
    const had = this.wanted.has(name);
    this.wanted.add(name);
    const answer = await this.request({ type: 'join', room: name });
    if (answer.type === 'error' && !had && !this.joined.has(name)) this.wanted.delete(name);
    return answer;
  }

  /** Leaves a room for good (it is not resumed after a reconnect). */
  async part(room: string): Promise<ServerFrame> {
    let name: string;
    try {
      name = checkRoom(room);
    } catch (err) {
      return clientError('room_invalid', (err as Error).message);
    }
    const answer = await this.request({ type: 'part', room: name });
    if (answer.type === 'left') this.wanted.delete(name);
    return answer;
  }

  /** Changes nick; the new one is claimed again after every reconnect. */
  async setNick(nick: string): Promise<ServerFrame> {
    const answer = await this.request({ type: 'nick', nick });
    if (answer.type === 'nick') this.wantedNick = answer.nick;
    return answer;
  }

  /** Says goodbye and closes; no reconnecting after this. Unfinished says end with `closed`. */
  async quit(reason?: string): Promise<void> {
    if (this.quitting) return;
    this.quitting = true;
    clearTimeout(this.reconnectTimer);
    this.wakeFromPause?.();
    const link = this.link;
    if (link) {
      link.send({ type: 'quit', ...(reason && { reason }) });
      await new Promise<void>((resolve) => {
        this.quitDone = resolve;
        setTimeout(resolve, this.timing.quitTimeoutMs).unref();
      });
      link.destroy();
    }
    this.stopTimers();
    this.outgoing.closeAll(clientError('closed', 'the client has quit'));
    this.setState({ kind: 'closed' });
  }

  // ---- connecting ----

  private async connect(): Promise<number> {
    const generation = ++this.generation;
    const link = await openLink(
      this.url,
      {
        frame: (raw) => {
          if (generation === this.generation) this.onFrame(raw);
        },
        closed: (reason) => this.onClosed(generation, reason),
      },
      this.linkOptions,
    );
    if (this.quitting) {
      link.destroy();
      throw new ConnectError('quit while connecting');
    }
    this.link = link;
    this.idleTimer = setTimeout(this.onIdle, this.timing.heartbeatIdleMs).unref();
    return generation;
  }

  /** Nick, then rooms, then leaving the starting room if unwanted; then sending flows. False if the link was lost first. */
  private async setUp(generation: number, reconnect: boolean): Promise<boolean> {
    const lost = (): boolean => generation !== this.generation;
    if (this.wantedNick !== undefined && nickKey(this.wantedNick) !== nickKey(this.currentNick)) {
      await this.claimNick(this.wantedNick, reconnect, lost);
    }
    if (!lost()) await (reconnect ? this.resumeRooms(lost) : this.joinRooms(lost));
    for (const room of [...this.joined]) {
      if (lost()) break;
      if (!this.wanted.has(room)) await this.exchange({ type: 'part', room });
    }
    if (lost()) return false;
    this.started = true;
    this.ready = true;
    this.attempt = 0;
    this.setState({ kind: 'online', reconnected: reconnect });
    this.outgoing.pump();
    return true;
  }

  private async claimNick(wanted: string, reconnect: boolean, lost: () => boolean): Promise<void> {
    let candidate = wanted;
    let waits = 0;
    let suffix = 1;
    for (;;) {
      const answer = await this.exchange({ type: 'nick', nick: candidate });
      if (lost()) return;
      if (answer.type === 'nick') {
        if (candidate !== wanted) this.notify({ kind: 'nick-fallback', wanted, nick: answer.nick, reason: `"${wanted}" is taken` });
        return;
      }
      const { code, message } = errorOf(answer);
      if (code === 'nick_taken' && reconnect && waits < this.timing.nickRetries) {
        // Our previous connection may still hold it until the server notices that it is gone.
        waits++;
        await new Promise((resolve) => setTimeout(resolve, this.timing.nickRetryMs));
        if (lost()) return;
      } else if (code === 'nick_taken' && suffix <= 9) {
        candidate = suffixedNick(wanted, suffix++);
      } else if (!reconnect) {
        throw new SetupError(`cannot use the nick "${wanted}": ${message}`);
      } else {
        this.notify({ kind: 'nick-fallback', wanted, nick: this.currentNick, reason: message });
        return;
      }
    }
  }

  private async joinRooms(lost: () => boolean): Promise<void> {
    // A joined room's recent history follows the answer; the room we start in (lobby) must ask for it.
    const starting = [...this.wanted].filter((room) => this.joined.has(room));
    this.cursors.hold(starting);
    const answers = await Promise.all([
      ...[...this.wanted].filter((room) => !this.joined.has(room)).map((room) => this.exchange({ type: 'join', room })),
      ...starting.map((room) => this.exchange({ type: 'history', room })),
    ]);
    if (lost()) return;
    for (const answer of answers) if (answer.type === 'history') this.holdPage(answer);
    for (const room of starting) this.release(room);
    const refused = answers.find((a) => a.type === 'error' && a.code !== 'unknown_type');
    if (refused?.type === 'error') throw new SetupError(`cannot join: ${refused.message}`);
  }

  /** Messages of a history page, into the room's held messages (duplicates fall out on release). */
  private holdPage(page: HistoryFrame): void {
    for (const message of page.messages) this.cursors.accept({ ...message, history: true });
  }

  /** Replays every wanted room from its last seen seq; falls back to joining if the server cannot. */
  private async resumeRooms(lost: () => boolean): Promise<void> {
    const rooms = [...this.wanted];
    if (rooms.length === 0) return;
    const ref = this.makeRef();
    const failure = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => finish('the server did not finish resuming in time'), this.timing.resumeTimeoutMs);
      const finish = (why?: string): void => {
        clearTimeout(timer);
        this.resumeWaiting = undefined;
        this.internal.delete(ref);
        resolve(why);
      };
      this.resumeWaiting = { rooms: new Set(rooms), done: finish };
      // Anything else carrying this ref (say, a `joined` for a room it rejoined) is ours, not the user's.
      this.internal.set(ref, (answer) => {
        if (answer.type === 'error') finish(`${answer.message} [${answer.code}]`);
        return false;
      });
      const points = Object.fromEntries(rooms.map((room) => [room, this.cursors.resumePoint(room)]));
      void this.sendNow({ type: 'resume', rooms: points, ...(this.cursorEpoch !== undefined && { epoch: this.cursorEpoch }), ref });
    });
    if (lost()) return;
    for (const room of [...this.backfill]) {
      await this.backfillRoom(room, lost);
      if (lost()) return;
    }
    this.cursorEpoch = this.welcomeEpoch;
    // Sent messages that did not show up in a completed replay never arrived: send them again.
    const resent = this.outgoing.resendUnknown();
    if (failure === undefined) return;
    this.notify({ kind: 'resume-failed', reason: failure });
    if (resent > 0) this.notify({ kind: 'resent', count: resent });
    for (const room of this.cursors.heldRooms()) this.release(room);
    for (const room of rooms) {
      if (this.joined.has(room)) continue;
      const answer = await this.exchange({ type: 'join', room });
      if (lost()) return;
      if (answer.type === 'error') {
        this.wanted.delete(room);
        this.notify({ kind: 'rejoin-failed', room, reason: answer.message });
      }
    }
  }

  /**
   * The server capped a room's replay: page the rest in with `history` until it meets the live
   * messages held since, then show the room in order.
   */
  private async backfillRoom(room: string, lost: () => boolean): Promise<void> {
    for (let page = 0; page < this.timing.backfillMaxPages; page++) {
      const { lastReplayed, firstLive } = this.cursors.heldRange(room);
      const after = lastReplayed ?? this.cursors.resumePoint(room);
      if (firstLive !== undefined && after >= firstLive - 1) break;
      const answer = await this.exchange({ type: 'history', room, after, limit: this.timing.backfillPageSize });
      if (lost()) return;
      if (answer.type !== 'history') {
        this.notify({ kind: 'resume-failed', reason: `could not page in the rest of #${room}: ${errorOf(answer).message}` });
        break;
      }
      this.holdPage(answer);
      if (!answer.more || answer.messages.length === 0) {
        this.backfill.delete(room);
        this.release(room);
        return;
      }
    }
    const { lastReplayed, firstLive } = this.cursors.heldRange(room);
    if (lastReplayed !== undefined && firstLive !== undefined && firstLive > lastReplayed + 1) {
      this.notify({ kind: 'gap', room, fromSeq: lastReplayed + 1, toSeq: firstLive - 1 });
    }
    this.backfill.delete(room);
    this.release(room);
  }

  private onClosed(generation: number, reason: string): void {
    if (generation !== this.generation) return;
    this.generation++;
    this.link = undefined;
    this.ready = false;
    this.stopTimers();
    if (this.currentId !== undefined) this.previousIds.add(this.currentId);
    this.lastCloseReason = this.dropReason ?? this.byeReason ?? reason;
    this.dropReason = this.byeReason = undefined;
    for (const handler of this.internal.values()) handler(clientError('connection_lost', this.lastCloseReason));
    this.internal.clear();
    this.outgoing.connectionLost(clientError('connection_lost', `the connection dropped before the answer: ${this.lastCloseReason}`));
    this.resumeWaiting?.done('the connection dropped again');
    this.backfill.clear();
    if (this.quitting) {
      this.quitDone?.();
      return;
    }
    // Before start() has succeeded there is nothing to resume; start() tries again itself.
    if (this.started) void this.reconnect(this.lastCloseReason);
  }

  /** Says why and for how long, then waits out the backoff (cut short by quit). */
  private pause(reason: string): Promise<void> {
    const delay = backoffDelay(this.attempt, this.backoff);
    this.attempt++;
    this.setState({ kind: 'offline', reason, attempt: this.attempt, retryInMs: delay });
    return new Promise((resolve) => {
      this.wakeFromPause = resolve;
      this.reconnectTimer = setTimeout(resolve, delay);
    });
  }

  private async reconnect(reason: string): Promise<void> {
    await this.pause(reason);
    if (this.quitting) return;
    let generation: number;
    try {
      generation = await this.connect();
    } catch (err) {
      if (!this.quitting) await this.reconnect((err as Error).message);
      return;
    }
    this.setState({ kind: 'catching-up' });
    await this.setUp(generation, true);
  }

  // ---- receiving ----

  private onFrame(raw: string): void {
    if (this.deadTimer) {
      clearTimeout(this.deadTimer);
      this.deadTimer = undefined;
    }
    this.idleTimer?.refresh();
    const frame = parseServerFrame(raw);
    if (!frame) {
      this.handlers.frame?.(undefined, raw);
      return;
    }
    switch (frame.type) {
      case 'welcome':
        this.onWelcome(frame);
        break;
      case 'message':
        this.onMessage(frame, raw);
        return;
      case 'resumed':
        this.onResumed(frame);
        return;
      case 'history':
        // Without a ref: the recent history of a room just joined, message by message like a replay.
        if (frame.ref === undefined) {
          for (const message of frame.messages) this.onMessage({ ...message, history: true }, JSON.stringify(message));
          return;
        }
        break;
      case 'joined':
      case 'left':
        if (frame.id === this.currentId) {
          if (frame.type === 'joined') this.joined.add(frame.room);
          else this.joined.delete(frame.room);
          // Rejoining while catching up is housekeeping, not news.
          if (!this.ready && frame.ref === undefined) return;
        } else if (!this.wanted.has(frame.room)) return;
        break;
      case 'presence':
        if (!this.wanted.has(frame.room)) return;
        break;
      case 'nick':
        if (frame.id === this.currentId) this.currentNick = frame.nick;
        break;
      case 'bye':
        this.byeReason = `${frame.message} [${frame.code}]`;
        break;
    }
    if ('ref' in frame && frame.ref !== undefined && this.answer(String(frame.ref), frame)) return;
    this.handlers.frame?.(frame, raw);
  }

  private onWelcome(welcome: WelcomeFrame): void {
    this.currentId = welcome.id;
    this.currentNick = welcome.nick;
    this.joined = new Set(welcome.rooms);
    this.textLimit = welcome.limits?.maxTextBytes;
    this.welcomeEpoch = welcome.epoch;
    if (!this.started) this.cursorEpoch = welcome.epoch;
    this.pacer.refillAll();
    // From here until each room's `resumed`, replay and live traffic may interleave out of order.
    if (this.started) this.cursors.hold(this.wanted);
  }

  private onMessage(message: MessageFrame, raw: string): void {
    // The echo of our own say is its acknowledgement, and room content all the same.
    if (message.ref !== undefined) this.outgoing.answer(String(message.ref), message);
    if (!this.wanted.has(message.room)) return;
    const verdict = this.cursors.accept(message);
    if (verdict) this.show(message, verdict, raw);
  }

  private onResumed(frame: ResumedFrame): void {
    const last = this.cursors.lastSeq(frame.room) ?? 0;
    if (frame.reset) {
      this.cursors.forget(frame.room);
      this.notify({ kind: 'reset', room: frame.room });
    } else if (!frame.complete && frame.firstSeq !== undefined && frame.firstSeq > last + 1) {
      this.notify({ kind: 'gap', room: frame.room, fromSeq: last + 1, toSeq: frame.firstSeq - 1 });
    }
    if (frame.more && !frame.reset && this.cursors.lastSeq(frame.room) !== undefined) this.backfill.add(frame.room);
    else this.release(frame.room);
    const waiting = this.resumeWaiting;
    if (waiting?.rooms.delete(frame.room) && waiting.rooms.size === 0) waiting.done();
  }

  private release(room: string): void {
    for (const { message, verdict } of this.cursors.release(room)) this.show(message, verdict, JSON.stringify(message));
  }

  private show(message: MessageFrame, verdict: Verdict, raw: string): void {
    if (verdict === 'duplicate') return;
    if (verdict === 'renumbered') this.notify({ kind: 'reset', room: message.room });
    if (this.previousIds.has(message.fromId)) this.outgoing.recognise(message);
    this.handlers.frame?.(message, raw);
  }

  /** Routes a frame that carries a ref; false when the ref is not one this client is waiting on. */
  private answer(ref: string, frame: ServerFrame): boolean {
    const handler = this.internal.get(ref);
    if (handler) {
      if (handler(frame)) this.internal.delete(ref);
      return true;
    }
    return this.outgoing.answer(ref, frame);
  }

  // ---- sending ----

  private makeRef(): string {
    return `c${this.nextRef++}`;
  }

  /** Sends a housekeeping frame past the queue, once the pacer has a token for it. */
  private async sendNow(frame: ClientFrame): Promise<void> {
    const link = this.link;
    const wait = this.pacer.wait();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (link !== this.link) return;
    this.pacer.take();
    link?.send(frame);
  }

  /** A housekeeping request: its answer goes to the caller, never to the frame handler. */
  private exchange(frame: RequestFrame): Promise<ServerFrame> {
    return new Promise((resolve) => {
      if (!this.link) {
        resolve(clientError('connection_lost', this.lastCloseReason));
        return;
      }
      const ref = this.makeRef();
      this.internal.set(ref, (answer) => {
        resolve(answer);
        return true;
      });
      void this.sendNow({ ...frame, ref });
    });
  }

  private readonly onIdle = (): void => {
    if (!this.link || this.deadTimer) return;
    void this.exchange({ type: 'ping' });
    this.deadTimer = setTimeout(() => {
      this.dropReason = `no answer from the server for ${Math.round(this.timing.heartbeatTimeoutMs / 1000)}s`;
      this.link?.destroy();
    }, this.timing.heartbeatTimeoutMs).unref();
  };

  // ---- bookkeeping ----

  private stopTimers(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.deadTimer);
    this.idleTimer = this.deadTimer = undefined;
  }

  private setState(state: ConnectionState): void {
    this.stateNow = state;
    this.handlers.state?.(state);
  }

  private notify(notice: ClientNotice): void {
    this.handlers.notice?.(notice);
  }
}

function errorOf(frame: ServerFrame): { code: string; message: string } {
  return frame.type === 'error' ? { code: frame.code, message: frame.message } : { code: 'unexpected', message: `unexpected answer "${frame.type}"` };
}
