/**
 * @module An API key's connection to the hub: a session like any other (the key's bot nick, its
 * own flood bucket, member of the rooms it posts to), whose frames are JSON lines that come back
 * to the HTTP request that sent them, matched by ref. So the HTTP API publishes, pages history and
 * lists members through exactly the code a WebSocket client goes through.
 */
import type { Conn, Disconnect, Door } from '../../core/conn.js';
import { HubError } from '../../core/errors.js';
import type { Hub } from '../../core/hub.js';
import type { Session } from '../../core/session.js';
import { jsonCodec } from '../../protocol/json/json-codec.js';
import type { ServerFrame } from '../../protocol/schema/server-frames.js';

/** The HTTP API's way in: JSON, and no history on connect (it asks for what it wants). */
export const API_DOOR: Door = { name: 'api', codec: jsonCodec, historyOnConnect: false };

type Answer = (frame: ServerFrame) => void;

/** A Conn with no socket: what the hub writes is read back here, frame by frame. */
class ApiConn implements Conn {
  readonly framing = { name: 'api-lines', frame: (payload: string) => Buffer.from(payload + '\n') };
  readonly bufferedBytes = 0;
  readonly waiting = new Map<string, Answer>();
  ended: Disconnect | undefined;

  constructor(readonly remoteAddress: string) {}

  write(bytes: Buffer): void {
    for (const line of bytes.toString('utf8').split('\n')) {
      // The bot also hears its rooms' traffic, which no request waits for.
      if (!line.includes('"ref":"api-')) continue;
      const frame = JSON.parse(line) as ServerFrame;
      const ref = 'ref' in frame ? frame.ref : undefined;
      const answer = typeof ref === 'string' ? this.waiting.get(ref) : undefined;
      if (answer === undefined) continue;
      this.waiting.delete(ref as string);
      answer(frame);
    }
  }

  close(disconnect: Disconnect): void {
    this.ended = disconnect;
    // Whoever still waits is told why the bot's session ended (a flood kick, a shutdown).
    const code = disconnect.code === 'quit' ? 'shutting_down' : disconnect.code;
    for (const answer of this.waiting.values()) answer({ type: 'error', code, message: disconnect.message });
    this.waiting.clear();
  }
}

export class ApiClient {
  private session: Session | undefined;
  private conn: ApiConn | undefined;
  private nextRef = 0;

  constructor(
    private readonly hub: Hub,
    readonly nick: string,
  ) {}

  /** The bot's session, opened (and signed in as its nick) on first use and again after it ended. */
  private open(): { session: Session; conn: ApiConn } {
    if (this.session && this.conn && this.conn.ended === undefined) return { session: this.session, conn: this.conn };
    const conn = new ApiConn(`api:${this.nick}`);
    const session = this.hub.accept(conn, API_DOOR);
    if (!session) throw new HubError(conn.ended?.code === 'quit' || conn.ended === undefined ? 'server_error' : conn.ended.code);
    try {
      // The bot's nick is reserved like a signed-in subject's; the session needs no password.
      const signedIn: unknown = this.hub.signIn(session, { subject: this.nick });
      if (signedIn instanceof Promise) throw new Error('the API expects a hub that signs in at once');
    } catch (err) {
      this.hub.quit(session);
      throw err;
    }
    // A bot kicked for flooding comes back with the bucket it was kicked with, not a full one:
    // otherwise every kick would buy the key another burst.
    if (this.session) Object.assign(session, { tokens: this.session.tokens, lastRefill: this.session.lastRefill });
    this.session = session;
    this.conn = conn;
    return { session, conn };
  }

  /**
   * Puts the bot in `room` (a folded name) to post there; resolves with the refusal, if any. At the
   * room cap it first leaves the room it posted to longest ago, so a key that posts to many rooms
   * never sticks at the cap (lobby included: the bot needs none of its rooms but the one it posts to).
   */
  enter(room: string): Promise<ServerFrame | undefined> {
    const { session } = this.open();
    if (session.rooms.has(room)) {
      session.rooms.touch(room);
      return Promise.resolve(undefined);
    }
    const oldest = session.rooms.size >= this.hub.limits.maxRoomsPerConn ? session.rooms.list()[0] : undefined;
    const parted = oldest === undefined ? Promise.resolve(undefined) : this.request({ type: 'part', room: oldest });
    return parted.then(() => this.request({ type: 'join', room })).then((joined) => (joined.type === 'error' ? joined : undefined));
  }

  /** Sends one client frame as the bot and resolves with the frame that answers it. */
  request(frame: Record<string, unknown>): Promise<ServerFrame> {
    const { session, conn } = this.open();
    const ref = `api-${++this.nextRef}`;
    return new Promise((resolve) => {
      conn.waiting.set(ref, resolve);
      this.hub.receive(session, JSON.stringify({ ...frame, ref }));
    });
  }
}
