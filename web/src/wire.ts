/**
 * @module The JSON frames hubbub speaks on /ws (docs/protocol.md), as the browser client uses them.
 * Kept apart from the server's own types so the page depends only on the documented wire format.
 */

/** Correlation token: the client's refs are strings ("c1", "c2"…); the server echoes them. */
export type Ref = string;

export interface WireMessage {
  room: string;
  seq: number;
  from: string;
  fromId: number;
  text: string;
  ts: number;
  action?: true;
  /** Replayed from the room log (join backlog, resume, history paging) rather than live. */
  history?: true;
  ref?: Ref;
}

export interface Member {
  id: number;
  nick: string;
}

export type ServerFrame =
  | { type: 'welcome'; id: number; nick: string; rooms: string[]; server: string; epoch?: string; limits: { maxTextBytes: number } }
  | ({ type: 'message' } & WireMessage)
  | { type: 'whisper'; from: string; fromId: number; to: string; toId: number; text: string; ts: number; action?: true; ref?: Ref }
  | { type: 'joined'; room: string; nick: string; id: number; ref?: Ref }
  | { type: 'left'; room: string; nick: string; id: number; reason: string; ref?: Ref }
  /** Others' joins and leaves in a room, gathered over a short window. */
  | { type: 'presence'; room: string; joined: Member[]; left: (Member & { reason: string })[] }
  | { type: 'nick'; id: number; old: string; nick: string; ref?: Ref }
  | { type: 'who'; room: string; members: Member[]; ref?: Ref }
  | { type: 'rooms'; rooms: { room: string; members: number }[]; ref?: Ref }
  | { type: 'pong'; ref?: Ref }
  | { type: 'history'; room: string; messages: WireMessage[]; more: boolean; ref?: Ref }
  /** `more`: the replay stopped short of live (page on with history `after`); `reset`: our seqs meant nothing here. */
  | { type: 'resumed'; room: string; complete: boolean; firstSeq?: number; more?: true; reset?: true; ref?: Ref }
  | { type: 'error'; code: string; message: string; ref?: Ref }
  | { type: 'bye'; code: string; message: string };

export type ClientFrame =
  | { type: 'nick'; nick: string; ref: Ref }
  | { type: 'join'; room: string; ref: Ref }
  | { type: 'part'; room: string; ref: Ref }
  | { type: 'say'; room: string; text: string; ref: Ref; action?: true }
  | { type: 'whisper'; to: string; text: string; ref: Ref; action?: true }
  | { type: 'who'; room: string; ref: Ref }
  | { type: 'rooms'; ref: Ref }
  | { type: 'ping'; ref: Ref }
  | { type: 'history'; room: string; before?: number; after?: number; limit?: number; ref: Ref }
  | { type: 'resume'; rooms: Record<string, number>; epoch?: string; ref: Ref };

/**
 * Parses one text frame. Only the envelope is checked: the server is the authority on shapes, and
 * nothing the page renders is ever interpreted as markup, whatever a field holds.
 */
export function parseServerFrame(data: string): ServerFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') return undefined;
  return value as ServerFrame;
}
