/**
 * @module What the page shows, kept from the client engine (src/clients/engine/): conversations
 * (rooms and whisper threads) with their members, unread counts, pending sends and notices, the
 * room directory, and the one notice per outage. The engine does the connecting, resuming,
 * dedupe, pacing and retries; this model only turns what it reports into view state. No DOM:
 * views read it and are told when it changes. A closure, like the engine, for the page's byte
 * budget.
 */
import { counted, describeNotice, describeState } from '../../src/clients/engine/describe.js';
import { createHubClient, type ConnectionState } from '../../src/clients/engine/hub-client.js';
import type { FrameOf, MessageFrame, ServerFrame } from '../../src/clients/server-frames.js';
import { findRow } from '../../src/clients/slash-line.js';
import { leavesByReason, listNames } from '../../src/core/presence-text.js';
import { browserLink } from './browser-link.js';
import { createConversation, type Conversation, type ConversationKind, type NoticeEntry } from './conversation.js';
import { nickKey } from './names.js';
import { SLASH_COMMANDS, parseInput } from './slash-commands.js';

const HISTORY_PAGE = 50;

export interface PageHooks {
  /** Anything the sidebar, header or member list shows may have changed. */
  changed(): void;
  conversationAdded(conversation: Conversation): void;
  conversationRemoved(conversation: Conversation): void;
  /** Online for the first time: `remembered` says whether a stored nick is being used. */
  welcomed(info: { remembered: boolean }): void;
  /** A nick the user asked for is now ours: remember it. */
  nickChosen(nick: string): void;
}

export interface PageModel {
  readonly conversations: ReadonlyMap<string, Conversation>;
  readonly activeId: string;
  readonly active: Conversation | undefined;
  readonly me: { readonly id: number; readonly nick: string };
  readonly serverName: string;
  readonly directory: readonly { room: string; members: number }[];
  readonly connection: ConnectionState;
  start(): void;
  retryNow(): void;
  /** Handles one line from the message box; false when it was not taken (keep the text). */
  submit(line: string): boolean;
  /** Asks for a new nick; resolves with why not (the server's message), or undefined once it is ours. */
  changeNick(nick: string): Promise<string | undefined>;
  /** Joins a room (a keyed one with its key) and shows it. */
  join(room: string, key?: string): void;
  /** Opens (or shows) the whisper thread with a user. */
  openWhisper(nick: string): void;
  /** An operator's kick or ban (for good) of a member of the room on screen. */
  moderate(action: 'kick' | 'ban', id: number): void;
  activate(id: string): void;
  /** Whether the user can see the page; unread counts also grow for the active room while it is hidden. */
  setPageVisible(visible: boolean): void;
  /** Asks for the page of messages before the oldest one held. */
  loadOlder(conversation: Conversation): void;
  refreshDirectory(): void;
}

export function roomConversationId(room: string): string {
  return `room:${room}`;
}

/** The text of an answer that is not the one asked for. */
function refusal(answer: ServerFrame): string {
  return answer.type === 'error' ? answer.message : `unexpected answer "${answer.type}"`;
}

/** `token`: signs in with it on connecting and after every reconnect; its subject is then the nick. */
export function createPageModel(url: string, hooks: PageHooks, rememberedNick: string | undefined, token?: string): PageModel {
  const conversations = new Map<string, Conversation>();
  const dmByPeer = new Map<string, string>();
  let activeId = roomConversationId('lobby');
  let serverName = '';
  let directory: { room: string; members: number }[] = [];
  let connection: ConnectionState = { kind: 'connecting' };
  let pageVisible = true;
  let nextDm = 1;
  /** The nick asked for (remembered, or chosen): messages under it are ours, even from earlier visits. */
  let wantedNick = rememberedNick;
  /** The notice that tells the current outage, rewritten as it goes on. */
  let outage: { conversation: Conversation; notice: NoticeEntry } | undefined;

  const client = createHubClient({
    open: browserLink(url),
    ...(rememberedNick !== undefined && { nick: rememberedNick }),
    ...(token !== undefined && { auth: { token } }),
    handlers: {
      frame: (frame) => frame && onFrame(frame),
      state: onState,
      notice(notice) {
        const room = 'room' in notice ? conversations.get(roomConversationId(notice.room)) : undefined;
        const text = describeNotice(notice);
        if (notice.kind === 'gap') room?.addGapNotice(notice.toSeq + 1, text);
        else {
          if (notice.kind === 'reset') room?.restartNumbering();
          (room ?? active())?.addNotice(text, notice.kind === 'nick-fallback' || notice.kind === 'nick-refused' ? 'info' : 'warning');
        }
        hooks.changed();
      },
    },
  });
  const me = (): { id: number; nick: string } => ({ id: client.id ?? 0, nick: client.nick });
  const active = (): Conversation | undefined => conversations.get(activeId);
  const isSeen = (conversation: Conversation): boolean => pageVisible && conversation.id === activeId;
  ensure(roomConversationId('lobby'), 'room', 'lobby');

  // ---- what the user does ----

  function submit(line: string): boolean {
    const input = parseInput(line);
    const here = active();
    if (!input || !here) return input === undefined;
    if (input.kind === 'invalid') {
      here.addNotice(input.message, 'error');
      return true;
    }
    if (input.kind === 'say' || input.row.name === 'me') {
      // Said while offline, it waits for the connection, shown as sending.
      send(here, input.kind === 'say' ? input.text : input.params.text!, input.kind !== 'say');
      return true;
    }
    if (connection.kind !== 'online') {
      here.addNotice('not connected: try the command again once the connection is back', 'error');
      return false;
    }
    const { room, nick, to, text, command, key } = input.params;
    const name = input.row.name;
    if (name === 'whisper') whisper(ensureDm(to!), text!, false);
    else if (name === 'nick') void changeNick(nick!).then((error) => error && here.addNotice(error, 'error'));
    else if (name === 'join') join(room!, key);
    else if (name === 'part') {
      if (room === undefined && here.kind !== 'room') here.addNotice('this is a whisper thread; name a room: /part <room>', 'error');
      else settle(client.request({ type: 'part', room: room ?? here.name }), (answer) => answer.type === 'left' && onLeft(answer));
    } else if (name === 'who') {
      settle(client.request({ type: 'who', room: room ?? (here.kind === 'room' ? here.name : 'lobby') }), (answer) => {
        if (answer.type !== 'who') return;
        onWho(answer);
        active()?.addNotice(`#${answer.room} has ${counted(answer.members.length, 'member')}: ${answer.members.map((m) => m.nick).join(', ')}`);
      });
    } else if (name === 'rooms') {
      settle(client.request({ type: 'rooms' }), (answer) => {
        if (answer.type !== 'rooms') return;
        directory = answer.rooms;
        active()?.addNotice(`${counted(answer.rooms.length, 'room')}: ${answer.rooms.map((r) => `#${r.room} (${r.members})`).join(', ')}`);
      });
    } else if (name === 'topic') {
      // Answered with the topic as it now stands: shown as everyone else sees a change.
      if (here.kind === 'room') settle(client.request({ type: 'topic', room: here.name, ...input.params }), onFrame);
    } else if (command !== undefined) {
      const spec = findRow(command, SLASH_COMMANDS);
      here.addNotice(spec ? `${spec.syntax} — ${spec.help}` : `no command called /${command}; /help lists them`, spec ? 'info' : 'error');
    } else {
      here.addNotice('Commands (a line without / is said in the current conversation; // sends one that starts with /):');
      for (const spec of SLASH_COMMANDS) here.addNotice(`${spec.syntax} — ${spec.help}`);
    }
    return true;
  }

  async function changeNick(nick: string): Promise<string | undefined> {
    const answer = await client.setNick(nick);
    if (answer.type !== 'nick') return refusal(answer);
    wantedNick = answer.nick;
    hooks.nickChosen(answer.nick);
    onNick(answer);
    hooks.changed();
    return undefined;
  }

  function join(room: string, key?: string): void {
    settle(client.join(room, key), (answer) => {
      if (answer.type !== 'joined') return;
      activate(ensureRoom(answer.room).id);
      requestWho(answer.room);
      refreshDirectory();
    });
  }

  function activate(id: string): void {
    const conversation = conversations.get(id);
    if (!conversation) return;
    activeId = id;
    conversation.unread = 0;
    hooks.changed();
  }

  function loadOlder(conversation: Conversation): void {
    const before = conversation.lowestSeq;
    if (conversation.kind !== 'room' || conversation.older !== 'unknown' || connection.kind !== 'online') return;
    conversation.older = before === undefined || before <= 1 ? 'none' : 'loading';
    hooks.changed();
    if (conversation.older === 'none') return;
    void client.request({ type: 'history', room: conversation.name, before, limit: HISTORY_PAGE }).then((answer) => {
      if (answer.type === 'history') {
        for (const message of answer.messages) addRoomMessage(conversation, message);
        const lowest = conversation.lowestSeq;
        conversation.older = answer.more && lowest !== undefined && lowest > 1 ? 'unknown' : 'none';
      } else {
        // Asked again on the next scroll or click.
        conversation.older = 'unknown';
        conversation.addNotice(`older messages could not be loaded: ${refusal(answer)}`, 'warning');
      }
      hooks.changed();
    });
  }

  function moderate(action: 'kick' | 'ban', id: number): void {
    const here = active();
    // The answer (`kicked`, `ban`) is what everyone else in the room is told: shown the same way.
    if (here) settle(client.request({ type: action, room: here.name, target: `#${id}` }), onFrame);
  }

  function refreshDirectory(): void {
    settle(client.request({ type: 'rooms' }), (answer) => answer.type === 'rooms' && (directory = answer.rooms));
  }

  // ---- sending ----

  /** Says in a room, or whispers in a thread; shown as pending until the server has it. */
  function send(here: Conversation, text: string, action: boolean): void {
    if (here.kind !== 'room') return whisper(here, text, action);
    const pending = here.addPending(text, action);
    void client.say(here.name, text, { action }).then((outcome) => {
      // Delivered: its echo is in the room already, in its place.
      if (outcome.ok) here.remove(pending);
      else here.replace(pending, { ...pending, state: 'failed', error: outcome.message });
      hooks.changed();
    });
  }

  function whisper(thread: Conversation, text: string, action: boolean): void {
    const pending = thread.addPending(text, action);
    activate(thread.id);
    void client.request({ type: 'whisper', to: thread.name, text, ...(action && { action: true }) }).then((answer) => {
      if (answer.type === 'whisper') {
        thread.remove(pending);
        onWhisper(answer);
      } else thread.replace(pending, { ...pending, state: 'failed', error: refusal(answer) });
      hooks.changed();
    });
  }

  /** An answer for `then`; a refusal becomes a notice. */
  function settle(answered: Promise<ServerFrame>, then: (answer: ServerFrame) => unknown): void {
    void answered.then((answer) => {
      if (answer.type === 'error') active()?.addNotice(refusal(answer), 'error');
      else then(answer);
      hooks.changed();
    });
  }

  function requestWho(room: string): void {
    void client.request({ type: 'who', room }).then((answer) => {
      if (answer.type === 'who') onWho(answer);
      hooks.changed();
    });
  }

  // ---- what the engine reports ----

  function onState(state: ConnectionState): void {
    connection = state;
    const text = describeState(state, client.nick, client.rooms);
    if (state.kind === 'online') {
      for (const room of client.rooms) requestWho(room);
      refreshDirectory();
    }
    if (state.kind === 'catching-up') for (const conversation of conversations.values()) conversation.members.clear();
    if (state.kind === 'offline' || state.kind === 'catching-up' || outage) {
      // One notice per outage, rewritten as it goes on, in the conversation that was on screen.
      const here = outage?.conversation ?? active();
      const tone = state.kind === 'online' ? 'info' : 'warning';
      const said = state.kind === 'offline' && state.versionMismatch ? `${text}: reload the page to get the one this server serves` : text!;
      if (here) outage = { conversation: here, notice: outage ? here.replace(outage.notice, { ...outage.notice, text: said, tone }) : here.addNotice(said, tone) };
      if (state.kind === 'online') outage = undefined;
    } else if (text !== undefined) active()?.addNotice(text);
    if (state.kind === 'online' && !state.reconnected) hooks.welcomed({ remembered: wantedNick !== undefined || token !== undefined });
    hooks.changed();
  }

  function onFrame(frame: ServerFrame): void {
    if (frame.type === 'welcome') serverName = frame.server;
    else if (frame.type === 'error') active()?.addNotice(frame.message, 'error');
    else if (frame.type === 'message') addRoomMessage(ensureRoom(frame.room), frame);
    else if (frame.type === 'whisper') onWhisper(frame);
    else if (frame.type === 'joined' && frame.id === client.id) {
      const room = ensureRoom(frame.room);
      room.members.set(frame.id, frame.nick);
      room.topic = frame.topic?.text ?? '';
      if (frame.role === 'operator') room.ops.add(frame.id);
    } else if (frame.type === 'left') onLeft(frame);
    else if (frame.type === 'presence') onPresence(frame);
    else if (frame.type === 'nick') onNick(frame);
    else if ('room' in frame) onRoomNews(frame, conversations.get(roomConversationId(frame.room)));
    hooks.changed();
  }

  /** What a room's operators did, as its members see it. */
  function onRoomNews(frame: ServerFrame, room: Conversation | undefined): void {
    if (!room) return;
    if (frame.type === 'topic') {
      room.topic = frame.topic?.text ?? '';
      room.addNotice(frame.topic ? `${frame.topic.by} set the topic: ${room.topic}` : 'the topic was cleared');
    } else if (frame.type === 'role') {
      if (frame.role === 'operator') room.ops.add(frame.id);
      else room.ops.delete(frame.id);
      room.addNotice(`${frame.nick} is now ${frame.role === 'operator' ? 'an operator' : frame.role} (by ${frame.by})`);
    } else if (frame.type === 'kicked') {
      room.members.delete(frame.id);
      room.ops.delete(frame.id);
      room.addNotice(`${frame.nick} was kicked by ${frame.by}${frame.reason ? ` (${frame.reason})` : ''}`, 'warning');
    } else if (frame.type === 'ban') {
      room.addNotice(`${frame.ban.nick ?? `#${frame.ban.id}`} ${frame.lifted ? 'is no longer banned' : `was banned by ${frame.ban.by}`}`, 'warning');
    }
  }

  function onWho(frame: FrameOf<'who'>): void {
    setMembers(frame.room, frame.members);
    const room = conversations.get(roomConversationId(frame.room));
    if (room) room.topic = frame.topic?.text ?? '';
  }

  /** Live messages, a room's recent history and resume replays (deduplicated by the engine), and pages of older ones. */
  function addRoomMessage(room: Conversation, message: MessageFrame): void {
    const own = isMe(message.fromId, message.from);
    room.addMessage({ kind: 'message', seq: message.seq, from: message.from, fromId: message.fromId, text: message.text, ts: message.ts, action: message.action === true, own });
    // Unread: what came live, and what a resume brings back; not the history shown on joining.
    if (!own && (!message.history || connection.kind === 'catching-up') && !isSeen(room)) room.unread++;
  }

  function onWhisper(frame: FrameOf<'whisper'>): void {
    const own = frame.fromId === client.id;
    const thread = ensureDm(own ? frame.to : frame.from);
    thread.addWhisper({ kind: 'whisper', from: frame.from, to: frame.to, text: frame.text, ts: frame.ts, action: frame.action === true, own });
    if (!own && !isSeen(thread)) thread.unread++;
  }

  /** Our own leaving (others' come in presence notices), or an operator putting us out. */
  function onLeft(frame: FrameOf<'left'>): void {
    const room = conversations.get(roomConversationId(frame.room));
    if (!room || frame.id !== client.id) return;
    conversations.delete(room.id);
    hooks.conversationRemoved(room);
    const next = conversations.get(roomConversationId('lobby')) ?? conversations.values().next().value;
    if (activeId === room.id && next) activate(next.id);
    if (frame.by !== undefined) active()?.addNotice(`you were kicked from #${frame.room} by ${frame.by}${frame.message ? ` (${frame.message})` : ''}`, 'error');
    refreshDirectory();
  }

  function onPresence(frame: FrameOf<'presence'>): void {
    const room = conversations.get(roomConversationId(frame.room));
    if (!room) return;
    const arrived = frame.joined.filter((m) => m.id !== client.id && !room.members.has(m.id));
    for (const m of arrived) room.members.set(m.id, m.nick);
    if (arrived.length > 0) room.addNotice(`${listNames(arrived.map((m) => m.nick))} joined #${frame.room}`);
    const gone = frame.left.filter((m) => room.members.has(m.id));
    for (const m of gone) room.members.delete(m.id);
    for (const [reason, group] of leavesByReason(gone)) {
      room.addNotice(`${listNames(group.map((m) => m.nick))} ${reason === 'left' ? 'left' : `quit (${reason.replace('_', ' ')})`}`);
    }
  }

  function onNick(frame: FrameOf<'nick'>): void {
    const mine = frame.id === client.id;
    const text = mine ? `you are now known as ${frame.nick}` : `${frame.old} is now known as ${frame.nick}`;
    for (const room of conversations.values()) {
      if (!room.members.has(frame.id)) continue;
      room.members.set(frame.id, frame.nick);
      room.addNotice(text);
    }
    const threadId = dmByPeer.get(nickKey(frame.old));
    const thread = threadId === undefined ? undefined : conversations.get(threadId);
    if (thread && !mine) {
      dmByPeer.delete(nickKey(frame.old));
      dmByPeer.set(nickKey(frame.nick), thread.id);
      thread.name = frame.nick;
      thread.addNotice(text);
    }
  }

  // ---- helpers ----

  function setMembers(room: string, members: FrameOf<'who'>['members']): void {
    const conversation = conversations.get(roomConversationId(room));
    if (!conversation) return;
    conversation.members.clear();
    conversation.ops.clear();
    for (const member of members) {
      conversation.members.set(member.id, member.nick);
      if (member.role === 'operator') conversation.ops.add(member.id);
    }
  }

  /**
   * Ours: sent on this connection, or under our nick or the nick we asked for (so our messages
   * replayed after a reconnect or a reload still count as ours).
   */
  function isMe(id: number, nick: string): boolean {
    const key = nickKey(nick);
    return id === client.id || key === nickKey(client.nick) || (wantedNick !== undefined && key === nickKey(wantedNick));
  }

  function ensureRoom(room: string): Conversation {
    return ensure(roomConversationId(room), 'room', room);
  }

  function ensureDm(nick: string): Conversation {
    const key = nickKey(nick);
    const existing = dmByPeer.get(key);
    if (existing !== undefined) return conversations.get(existing)!;
    const id = `dm:${nextDm++}`;
    dmByPeer.set(key, id);
    return ensure(id, 'dm', nick);
  }

  function ensure(id: string, kind: ConversationKind, name: string): Conversation {
    let conversation = conversations.get(id);
    if (!conversation) {
      conversation = createConversation(id, kind, name);
      conversations.set(id, conversation);
      hooks.conversationAdded(conversation);
    }
    return conversation;
  }

  return {
    conversations,
    get activeId() {
      return activeId;
    },
    get active() {
      return active();
    },
    get me() {
      return me();
    },
    get serverName() {
      return serverName;
    },
    get directory() {
      return directory;
    },
    get connection() {
      return connection;
    },
    start: () => void client.start(),
    retryNow: () => client.retryNow(),
    submit,
    changeNick,
    join,
    openWhisper: (nick) => activate(ensureDm(nick).id),
    moderate,
    activate,
    setPageVisible(visible) {
      pageVisible = visible;
      const here = active();
      if (visible && here) here.unread = 0;
      hooks.changed();
    },
    loadOlder,
    refreshDirectory,
  };
}
