/** @module What the IRC door remembers about one connection: registration, capabilities, away, user modes. */
import type { IrcReader } from '../../protocol/irc/format-irc.js';
import type { ChannelModes } from './channel-modes.js';

/** The capabilities a client may request (CAP REQ); none is required. */
export const CAPABILITIES = ['batch', 'draft/chathistory', 'echo-message', 'message-tags', 'server-time'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export class IrcState {
  /** 001 has been sent: the client may use every command. */
  registered = false;
  /** PASS as given, until registration checks it (then forgotten). */
  pass: string | undefined = undefined;
  /** NICK was given (until then numerics are addressed to `*`). */
  nickGiven = false;
  /** USER's user name and real name. */
  user: { readonly username: string; readonly realname: string } | undefined = undefined;
  /** Between CAP LS or REQ and CAP END, registration waits. */
  negotiating = false;
  readonly caps = new Set<Capability>();
  /** The away message, while away. */
  away: string | undefined = undefined;
  /** The operator name it OPERed as; undefined: not a server operator. */
  oper: string | undefined = undefined;
  /** User modes set (i, w, and o once OPERed): kept and reported; hubbub has no global WHO to hide anyone from. */
  readonly modes = new Set<string>();
  /** Each channel's modes as this client was last told them (changes are sent as differences). */
  readonly channelModes = new Map<string, ChannelModes>();

  constructor(readonly id: number) {}

  /** How events are written for this connection. */
  reader(nick: string): IrcReader {
    return {
      id: this.id,
      target: this.nickGiven ? nick : '*',
      registered: this.registered,
      echoMessage: this.caps.has('echo-message'),
      serverTime: this.caps.has('server-time'),
      batch: this.caps.has('batch'),
      messageTags: this.caps.has('message-tags'),
    };
  }
}

/** Every connection's state, by its session: nothing to clean up when the session is gone. */
export class IrcStates {
  private readonly byViewer = new WeakMap<object, IrcState>();

  of(session: { readonly id: number }): IrcState {
    let state = this.byViewer.get(session);
    if (state === undefined) this.byViewer.set(session, (state = new IrcState(session.id)));
    return state;
  }

  /** The state of a session the door has seen, if any (another door's session has none). */
  peek(session: object): IrcState | undefined {
    return this.byViewer.get(session);
  }
}
