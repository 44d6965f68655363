/**
 * @module The chat session behind the page: one reconnecting WebSocket, the conversations and their
 * members, and every command the page can give. It knows nothing of the DOM; views read its state
 * and are told when it changes.
 */
import { Conversation, type ConversationKind } from './conversation.js';
import { nickKey, roomKey } from './names.js';
import { ReconnectingSocket, type SocketState } from './reconnecting-socket.js';
import { findRow } from '../../src/clients/slash-line.js';
import { SLASH_COMMANDS, parseInput } from './slash-commands.js';
import type { Member } from '../../src/protocol/schema/fields.js';
import type { ClientFrame } from '../../src/protocol/schema/client-frames.js';
import type { FrameOf, MessageFrame, Ref, ServerFrame } from '../../src/clients/server-frames.js';

const HISTORY_PAGE = 50;
/** Catching up after a replay that stopped short asks for this many at a time (the server caps it). */
const CATCH_UP_PAGE = 200;
/** An application-level ping: browsers can take minutes to notice a connection that silently died. */
const PING_INTERVAL_MS = 20_000;
/** After a reconnect the server may not yet have noticed our old connection, which still holds the nick. */
const NICK_RETRIES = 3;
const NICK_RETRY_MS = 1_000;

export interface ClientHooks {
  /** Anything the sidebar, header or member list shows may have changed. */
  changed(): void;
  conversationAdded(conversation: Conversation): void;
  conversationRemoved(conversation: Conversation): void;
  /** The first welcome of this page: `remembered` says whether a stored nick is being reclaimed. */
  welcomed(info: { server: string; nick: string; remembered: boolean }): void;
  /** A nick the user asked for is now ours: remember it. */
  nickChosen(nick: string): void;
}

export interface ServerError {
  code: string;
  message: string;
}

interface ReplyHandler {
  onReply?(frame: ServerFrame): void;
  onError?(error: ServerError): void;
}

const LOST: ServerError = { code: 'connection_lost', message: 'the connection was lost before the server answered' };

export function roomConversationId(room: string): string {
  return `room:${room}`;
}

export class ChatClient {
  readonly conversations = new Map<string, Conversation>();
  activeId = roomConversationId('lobby');
  me = { id: 0, nick: '' };
  serverName = '';
  directory: { room: string; members: number }[] = [];
  connection: SocketState = { kind: 'connecting', attempt: 0 };
  /** Whether the user can see the page; unread counts also grow for the active room while it is hidden. */
  pageVisible = true;

  private readonly socket: ReconnectingSocket;
  private readonly replies = new Map<Ref, ReplyHandler>();
  /** say/whisper refs awaiting their echo, to the conversation holding the pending entry. */
  private readonly pendingRefs = new Map<Ref, string>();
  private readonly dmByPeer = new Map<string, string>();
  private nextRef = 1;
  private nextDm = 1;
  private connectionCount = 0;
  /** The server history (store) our seqs belong to, from the welcome they were seen under. */
  private epoch: string | undefined;
  private desiredNick: string | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pingUnanswered = false;

  constructor(
    url: string,
    private readonly hooks: ClientHooks,
    rememberedNick: string | undefined,
  ) {
    this.desiredNick = rememberedNick;
    this.socket = new ReconnectingSocket(url, {
      onFrame: (frame) => this.onFrame(frame),
      onClose: () => this.onClose(),
      onMismatch: (reason) => this.active?.addNotice(`${reason}: reload the page to get the one this server serves`, 'error'),
      onState: (state) => {
        this.connection = state;
        this.hooks.changed();
      },
    });
  }

  start(): void {
    this.socket.start();
  }

  retryNow(): void {
    this.socket.retryNow();
  }

  get active(): Conversation | undefined {
    return this.conversations.get(this.activeId);
  }

  // ---- what the user does ----

  /** Handles one line from the message box; false when it could not be sent (keep the text). */
  submit(line: string): boolean {
    const input = parseInput(line);
    const here = this.active;
    if (!input || !here) return input === undefined;
    if (input.kind === 'invalid') {
      here.addNotice(input.message, 'error');
      return true;
    }
    const { room, nick, to, text, command } = input.kind === 'say' ? { text: input.text } : input.params;
    const name = input.kind === 'say' ? 'say' : input.row.name;
    switch (name) {
      case 'say':
      case 'me':
        return here.kind === 'room' ? this.say(here, text!, name === 'me') : this.whisper(here.name, text!, name === 'me');
      case 'whisper':
        return this.whisper(to!, text!, false);
      case 'nick':
        return this.changeNick(nick!, (error) => here.addNotice(error.message, 'error'));
      case 'join':
        return this.join(room!);
      case 'part': {
        const leaving = room ?? (here.kind === 'room' ? here.name : undefined);
        if (leaving === undefined) {
          here.addNotice('this is a whisper thread; name a room: /part <room>', 'error');
          return true;
        }
        return this.part(leaving);
      }
      case 'who':
        return this.who(room ?? (here.kind === 'room' ? here.name : 'lobby'));
      case 'rooms':
        return this.request({ type: 'rooms', ref: this.ref() }, { onReply: () => this.noticeRooms() });
      default:
        this.help(command);
        return true;
    }
  }

  /** Asks for a new nick; `onError` hears why not (the server's message). */
  changeNick(nick: string, onError: (error: ServerError) => void, onDone?: () => void): boolean {
    return this.request(
      { type: 'nick', nick, ref: this.ref() },
      {
        onReply: (frame) => {
          if (frame.type !== 'nick') return;
          this.desiredNick = frame.nick;
          this.hooks.nickChosen(frame.nick);
          onDone?.();
        },
        onError,
      },
    );
  }

  join(room: string): boolean {
    return this.request(
      { type: 'join', room, ref: this.ref() },
      {
        onReply: (frame) => {
          if (frame.type !== 'joined') return;
          this.activate(roomConversationId(frame.room));
          this.requestWho(frame.room);
          this.refreshDirectory();
        },
      },
    );
  }

  part(room: string): boolean {
    return this.request({ type: 'part', room, ref: this.ref() }, { onReply: () => this.refreshDirectory() });
  }

  /** Opens (or shows) the whisper thread with a user. */
  openWhisper(nick: string): void {
    this.activate(this.ensureDm(nick).id);
  }

  closeWhisper(conversation: Conversation): void {
    this.dmByPeer.delete(nickKey(conversation.name));
    this.removeConversation(conversation);
  }

  activate(id: string): void {
    const conversation = this.conversations.get(id);
    if (!conversation) return;
    this.activeId = id;
    conversation.unread = 0;
    this.hooks.changed();
  }

  setPageVisible(visible: boolean): void {
    this.pageVisible = visible;
    const active = this.active;
    if (visible && active) active.unread = 0;
    this.hooks.changed();
  }

  /** Asks for the page of messages before the oldest one held. */
  loadOlder(conversation: Conversation): void {
    const before = conversation.lowestSeq;
    if (conversation.kind !== 'room' || conversation.older !== 'unknown') return;
    if (before === undefined || before <= 1) {
      conversation.older = 'none';
      this.hooks.changed();
      return;
    }
    const sent = this.request(
      { type: 'history', room: conversation.name, before, limit: HISTORY_PAGE, ref: this.ref() },
      {
        onReply: (frame) => {
          if (frame.type !== 'history') return;
          for (const message of frame.messages) this.addRoomMessage(conversation, message, 'page');
          const lowest = conversation.lowestSeq;
          conversation.older = frame.more && lowest !== undefined && lowest > 1 ? 'unknown' : 'none';
          this.hooks.changed();
        },
        onError: (error) => {
          conversation.older = error === LOST ? 'unknown' : 'none';
          if (error !== LOST) conversation.addNotice(`older messages are not available: ${error.message}`, 'warning');
          this.hooks.changed();
        },
      },
    );
    if (sent) {
      conversation.older = 'loading';
      this.hooks.changed();
    }
  }

  /** Sends a refused or unconfirmed message again. */
  retry(conversation: Conversation, ref: string): void {
    const entry = conversation.takePending(ref);
    this.pendingRefs.delete(ref);
    if (!entry) return;
    const sent = conversation.kind === 'room' ? this.say(conversation, entry.text, entry.action) : this.whisper(conversation.name, entry.text, entry.action);
    if (!sent) conversation.addPending({ ...entry, state: 'failed', error: 'not connected' });
  }

  private say(room: Conversation, text: string, action: boolean): boolean {
    const ref = this.ref();
    const sent = this.socket.send({ type: 'say', room: room.name, text, ref, ...(action && { action: true as const }) });
    if (!sent) return this.notConnected(room);
    this.pendingRefs.set(ref, room.id);
    room.addPending({ kind: 'pending', ref, text, action, ts: Date.now(), state: 'sending', connection: this.connectionCount });
    return true;
  }

  private whisper(to: string, text: string, action: boolean): boolean {
    const thread = this.ensureDm(to);
    const ref = this.ref();
    const sent = this.socket.send({ type: 'whisper', to, text, ref, ...(action && { action: true as const }) });
    if (!sent) return this.notConnected(thread);
    this.pendingRefs.set(ref, thread.id);
    thread.addPending({ kind: 'pending', ref, text, action, ts: Date.now(), state: 'sending', connection: this.connectionCount });
    this.activate(thread.id);
    return true;
  }

  private who(room: string): boolean {
    return this.request(
      { type: 'who', room, ref: this.ref() },
      {
        onReply: (frame) => {
          if (frame.type !== 'who') return;
          const names = frame.members.map((m) => m.nick).join(', ');
          this.active?.addNotice(`#${frame.room} has ${frame.members.length} member${frame.members.length === 1 ? '' : 's'}: ${names}`);
        },
      },
    );
  }

  private help(command: string | undefined): void {
    const here = this.active;
    if (!here) return;
    if (command !== undefined) {
      const spec = findRow(command, SLASH_COMMANDS);
      here.addNotice(spec ? `${spec.syntax} — ${spec.help}` : `no command called /${command}; /help lists them`, spec ? 'info' : 'error');
      return;
    }
    here.addNotice('Commands (a line without / is said in the current conversation; // sends one that starts with /):');
    for (const spec of SLASH_COMMANDS) here.addNotice(`${spec.syntax} — ${spec.help}`);
  }

  private noticeRooms(): void {
    const list = this.directory.map((r) => `#${r.room} (${r.members})`).join(', ');
    this.active?.addNotice(`${this.directory.length} room${this.directory.length === 1 ? '' : 's'}: ${list}`);
  }

  refreshDirectory(): void {
    this.request({ type: 'rooms', ref: this.ref() }, {});
  }

  private notConnected(conversation: Conversation): boolean {
    conversation.addNotice('not connected: your message was kept in the box; send it again once the connection is back', 'error');
    return false;
  }

  // ---- frames from the server ----

  private onFrame(frame: ServerFrame): void {
    if (frame.type === 'welcome') this.onWelcome(frame);
    else if (frame.type === 'error') this.onError(frame);
    else if (frame.type === 'message') this.onMessage(frame);
    else if (frame.type === 'whisper') this.onWhisper(frame);
    else if (frame.type === 'joined') this.onJoined(frame);
    else if (frame.type === 'left') this.onLeft(frame);
    else if (frame.type === 'presence') this.onPresence(frame);
    else if (frame.type === 'nick') this.onNick(frame);
    else if (frame.type === 'who') this.setMembers(frame.room, frame.members);
    else if (frame.type === 'rooms') this.directory = frame.rooms;
    else if (frame.type === 'pong') this.pingUnanswered = false;
    else if (frame.type === 'resumed') this.onResumed(frame);
    else if (frame.type === 'bye') this.active?.addNotice(`the server closed the connection: ${frame.message}`, 'warning');
    else if (frame.type === 'history' && frame.ref === undefined) this.onJoinHistory(frame);
    // Other history frames answer loadOlder and catch-ups, through their ref.
    const ref = 'ref' in frame ? frame.ref : undefined;
    if (ref !== undefined && frame.type !== 'error') {
      const handler = this.replies.get(ref);
      this.replies.delete(ref);
      handler?.onReply?.(frame);
    }
    this.hooks.changed();
  }

  private onWelcome(frame: FrameOf<'welcome'>): void {
    const first = this.connectionCount === 0;
    this.connectionCount++;
    this.me = { id: frame.id, nick: frame.nick };
    this.serverName = frame.server;
    this.socket.markHealthy();
    this.startPinging();
    // The nick goes first, so that the replies to what follows already carry it.
    if (this.desiredNick !== undefined && nickKey(this.desiredNick) !== nickKey(frame.nick)) this.reclaimNick(this.desiredNick, 0);
    if (first) {
      this.epoch = frame.epoch;
      for (const room of frame.rooms) this.ensureRoom(room);
      this.active?.addNotice(`Welcome to ${frame.server}! You are ${frame.nick}. Type /help for the commands.`);
      // A JSON connection starts in its rooms without their history: a fresh page asks for it.
      for (const room of frame.rooms) {
        this.requestWho(room);
        this.loadLatest(this.ensureRoom(room));
      }
      this.hooks.welcomed({ server: frame.server, nick: frame.nick, remembered: this.desiredNick !== undefined });
    } else {
      this.active?.addNotice(`reconnected as connection #${frame.id}; catching up…`);
      this.resumeRooms(frame);
    }
    this.refreshDirectory();
  }

  /**
   * After a reconnect: back into every room this page shows, replaying what was missed from the
   * last seq seen. A room the server put us in that the user had left is left again.
   */
  private resumeRooms(welcome: FrameOf<'welcome'>): void {
    const rooms = [...this.conversations.values()].filter((c) => c.kind === 'room');
    // Another store (a restart that lost its history): our seqs mean nothing there. The server
    // answers a resume under the old epoch with `reset` and the rooms' recent messages.
    const historyLost = this.epoch !== undefined && welcome.epoch !== undefined && welcome.epoch !== this.epoch;
    const from: Record<string, number> = {};
    for (const room of rooms) {
      from[room.name] = room.synced;
      room.resumingFrom = room.synced;
      room.members.clear();
      if (historyLost) this.renumber(room);
    }
    if (rooms.length > 0) {
      const epoch = this.epoch;
      this.request(
        { type: 'resume', rooms: from, ...(epoch !== undefined && { epoch }), ref: this.ref() },
        { onError: (error) => this.resumeRefused(rooms, error) },
      );
    }
    this.epoch = welcome.epoch;
    for (const room of welcome.rooms) {
      if (!this.conversations.has(roomConversationId(room))) this.request({ type: 'part', room, ref: this.ref() }, { onError: () => {} });
    }
    for (const room of rooms) this.requestWho(room.name);
  }

  /** A server without resume: rejoin, and say plainly that the gap could not be filled. */
  private resumeRefused(rooms: Conversation[], error: ServerError): void {
    if (error === LOST) return;
    for (const room of rooms) {
      room.resumingFrom = undefined;
      room.addNotice(`could not catch up (${error.message}); messages sent while you were away are not shown`, 'warning');
      this.failUnconfirmed(room);
      this.request({ type: 'join', room: room.name, ref: this.ref() }, { onReply: () => this.requestWho(room.name) });
    }
  }

  private onResumed(frame: FrameOf<'resumed'>): void {
    const room = this.conversations.get(roomConversationId(frame.room));
    if (!room || room.resumingFrom === undefined) return;
    const from = room.resumingFrom;
    if (frame.reset) {
      // Renumbered already when the welcome or the first replayed message showed it; from is then 0.
      if (from > 0) this.renumber(room);
    } else if (!frame.complete) {
      const first = frame.firstSeq;
      if (first !== undefined && first > from + 1) {
        room.addGapNotice(first, `messages ${from + 1}–${first - 1} of #${room.name} could not be recovered: the server no longer stores them`);
      } else {
        room.addNotice(`some messages of #${room.name} could not be recovered`, 'warning');
      }
    }
    if (frame.more) this.catchUp(room, Math.max(from, (frame.firstSeq ?? 0) - 1));
    else this.resumeDone(room);
  }

  /** The replay stopped short of live: page forwards from the last message held in a row. */
  private catchUp(room: Conversation, after: number): void {
    const cursor = room.contiguousFrom(after);
    this.request(
      { type: 'history', room: room.name, after: cursor, limit: CATCH_UP_PAGE, ref: this.ref() },
      {
        onReply: (frame) => {
          if (frame.type !== 'history' || room.resumingFrom === undefined) return;
          for (const message of frame.messages) this.addRoomMessage(room, message, 'replay');
          const last = frame.messages.at(-1)?.seq;
          if (frame.more && last !== undefined) this.catchUp(room, last);
          else this.resumeDone(room);
        },
        onError: (error) => {
          if (error === LOST) return;
          room.addNotice(`could not fetch everything missed in #${room.name}: ${error.message}`, 'warning');
          this.resumeDone(room);
        },
      },
    );
  }

  private resumeDone(room: Conversation): void {
    room.resumingFrom = undefined;
    room.synced = Math.max(room.synced, room.highestSeq);
    this.failUnconfirmed(room);
  }

  /** The room's seqs start again (the server's history was lost): keep what is shown, say so. */
  private renumber(room: Conversation): void {
    room.restartNumbering();
    if (room.resumingFrom !== undefined) room.resumingFrom = 0;
    room.addNotice(`the server no longer has the history of #${room.name}: what follows starts afresh`, 'warning');
  }

  /** The room's most recent messages, for a room entered without them. */
  private loadLatest(room: Conversation): void {
    this.request(
      { type: 'history', room: room.name, limit: HISTORY_PAGE, ref: this.ref() },
      {
        onReply: (frame) => {
          if (frame.type !== 'history') return;
          for (const message of frame.messages) this.addRoomMessage(room, message, 'replay');
          if (!frame.more) room.older = 'none';
        },
        onError: () => {},
      },
    );
  }

  /** Pending sends from an earlier connection that the replay did not contain were not delivered. */
  private failUnconfirmed(conversation: Conversation): void {
    for (const entry of conversation.pending()) {
      if (entry.state === 'sending' && entry.connection < this.connectionCount) {
        this.pendingRefs.delete(entry.ref);
        conversation.failPending(entry.ref, 'not delivered: the connection was lost');
      }
    }
  }

  /** A room's recent history, sent after joining it: replayed messages, and whether older ones exist. */
  private onJoinHistory(frame: FrameOf<'history'>): void {
    const room = this.conversations.get(roomConversationId(frame.room));
    if (!room) return;
    for (const message of frame.messages) this.addRoomMessage(room, message, 'replay');
    if (!frame.more) room.older = 'none';
  }

  private onMessage(frame: FrameOf<'message'>): void {
    const room = this.conversations.get(roomConversationId(frame.room));
    if (room) this.addRoomMessage(room, frame, frame.history ? 'replay' : 'live');
  }

  /** `live` and `replay` (join backlog, resume) come as message frames; `page` from loadOlder. */
  private addRoomMessage(room: Conversation, message: MessageFrame, source: 'live' | 'replay' | 'page'): void {
    // A live message is newer than anything held, and a resume replays only what is newer than its
    // start: anything else means the server counts this room's seqs afresh (its history was lost).
    const resuming = room.resumingFrom !== undefined;
    if ((source === 'live' || (source === 'replay' && resuming)) && message.seq <= (room.resumingFrom ?? room.synced)) {
      this.renumber(room);
    }
    const own = this.isMe(message.fromId, message.from);
    if (message.ref !== undefined) this.settle(message.ref);
    else if (own && source === 'replay') this.settleReplayed(room, message.text);
    const added = room.addMessage({
      kind: 'message',
      seq: message.seq,
      from: message.from,
      fromId: message.fromId,
      text: message.text,
      ts: message.ts,
      action: message.action === true,
      own,
    });
    if (source !== 'page' && room.resumingFrom === undefined) room.synced = Math.max(room.synced, message.seq);
    if (!added || own) return;
    const missed = source === 'live' || (room.resumingFrom !== undefined && message.seq > room.resumingFrom);
    if (missed && !this.isSeen(room)) room.unread++;
  }

  private onWhisper(frame: FrameOf<'whisper'>): void {
    const own = frame.fromId === this.me.id;
    const thread = this.ensureDm(own ? frame.to : frame.from);
    if (frame.ref !== undefined) this.settle(frame.ref);
    thread.addWhisper({ kind: 'whisper', from: frame.from, to: frame.to, text: frame.text, ts: frame.ts, action: frame.action === true, own });
    if (!own && !this.isSeen(thread)) thread.unread++;
  }

  /** Our own join (others' come in presence notices). */
  private onJoined(frame: FrameOf<'joined'>): void {
    if (frame.id === this.me.id) this.ensureRoom(frame.room).members.set(frame.id, frame.nick);
  }

  /** Our own leaving (others' come in presence notices). */
  private onLeft(frame: FrameOf<'left'>): void {
    const room = this.conversations.get(roomConversationId(frame.room));
    if (room && frame.id === this.me.id) this.removeConversation(room);
  }

  private onPresence(frame: FrameOf<'presence'>): void {
    const room = this.conversations.get(roomConversationId(frame.room));
    if (!room) return;
    const arrived = frame.joined.filter((m) => m.id !== this.me.id && !room.members.has(m.id));
    for (const m of arrived) room.members.set(m.id, m.nick);
    if (arrived.length > 0) room.addNotice(`${listNames(arrived)} joined #${frame.room}`);
    const gone = frame.left.filter((m) => room.members.has(m.id));
    for (const m of gone) room.members.delete(m.id);
    for (const reason of new Set(gone.map((m) => m.reason))) {
      const who = listNames(gone.filter((m) => m.reason === reason));
      room.addNotice(`${who} ${reason === 'left' ? 'left' : `quit (${reason.replace('_', ' ')})`}`);
    }
  }

  private onNick(frame: FrameOf<'nick'>): void {
    const mine = frame.id === this.me.id;
    if (mine) this.me = { ...this.me, nick: frame.nick };
    const text = mine ? `you are now known as ${frame.nick}` : `${frame.old} is now known as ${frame.nick}`;
    for (const room of this.conversations.values()) {
      if (!room.members.has(frame.id)) continue;
      room.members.set(frame.id, frame.nick);
      room.addNotice(text);
    }
    const threadId = this.dmByPeer.get(nickKey(frame.old));
    const thread = threadId === undefined ? undefined : this.conversations.get(threadId);
    if (thread && !mine) {
      this.dmByPeer.delete(nickKey(frame.old));
      this.dmByPeer.set(nickKey(frame.nick), thread.id);
      thread.name = frame.nick;
      thread.addNotice(text);
    }
  }

  private onError(frame: FrameOf<'error'>): void {
    const error = { code: frame.code, message: frame.message };
    if (frame.ref !== undefined) {
      const pendingIn = this.pendingRefs.get(frame.ref);
      if (pendingIn !== undefined) {
        this.pendingRefs.delete(frame.ref);
        this.conversations.get(pendingIn)?.failPending(String(frame.ref), frame.message);
        return;
      }
      const handler = this.replies.get(frame.ref);
      this.replies.delete(frame.ref);
      if (handler?.onError) {
        handler.onError(error);
        return;
      }
    }
    this.active?.addNotice(frame.message, 'error');
  }

  private onClose(): void {
    this.stopPinging();
    if (this.connectionCount > 0) this.active?.addNotice('connection lost; reconnecting…', 'warning');
    const handlers = [...this.replies.values()];
    this.replies.clear();
    for (const handler of handlers) handler.onError?.(LOST);
    this.hooks.changed();
  }

  // ---- helpers ----

  private reclaimNick(nick: string, attempt: number): void {
    this.request(
      { type: 'nick', nick, ref: this.ref() },
      {
        onError: (error) => {
          if (error.code !== 'nick_taken') {
            this.active?.addNotice(`could not take back the nick ${nick}: ${error.message}`, 'warning');
          } else if (attempt < NICK_RETRIES) {
            setTimeout(() => this.reclaimNick(nick, attempt + 1), NICK_RETRY_MS * (attempt + 1));
          } else if (attempt === NICK_RETRIES) {
            this.active?.addNotice(`${nick} is still taken; using ${nick}-2 for now`, 'warning');
            this.reclaimNick(`${nick}-2`, attempt + 1);
          }
        },
      },
    );
  }

  private requestWho(room: string): void {
    this.request({ type: 'who', room, ref: this.ref() }, { onError: () => {} });
  }

  private setMembers(room: string, members: Member[]): void {
    const conversation = this.conversations.get(roomConversationId(roomKey(room)));
    if (!conversation) return;
    conversation.members.clear();
    for (const member of members) conversation.members.set(member.id, member.nick);
  }

  /** Settles a say/whisper the server answered: its echo (a message or whisper frame) replaces it. */
  private settle(ref: Ref): void {
    const conversationId = this.pendingRefs.get(ref);
    if (conversationId === undefined) return;
    this.pendingRefs.delete(ref);
    this.conversations.get(conversationId)?.takePending(String(ref));
  }

  /** A replayed message of ours (sent just before a connection loss) confirms the pending entry. */
  private settleReplayed(room: Conversation, text: string): void {
    const entry = room.pending().find((e) => e.state === 'sending' && e.connection < this.connectionCount && e.text === text);
    if (!entry) return;
    this.pendingRefs.delete(entry.ref);
    room.takePending(entry.ref);
  }

  /**
   * Ours: sent on this connection, or under our nick or the nick we are reclaiming (so our messages
   * replayed after a reconnect or a reload still count as ours).
   */
  private isMe(id: number, nick: string): boolean {
    const key = nickKey(nick);
    return id === this.me.id || key === nickKey(this.me.nick) || (this.desiredNick !== undefined && key === nickKey(this.desiredNick));
  }

  private isSeen(conversation: Conversation): boolean {
    return this.pageVisible && conversation.id === this.activeId;
  }

  private ensureRoom(room: string): Conversation {
    return this.ensure(roomConversationId(room), 'room', room);
  }

  private ensureDm(nick: string): Conversation {
    const key = nickKey(nick);
    const existing = this.dmByPeer.get(key);
    if (existing !== undefined) return this.conversations.get(existing)!;
    const id = `dm:${this.nextDm++}`;
    this.dmByPeer.set(key, id);
    return this.ensure(id, 'dm', nick);
  }

  private ensure(id: string, kind: ConversationKind, name: string): Conversation {
    let conversation = this.conversations.get(id);
    if (!conversation) {
      conversation = new Conversation(id, kind, name);
      this.conversations.set(id, conversation);
      this.hooks.conversationAdded(conversation);
    }
    return conversation;
  }

  private removeConversation(conversation: Conversation): void {
    this.conversations.delete(conversation.id);
    for (const entry of conversation.pending()) this.pendingRefs.delete(entry.ref);
    this.hooks.conversationRemoved(conversation);
    if (this.activeId === conversation.id) {
      const next = this.conversations.get(roomConversationId('lobby')) ?? this.conversations.values().next().value;
      if (next) this.activate(next.id);
    }
  }

  /** The page's refs are strings; a number in a frame's ref is never one of ours. */
  private ref(): string {
    return `c${this.nextRef++}`;
  }

  /** Sends a frame whose answer (or error) goes to `handler`; false when not connected. */
  private request(frame: ClientFrame & { ref: string }, handler: ReplyHandler): boolean {
    if (!this.socket.send(frame)) {
      this.active?.addNotice('not connected; try again once the connection is back', 'error');
      return false;
    }
    this.replies.set(frame.ref, handler);
    return true;
  }

  private startPinging(): void {
    this.stopPinging();
    this.pingUnanswered = false;
    this.pingTimer = setInterval(() => {
      if (this.pingUnanswered) {
        this.socket.drop();
        return;
      }
      this.pingUnanswered = true;
      this.socket.send({ type: 'ping', ref: this.ref() });
    }, PING_INTERVAL_MS);
  }

  private stopPinging(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }
}

/** Nicks for a notice: the first ten, then how many more. */
function listNames(members: readonly Member[]): string {
  const shown = members.slice(0, 10).map((m) => m.nick).join(', ');
  return members.length > 10 ? `${shown} and ${members.length - 10} more` : shown;
}
