/**
 * @module The frames a client receives, as a client reads them. A client cannot trust the other end
 * to be the same version as itself, so this is its own declaration of the wire format (see
 * docs/protocol.md), checked on arrival: a frame of an unknown type, or missing a field the client
 * relies on, is reported as unrecognised rather than trusted.
 */

/** A client-chosen correlation token, echoed on the answer to the frame that carried it. */
export type Ref = string | number;

export interface WelcomeFrame {
  type: 'welcome';
  id: number;
  nick: string;
  rooms: string[];
  server: string;
  /** Names the server's message store; seqs from a store with another epoch mean nothing here. */
  epoch?: string;
  limits?: { maxTextBytes?: number; maxLineBytes?: number; maxRoomsPerConn?: number };
}

export interface MessageFrame {
  type: 'message';
  room: string;
  seq: number;
  from: string;
  fromId: number;
  text: string;
  ts: number;
  action?: true;
  ref?: Ref;
  /** Replayed from the room's history (on join, resume), not live. */
  history?: true;
}

export interface WhisperFrame {
  type: 'whisper';
  from: string;
  fromId: number;
  to: string;
  toId: number;
  text: string;
  ts: number;
  action?: true;
  ref?: Ref;
}

export interface JoinedFrame {
  type: 'joined';
  room: string;
  nick: string;
  id: number;
  ref?: Ref;
}

export interface LeftFrame {
  type: 'left';
  room: string;
  nick: string;
  id: number;
  reason: string;
  ref?: Ref;
}

/** Others' joins and leaves in a room, gathered over a short window. */
export interface PresenceFrame {
  type: 'presence';
  room: string;
  joined: { id: number; nick: string }[];
  left: { id: number; nick: string; reason: string }[];
}

export interface NickFrame {
  type: 'nick';
  id: number;
  old: string;
  nick: string;
  ref?: Ref;
}

export interface WhoFrame {
  type: 'who';
  room: string;
  members: { id: number; nick: string }[];
  ref?: Ref;
}

export interface RoomsFrame {
  type: 'rooms';
  rooms: { room: string; members: number }[];
  ref?: Ref;
}

export interface PongFrame {
  type: 'pong';
  ref?: Ref;
}

export interface HelpFrame {
  type: 'help';
  commands: { command: string; syntax: string; help: string }[];
  ref?: Ref;
}

export interface HistoryFrame {
  type: 'history';
  room: string;
  messages: MessageFrame[];
  more: boolean;
  ref?: Ref;
}

/** The end of a room's replay after `resume`; `complete: false` when retention dropped some. */
export interface ResumedFrame {
  type: 'resumed';
  room: string;
  complete: boolean;
  /** With complete:false, the first seq the server still has. */
  firstSeq?: number;
  /** The replay stopped at the server's cap: page on with `history` `after`. */
  more?: boolean;
  /** The client's seqs belong to another store (a new epoch): what followed is the room's recent history, numbered afresh. */
  reset?: boolean;
  ref?: Ref;
}

export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  ref?: Ref;
}

/** The server's last word before it closes the connection. */
export interface ByeFrame {
  type: 'bye';
  code: string;
  message: string;
}

export type ServerFrame =
  | WelcomeFrame
  | MessageFrame
  | WhisperFrame
  | JoinedFrame
  | LeftFrame
  | PresenceFrame
  | NickFrame
  | WhoFrame
  | RoomsFrame
  | PongFrame
  | HelpFrame
  | HistoryFrame
  | ResumedFrame
  | ErrorFrame
  | ByeFrame;

type Kind = 'string' | 'number' | 'boolean' | 'array';

// The fields each frame type must carry for the client to act on it; extra fields are allowed.
const REQUIRED: { readonly [T in ServerFrame['type']]: Readonly<Record<string, Kind>> } = {
  welcome: { id: 'number', nick: 'string', rooms: 'array', server: 'string' },
  message: { room: 'string', seq: 'number', from: 'string', fromId: 'number', text: 'string', ts: 'number' },
  whisper: { from: 'string', to: 'string', text: 'string', ts: 'number' },
  joined: { room: 'string', nick: 'string', id: 'number' },
  left: { room: 'string', nick: 'string', id: 'number' },
  presence: { room: 'string', joined: 'array', left: 'array' },
  nick: { id: 'number', old: 'string', nick: 'string' },
  who: { room: 'string', members: 'array' },
  rooms: { rooms: 'array' },
  pong: {},
  help: { commands: 'array' },
  history: { room: 'string', messages: 'array' },
  resumed: { room: 'string', complete: 'boolean' },
  error: { code: 'string', message: 'string' },
  bye: { code: 'string', message: 'string' },
};

function isMember(value: unknown): boolean {
  const member = value as { id?: unknown; nick?: unknown } | null;
  return typeof member === 'object' && member !== null && typeof member.id === 'number' && typeof member.nick === 'string';
}

function hasKind(value: unknown, kind: Kind): boolean {
  return kind === 'array' ? Array.isArray(value) : typeof value === kind;
}

function isFrameOf(value: Record<string, unknown>): value is Record<string, unknown> & ServerFrame {
  if (typeof value.type !== 'string' || !Object.hasOwn(REQUIRED, value.type)) return false;
  const required = REQUIRED[value.type as ServerFrame['type']];
  return Object.entries(required).every(([field, kind]) => hasKind(value[field], kind));
}

/** A parsed frame, or undefined when the text is not a frame this client recognises. */
export function parseServerFrame(raw: string): ServerFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const frame = value as Record<string, unknown>;
  if (!isFrameOf(frame)) return undefined;
  // A history page is only as good as its weakest message, a presence notice as its weakest member.
  if (frame.type === 'history' && !frame.messages.every((m) => typeof m === 'object' && m !== null && isFrameOf({ ...m, type: 'message' }))) {
    return undefined;
  }
  if (frame.type === 'presence' && ![...frame.joined, ...frame.left].every(isMember)) return undefined;
  return frame;
}
