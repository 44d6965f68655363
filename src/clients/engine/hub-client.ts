/**
 * @module HubClient, the one client engine of `hubbub chat`, programs and the web page: a connection
 * to a hub that survives disconnects, over any link (TCP, Node WebSocket, browser WebSocket). It
 * reconnects with backoff, takes its nick back, resumes every room from the last seq it showed
 * (dropping duplicates, paging in capped replays, reporting gaps), resends what it said that never
 * arrived, paces what it sends below the server's flood limit, and notices a server that went
 * silent. No Node or DOM imports, and all its time comes from an injectable clock; views learn
 * everything through three callbacks.
 */
import { foldName } from '../../core/fold.js';
import { DEFAULT_ROOM, NICK_MAX_CHARS } from '../../core/limits.js';
import type { ClientFrame, RequestFrame } from '../client-frames.js';
import { readServerFrame, type ErrorFrame, type HistoryFrame, type MessageFrame, type ResumedFrame, type ServerFrame, type WelcomeFrame } from '../server-frames.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { sleep, SYSTEM_CLOCK, type Clock } from './clock.js';
import { ConnectError, type Link, type OpenLink } from './link.js';
import { createOutgoingQueue, type RetryPolicy } from './outgoing-queue.js';
import { accept, heldRange, hold, newCursors, release as releaseHeld, resumePoint, type Verdict } from './room-cursors.js';
import { createSendPacer, DEFAULT_PACING, type PacingPolicy } from './send-pacer.js';

export type ConnectionState =
  /** The first connection is being opened. */
  | { readonly kind: 'connecting' }
  /** Connected, nick claimed, rooms joined or resumed: sending flows. `outageMs`: how long it was offline before. */
  | { readonly kind: 'online'; readonly reconnected: boolean; readonly outageMs?: number }
  /**
   * No connection; attempt `attempt` (counting from 1) starts in `retryInMs`, at `retryAt`. One
   * outage, from `since`, goes through as many of these as it takes.
   */
  | {
      readonly kind: 'offline';
      readonly reason: string;
      readonly attempt: number;
      readonly retryInMs: number;
      readonly retryAt: number;
      readonly since: number;
      /** The server speaks another protocol version (a page gets the matching one by reloading). */
      readonly versionMismatch?: boolean;
    }
  /** Connected again; claiming the nick and resuming rooms before sending flows again. */
  | { readonly kind: 'catching-up'; readonly since: number }
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
  /** The wanted nick is taken; `nick` is the stand-in now in use. */
  | { readonly kind: 'nick-fallback'; readonly wanted: string; readonly nick: string; readonly reason: string }
  /** The server refused the wanted nick itself (invalid, reserved); `nick` is the one kept. */
  | { readonly kind: 'nick-refused'; readonly wanted: string; readonly nick: string; readonly reason: string }
  /** After a failed resume, messages in flight at the disconnect were sent again (some may show twice). */
  | { readonly kind: 'resent'; readonly count: number }
  /** A room could not be joined (again); the client no longer keeps itself in it. */
  | { readonly kind: 'rejoin-failed'; readonly room: string; readonly reason: string }
  /** The server refused the token or password; the client goes on as what the server left it. */
  | { readonly kind: 'auth-refused'; readonly reason: string };

export interface HubClientHandlers {
  /**
   * Every frame the server sends, in order, except: replayed duplicates, traffic of rooms this
   * client is not in, and answers to requests (those settle the request's promise instead; a room
   * message answering a `say` is room content and comes here too). A room's recent history (after
   * a join) and replays come as single `message` frames with `history: true`. `frame` is undefined
   * for a frame this client does not recognise; `raw` is the JSON text.
   */
  frame?(frame: ServerFrame | undefined, raw: string): void;
  state?(state: ConnectionState): void;
  notice?(notice: ClientNotice): void;
}

export interface ClientTiming extends RetryPolicy {
  /** How long opening a connection may take, up to and including the server's welcome. */
  readonly connectTimeoutMs: number;
  /** Silence after which the client pings the server… */
  readonly heartbeatIdleMs: number;
  /** …and how much longer it waits for any frame before taking the connection for dead. */
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
  connectTimeoutMs: 10_000,
  // Under the 30 s idle cut of common proxies, and soon enough that a browser, which can take
  // minutes to notice a dead network, finds out within half a minute.
  heartbeatIdleMs: 20_000,
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
  /** Opens one connection: `linkTo(url)` in Node (src/clients/node-links.ts), `browserLink(href)` in the page. */
  readonly open: OpenLink;
  /** The nick to claim, on connecting and after every reconnect. */
  readonly nick?: string;
  /**
   * Signs in on connecting and after every reconnect, before anything else: with a token (whose
   * subject is then the nick, so `nick` is not claimed) or the server's password.
   */
  readonly auth?: { readonly token: string } | { readonly password: string };
  /** Rooms to be in (a leading # is fine); default: the server's starting room, lobby. */
  readonly rooms?: readonly string[];
  readonly handlers?: HubClientHandlers;
  /**
   * The text a say is stored with, as the server cleans it (`sanitizeText`), so that a say whose
   * answer was lost is recognised in the replay. Default: the text as sent.
   */
  readonly storedText?: (text: string) => string;
  readonly backoff?: BackoffPolicy;
  readonly pacing?: PacingPolicy;
  readonly timing?: Partial<ClientTiming>;
  readonly clock?: Clock;
}

/**
 * How a `say` ended. Besides the server's error codes, `code` may be `closed` (the client quit
 * first) or `rate_limited` after the retries ran out.
 */
export type SayOutcome = { readonly ok: true; readonly message: MessageFrame } | { readonly ok: false; readonly code: string; readonly message: string };

/** The engine as its users see it. */
export interface HubClient {
  readonly state: ConnectionState;
  /** The nick this connection has now (a guest nick until the wanted one is claimed). */
  readonly nick: string;
  readonly id: number | undefined;
  /** The rooms this client keeps itself in (across reconnects), in the order they were asked for. */
  readonly rooms: ReadonlySet<string>;
  /** The server's limit on message text, once welcomed. */
  readonly maxTextBytes: number | undefined;
  /**
   * Connects, claims the nick and joins the rooms; resolves once online. It never gives up: a
   * connection that fails, first or later, is tried again with backoff (the states say so), and a
   * nick or room refused is a notice. It rejects only when quit() comes first. A client that must
   * fail fast watches the states and notices and quits (src/clients/node-client.ts does).
   */
  start(): Promise<void>;
  /** Says `text` in `room`; resolves when the server has it (its seq is known) or refused it. */
  say(room: string, text: string, options?: { action?: boolean }): Promise<SayOutcome>;
  /**
   * Sends a request and resolves with the server's answer (possibly an `error` frame). While
   * offline it resolves at once with the client-side error `offline` (`closed` once quit); a
   * connection lost before the answer gives `connection_lost`.
   */
  request(frame: RequestFrame): Promise<ServerFrame>;
  /** Joins a room (with its key, when it has one) and keeps this client in it across reconnects. */
  join(room: string, key?: string): Promise<ServerFrame>;
  /** Leaves a room for good (it is not resumed after a reconnect). */
  part(room: string): Promise<ServerFrame>;
  /** Changes nick; the new one is claimed again after every reconnect. */
  setNick(nick: string): Promise<ServerFrame>;
  /** Cuts the wait before the next attempt short (the user asked, or the network came back). */
  retryNow(): void;
  /** Says goodbye and closes; no reconnecting after this. Unfinished says end with `closed`. */
  quit(reason?: string): Promise<void>;
}

/** Handles frames carrying an internal ref; returns true once it needs no more. */
type InternalHandler = (frame: ServerFrame) => boolean;

function clientError(code: string, message: string): ErrorFrame {
  return { type: 'error', code, message };
}

/** What is left to do after quit(): nothing, and everything still waiting is answered so. */
const QUIT = clientError('closed', 'the client has quit');

/** A room's name as the server keeps it: folded, without a leading `#` (the server checks the rest). */
export function roomKey(room: string): string {
  return foldName(room.startsWith('#') ? room.slice(1) : room);
}

/** The n-th stand-in for a nick that is taken: `nick_`, `nick_2`, … (IRC's habit), cut to fit. */
function suffixedNick(nick: string, n: number): string {
  const suffix = n === 1 ? '_' : `_${n}`;
  return [...nick].slice(0, NICK_MAX_CHARS - suffix.length).join('') + suffix;
}

function errorOf(frame: ServerFrame): { code: string; message: string } {
  return frame.type === 'error' ? { code: frame.code, message: frame.message } : { code: 'unexpected', message: `unexpected answer "${frame.type}"` };
}

/**
 * Makes a client; nothing happens until `start()`. Written as one closure rather than a class:
 * its state lives in local variables, which the page's minifier shortens to a letter each (a
 * class's fields stay `this.#x` at every use), and the page has a byte budget.
 */
export function createHubClient(options: HubClientOptions): HubClient {
  const handlers = options.handlers ?? {};
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const timing: ClientTiming = { ...DEFAULT_TIMING, ...options.timing };
  const clock = options.clock ?? SYSTEM_CLOCK;
  const pacer = createSendPacer(options.pacing ?? DEFAULT_PACING, () => clock.now());
  const outgoing = createOutgoingQueue(pacer, timing, clock, options.storedText ?? ((text) => text), (frame) => {
    if (!ready || !link) return false;
    link.send(frame);
    return true;
  });
  const cursors = newCursors();

  let wantedNick = options.nick;
  /** Rooms the user wants to be in, in the order they asked; canonical names. */
  const wanted = new Set<string>();
  /** The keys keyed rooms were joined with, to join them again after a reconnect. */
  const keys = new Map<string, string>();
  /** Rooms the server says this connection is in. */
  let joined = new Set<string>();
  let currentNick = '';
  let currentId: number | undefined;
  /** The store epoch the cursors' seqs belong to (the last welcome's, once caught up). */
  let cursorEpoch: string | undefined;
  let welcomeEpoch: string | undefined;
  /** Ids of this client's earlier connections: their messages in a replay are ours. */
  const previousIds = new Set<number>();
  let textLimit: number | undefined;

  let link: Link | undefined;
  /** Bumped per connection attempt; callbacks of older links check it and stand down. */
  let generation = 0;
  /** Setting up has completed once: from now on a loss is resumed, not started over. */
  let started = false;
  let ready = false;
  /** The loop that connects and sets up is running (at most one is). */
  let connecting = false;
  let quitting = false;
  let stateNow: ConnectionState = { kind: 'closed' };
  let attempt = 0;
  /** When the current outage began; undefined while online. */
  let outageSince: number | undefined;
  let wake: (() => void) | undefined;
  let abortOpening: ((reason: string) => void) | undefined;
  let stopWatch: (() => void) | undefined;
  let lastHeard = 0;
  let byeReason: string | undefined;
  let lastCloseReason = '';
  let quitDone: (() => void) | undefined;

  let nextRef = 1;
  const internal = new Map<string, InternalHandler>();
  let resumeWaiting: { rooms: Set<string>; done: (failure?: string) => void } | undefined;
  /** Rooms whose replay the server capped: held until the rest has been paged in. */
  const backfill = new Set<string>();

  const setState = (state: ConnectionState): void => handlers.state?.((stateNow = state));
  const notify = (notice: ClientNotice): void => handlers.notice?.(notice);
  const makeRef = (): string => `c${nextRef++}`;

  // ---- connecting ----

  /**
   * The one loop that connects and sets up, until online: after `lost` (a reason) it waits out the
   * backoff first. Throws only when quitting.
   */
  async function connectUntilOnline(lost: ConnectError | undefined): Promise<void> {
    connecting = true;
    try {
      for (;;) {
        if (lost) await pause(lost);
        if (quitting) throw new ConnectError('quit while connecting');
        let opened: number;
        try {
          opened = await connect();
        } catch (err) {
          if (quitting || !(err instanceof ConnectError)) throw err;
          lost = err;
          continue;
        }
        if (started) setState({ kind: 'catching-up', since: outageSince ?? clock.now() });
        if (await setUp(opened)) return;
        lost = new ConnectError(lastCloseReason);
      }
    } finally {
      connecting = false;
    }
  }

  /** Opens a link and resolves with its generation once the server's welcome has been handled. */
  function connect(): Promise<number> {
    const mine = ++generation;
    return new Promise((resolve, reject) => {
      let open = false;
      const fail = (reason: string, versionMismatch = false): void => {
        if (open || abortOpening !== fail) return;
        abortOpening = undefined;
        stopTimer();
        opening.destroy();
        reject(new ConnectError(reason, versionMismatch));
      };
      const stopTimer = clock.after(timing.connectTimeoutMs, () => fail('timed out waiting for the server'));
      abortOpening = fail;
      // Links report asynchronously (link.ts), so `opening` is set before anything calls `fail`.
      const opening = options.open({
        received: (raw) => {
          if (open) {
            if (mine === generation) receive(raw);
            return;
          }
          // Before the welcome: on TCP the text greeting (not JSON, skipped), or a refusal.
          const { frame, mismatch } = readServerFrame(raw);
          if (mismatch !== undefined) fail(mismatch, true);
          else if (frame?.type === 'bye') fail(`the server refused the connection: ${frame.message} [${frame.code}]`);
          else if (frame?.type === 'welcome' && abortOpening === fail) {
            open = true;
            abortOpening = undefined;
            stopTimer();
            link = opening;
            lastHeard = clock.now();
            watchSilence();
            // Handled before anything behind it in the same chunk, so the order holds.
            receive(raw, frame);
            resolve(mine);
          }
        },
        closed: (reason) => (open ? onClosed(mine, reason) : fail(reason)),
      });
    });
  }

  /** Nick, then rooms, then leaving the starting room if unwanted; then sending flows. False if the link was lost first. */
  async function setUp(mine: number): Promise<boolean> {
    const lost = (): boolean => mine !== generation;
    const reconnect = started;
    const signedIn = options.auth !== undefined && (await signIn(options.auth, reconnect, lost));
    if (!signedIn && !lost() && wantedNick !== undefined && foldName(wantedNick) !== foldName(currentNick)) await claimNick(wantedNick, reconnect, lost);
    if (!lost()) await (reconnect ? resumeRooms(lost) : joinRooms(lost));
    for (const room of [...joined]) {
      if (lost()) break;
      if (!wanted.has(room)) await exchange({ type: 'part', room });
    }
    if (lost()) return false;
    started = ready = true;
    attempt = 0;
    const since = outageSince;
    outageSince = undefined;
    setState({ kind: 'online', reconnected: reconnect, ...(since !== undefined && { outageMs: clock.now() - since }) });
    outgoing.pump();
    return true;
  }

  /** Sends the credentials; true once a token made its subject our nick. */
  async function signIn(auth: NonNullable<HubClientOptions['auth']>, reconnect: boolean, lost: () => boolean): Promise<boolean> {
    for (let waits = 0; ; waits++) {
      const answer = await exchange({ type: 'auth', ...auth });
      if (lost()) return false;
      if (answer.type === 'authed') return answer.subject !== undefined;
      const { code, message } = errorOf(answer);
      // Our previous connection may still be signed in until the server notices that it is gone.
      if (!(code === 'nick_taken' && reconnect && waits < timing.nickRetries)) {
        notify({ kind: 'auth-refused', reason: `${message} [${code}]` });
        return false;
      }
      await sleep(clock, timing.nickRetryMs);
      if (lost()) return false;
    }
  }

  async function claimNick(nick: string, reconnect: boolean, lost: () => boolean): Promise<void> {
    let candidate = nick;
    let waits = 0;
    let suffix = 1;
    for (;;) {
      const answer = await exchange({ type: 'nick', nick: candidate });
      if (lost()) return;
      if (answer.type === 'nick') {
        if (candidate !== nick) notify({ kind: 'nick-fallback', wanted: nick, nick: answer.nick, reason: `"${nick}" is taken` });
        return;
      }
      const { code, message } = errorOf(answer);
      if (code === 'nick_taken' && reconnect && waits < timing.nickRetries) {
        // Our previous connection may still hold it until the server notices that it is gone.
        waits++;
        await sleep(clock, timing.nickRetryMs);
        if (lost()) return;
      } else if (code === 'nick_taken' && suffix <= 9) {
        candidate = suffixedNick(nick, suffix++);
      } else {
        notify({ kind: 'nick-refused', wanted: nick, nick: currentNick, reason: message });
        return;
      }
    }
  }

  async function joinRooms(lost: () => boolean): Promise<void> {
    // A joined room's recent history follows the answer; the room we start in (lobby) must ask for it.
    const starting = [...wanted].filter((room) => joined.has(room));
    const joining = [...wanted].filter((room) => !joined.has(room));
    hold(cursors, starting);
    const answers = await Promise.all([
      ...joining.map((room) => exchange(joinFrame(room))),
      ...starting.map((room) => exchange({ type: 'history', room })),
    ]);
    if (lost()) return;
    for (const answer of answers) if (answer.type === 'history') holdPage(answer);
    for (const room of starting) release(room);
    joining.forEach((room, i) => {
      const answer = answers[i];
      if (answer?.type === 'error') refused(room, answer.message);
    });
  }

  /** A room the server would not let us (back) in: the client no longer keeps itself in it. */
  function refused(room: string, reason: string): void {
    forget(room);
    notify({ kind: 'rejoin-failed', room, reason });
  }

  /** Joining a room, with the key it was joined with when it has one. */
  function joinFrame(room: string): RequestFrame {
    return { type: 'join', room, ...(keys.has(room) && { key: keys.get(room)! }) };
  }

  /** A room this client no longer keeps itself in. */
  function forget(room: string): void {
    wanted.delete(room);
    keys.delete(room);
  }

  /** Messages of a history page, into the room's held messages (duplicates fall out on release). */
  function holdPage(page: HistoryFrame): void {
    for (const message of page.messages) accept(cursors, { ...message, history: true });
  }

  /** Replays every wanted room from its last seen seq; falls back to joining if the server cannot. */
  async function resumeRooms(lost: () => boolean): Promise<void> {
    // A resume carries no keys: keyed rooms are joined again with theirs first (the resume then finds us in them).
    for (const room of [...keys.keys()]) {
      if (joined.has(room)) continue;
      const answer = await exchange(joinFrame(room));
      if (lost()) return;
      if (answer.type === 'error') refused(room, answer.message);
    }
    const rooms = [...wanted];
    if (rooms.length === 0) return;
    const ref = makeRef();
    const failure = await new Promise<string | undefined>((resolve) => {
      const stop = clock.after(timing.resumeTimeoutMs, () => finish('the server did not finish resuming in time'));
      const finish = (why?: string): void => {
        stop();
        resumeWaiting = undefined;
        internal.delete(ref);
        resolve(why);
      };
      resumeWaiting = { rooms: new Set(rooms), done: finish };
      // Anything else carrying this ref (say, a `joined` for a room it rejoined) is ours, not the user's.
      internal.set(ref, (answer) => {
        if (answer.type === 'error') finish(`${answer.message} [${answer.code}]`);
        return false;
      });
      const points = Object.fromEntries(rooms.map((room) => [room, resumePoint(cursors, room)]));
      void sendNow({ type: 'resume', rooms: points, ...(cursorEpoch !== undefined && { epoch: cursorEpoch }), ref });
    });
    if (lost()) return;
    for (const room of [...backfill]) {
      await backfillRoom(room, lost);
      if (lost()) return;
    }
    cursorEpoch = welcomeEpoch;
    // Sent messages that did not show up in a completed replay never arrived: send them again.
    const resent = outgoing.resendUnknown();
    if (failure === undefined) return;
    notify({ kind: 'resume-failed', reason: failure });
    if (resent > 0) notify({ kind: 'resent', count: resent });
    for (const room of [...cursors.held.keys()]) release(room);
    for (const room of rooms) {
      if (joined.has(room)) continue;
      const answer = await exchange(joinFrame(room));
      if (lost()) return;
      if (answer.type === 'error') refused(room, answer.message);
    }
  }

  /**
   * The server capped a room's replay: page the rest in with `history` until it meets the live
   * messages held since, then show the room in order.
   */
  async function backfillRoom(room: string, lost: () => boolean): Promise<void> {
    for (let page = 0; page < timing.backfillMaxPages; page++) {
      const { lastReplayed, firstLive } = heldRange(cursors, room);
      const after = lastReplayed ?? resumePoint(cursors, room);
      if (firstLive !== undefined && after >= firstLive - 1) break;
      const answer = await exchange({ type: 'history', room, after, limit: timing.backfillPageSize });
      if (lost()) return;
      if (answer.type !== 'history') {
        notify({ kind: 'resume-failed', reason: `could not page in the rest of #${room}: ${errorOf(answer).message}` });
        break;
      }
      holdPage(answer);
      if (!answer.more || answer.messages.length === 0) break;
    }
    // Short of the live messages still (too many pages): what lies between is a gap.
    const { lastReplayed, firstLive } = heldRange(cursors, room);
    if (lastReplayed !== undefined && firstLive !== undefined && firstLive > lastReplayed + 1) {
      notify({ kind: 'gap', room, fromSeq: lastReplayed + 1, toSeq: firstLive - 1 });
    }
    backfill.delete(room);
    release(room);
  }

  function onClosed(mine: number, reason: string): void {
    if (mine !== generation) return;
    generation++;
    link = undefined;
    ready = false;
    stopWatching();
    if (currentId !== undefined) previousIds.add(currentId);
    const why = (lastCloseReason = byeReason ?? reason);
    byeReason = undefined;
    for (const handler of internal.values()) handler(clientError('connection_lost', why));
    internal.clear();
    outgoing.connectionLost(clientError('connection_lost', `the connection dropped before the answer: ${why}`));
    resumeWaiting?.done('the connection dropped again');
    backfill.clear();
    if (quitting) quitDone?.();
    // While the loop runs (connecting, or setting up) it notices the loss and carries on itself.
    else if (!connecting) void connectUntilOnline(new ConnectError(why)).catch(() => {});
  }

  /** Says why and for how long, then waits out the backoff (cut short by retryNow or quit). */
  function pause(lost: ConnectError): Promise<void> {
    const delay = backoffDelay(attempt++, backoff, clock.random());
    const now = clock.now();
    outageSince ??= now;
    setState({
      kind: 'offline',
      reason: lost.message,
      attempt,
      retryInMs: delay,
      retryAt: now + delay,
      since: outageSince,
      ...(lost.versionMismatch && { versionMismatch: true }),
    });
    return new Promise((resolve) => {
      const done = (): void => {
        wake = undefined;
        stop();
        resolve();
      };
      const stop = clock.after(delay, done);
      wake = done;
    });
  }

  // ---- receiving ----

  /** A frame on the open link. A bug of ours that throws on it drops this connection, never the process. */
  function receive(raw: string, parsed?: ServerFrame): void {
    lastHeard = clock.now();
    try {
      onFrame(parsed ?? readServerFrame(raw).frame, raw);
    } catch (err) {
      drop(`the client failed on a frame from the server: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  function onFrame(frame: ServerFrame | undefined, raw: string): void {
    if (!frame) {
      handlers.frame?.(undefined, raw);
      return;
    }
    switch (frame.type) {
      case 'welcome':
        onWelcome(frame);
        break;
      case 'message':
        onMessage(frame, raw);
        return;
      case 'resumed':
        onResumed(frame);
        return;
      case 'history':
        // Without a ref: the recent history of a room just joined, message by message like a replay.
        if (frame.ref === undefined) {
          for (const message of frame.messages) onMessage({ ...message, history: true }, JSON.stringify(message));
          return;
        }
        break;
      case 'joined':
      case 'left':
        if (frame.id === currentId) {
          if (frame.type === 'joined') joined.add(frame.room);
          else joined.delete(frame.room);
          // Put out by an operator: not a room to go back into after a reconnect.
          if (frame.type === 'left' && frame.ref === undefined) forget(frame.room);
          // Rejoining while catching up is housekeeping, not news.
          if (!ready && frame.ref === undefined) return;
        } else if (!wanted.has(frame.room)) return;
        break;
      case 'presence':
      case 'topic':
      case 'modes':
      case 'role':
      case 'kicked':
      case 'ban':
        // A room's news, for a room this client has left, is no longer news (an answer still is).
        if (!wanted.has(frame.room) && !('ref' in frame && frame.ref !== undefined)) return;
        break;
      case 'nick':
        if (frame.id === currentId) currentNick = frame.nick;
        break;
      case 'bye':
        byeReason = `${frame.message} [${frame.code}]`;
        break;
    }
    if ('ref' in frame && frame.ref !== undefined && answer(String(frame.ref), frame)) return;
    handlers.frame?.(frame, raw);
  }

  function onWelcome(welcome: WelcomeFrame): void {
    currentId = welcome.id;
    currentNick = welcome.nick;
    joined = new Set(welcome.rooms);
    textLimit = welcome.limits?.maxTextBytes;
    welcomeEpoch = welcome.epoch;
    if (!started) cursorEpoch = welcome.epoch;
    pacer.fill(true);
    // From here until each room's `resumed`, replay and live traffic may interleave out of order.
    if (started) hold(cursors, wanted);
  }

  function onMessage(message: MessageFrame, raw: string): void {
    // The echo of our own say is its acknowledgement, and room content all the same.
    if (message.ref !== undefined) outgoing.answer(String(message.ref), message);
    if (!wanted.has(message.room)) return;
    const verdict = accept(cursors, message);
    if (verdict) show(message, verdict, raw);
  }

  function onResumed(frame: ResumedFrame): void {
    const last = cursors.last.get(frame.room);
    if (frame.reset) {
      cursors.last.delete(frame.room);
      notify({ kind: 'reset', room: frame.room });
    } else if (!frame.complete && frame.firstSeq !== undefined && frame.firstSeq > (last ?? 0) + 1) {
      notify({ kind: 'gap', room: frame.room, fromSeq: (last ?? 0) + 1, toSeq: frame.firstSeq - 1 });
    }
    if (frame.more && !frame.reset && last !== undefined) backfill.add(frame.room);
    else release(frame.room);
    const waiting = resumeWaiting;
    if (waiting?.rooms.delete(frame.room) && waiting.rooms.size === 0) waiting.done();
  }

  function release(room: string): void {
    for (const { message, verdict } of releaseHeld(cursors, room)) show(message, verdict, JSON.stringify(message));
  }

  function show(message: MessageFrame, verdict: Verdict, raw: string): void {
    if (verdict === 'duplicate') return;
    if (verdict === 'renumbered') notify({ kind: 'reset', room: message.room });
    if (previousIds.has(message.fromId)) outgoing.recognise(message);
    handlers.frame?.(message, raw);
  }

  /** Routes a frame that carries a ref; false when the ref is not one this client is waiting on. */
  function answer(ref: string, frame: ServerFrame): boolean {
    const handler = internal.get(ref);
    if (handler) {
      if (handler(frame)) internal.delete(ref);
      return true;
    }
    return outgoing.answer(ref, frame);
  }

  // ---- sending ----

  /** Sends a housekeeping frame past the queue, once the pacer has a token for it. */
  async function sendNow(frame: ClientFrame): Promise<void> {
    const sending = link;
    const wait = pacer.wait();
    if (wait > 0) await sleep(clock, wait);
    if (sending !== link) return;
    pacer.take();
    sending?.send(frame);
  }

  /** A housekeeping request: its answer goes to the caller, never to the frame handler. */
  function exchange(frame: RequestFrame): Promise<ServerFrame> {
    return new Promise((resolve) => {
      if (!link) {
        resolve(clientError('connection_lost', lastCloseReason));
        return;
      }
      const ref = makeRef();
      internal.set(ref, (reply) => {
        resolve(reply);
        return true;
      });
      void sendNow({ ...frame, ref });
    });
  }

  /**
   * The heartbeat: after `heartbeatIdleMs` without a frame from the server it pings; after
   * `heartbeatTimeoutMs` more of silence the connection is taken for dead and dropped. One timer,
   * re-armed from the time of the last frame, so busy traffic costs nothing per frame.
   */
  function watchSilence(): void {
    if (!link) return;
    const { heartbeatIdleMs: idle, heartbeatTimeoutMs: grace } = timing;
    const quiet = clock.now() - lastHeard;
    if (quiet >= idle + grace) return drop(`no answer from the server for ${Math.round(grace / 1000)}s`);
    if (quiet >= idle) void exchange({ type: 'ping' });
    stopWatch = clock.after((quiet >= idle ? idle + grace : idle) - quiet, watchSilence);
  }

  function stopWatching(): void {
    stopWatch?.();
    stopWatch = undefined;
  }

  /** Abandons the open link now (it may take long to report its own end) and carries on as after any loss. */
  function drop(reason: string): void {
    if (!link) return;
    link.destroy();
    onClosed(generation, reason);
  }

  // ---- what users call ----

  function request(frame: RequestFrame): Promise<ServerFrame> {
    return new Promise((resolve) => {
      if (!ready) resolve(quitting ? QUIT : clientError('offline', 'not connected; reconnecting'));
      else outgoing.add('request', { ...frame, ref: makeRef() }, resolve);
    });
  }

  return {
    get state() {
      return stateNow;
    },
    get nick() {
      return currentNick;
    },
    get id() {
      return currentId;
    },
    get rooms() {
      return wanted;
    },
    get maxTextBytes() {
      return textLimit;
    },

    async start() {
      for (const room of options.rooms?.length ? options.rooms : [DEFAULT_ROOM]) wanted.add(roomKey(room));
      setState({ kind: 'connecting' });
      try {
        await connectUntilOnline(undefined);
      } catch (err) {
        quitting = true;
        link?.destroy();
        setState({ kind: 'closed' });
        throw err;
      }
    },

    say(room, text, sayOptions = {}) {
      return new Promise((resolve) => {
        if (quitting) return resolve({ ok: false, ...errorOf(QUIT) });
        const frame = { type: 'say', room, text, ...(sayOptions.action && { action: true }), ref: makeRef() } as const;
        outgoing.add('say', frame, (reply) => resolve(reply.type === 'message' ? { ok: true, message: reply } : { ok: false, ...errorOf(reply) }));
      });
    },

    request,

    async join(room, key) {
      const name = roomKey(room);
      // Wanted before the answer: the room's recent history may come ahead of it.
      const had = wanted.has(name);
      wanted.add(name);
      const reply = await request({ type: 'join', room: name, ...(key !== undefined && { key }) });
      if (reply.type === 'error' && !had && !joined.has(name)) forget(name);
      if (reply.type === 'joined' && key !== undefined) keys.set(name, key);
      return reply;
    },

    async part(room) {
      const name = roomKey(room);
      const reply = await request({ type: 'part', room: name });
      if (reply.type === 'left') forget(name);
      return reply;
    },

    async setNick(nick) {
      const reply = await request({ type: 'nick', nick });
      if (reply.type === 'nick') wantedNick = reply.nick;
      return reply;
    },

    retryNow() {
      wake?.();
    },

    async quit(reason) {
      if (quitting) return;
      quitting = true;
      wake?.();
      abortOpening?.('quit while connecting');
      const leaving = link;
      if (leaving) {
        leaving.send({ type: 'quit', ...(reason && { reason }) });
        await new Promise<void>((resolve) => {
          const stop = clock.after(timing.quitTimeoutMs, resolve);
          quitDone = () => {
            stop();
            resolve();
          };
        });
        leaving.destroy();
      }
      stopWatching();
      outgoing.closeAll(QUIT);
      setState({ kind: 'closed' });
    },
  };
}
