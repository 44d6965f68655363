/**
 * @module The typed frames the hub sends. Codecs turn these into text lines or JSON; the field
 * names here are the JSON wire names documented in docs/protocol.md.
 */
import type { ErrorCode } from './errors.js';

/** A client-chosen correlation token echoed on the answer to the frame that carried it. */
export type Ref = string | number;

export type LeftReason = 'left' | 'quit' | 'disconnected' | 'slow_reader' | 'kicked' | 'shutdown';

export interface Member {
  id: number;
  nick: string;
}

export type LeftMember = Member & { reason: LeftReason };

export interface RoomMessage {
  room: string;
  seq: number;
  from: string;
  fromId: number;
  text: string;
  ts: number;
  /** A `/me` action rather than a plain line. */
  action?: true;
}

export interface HelpEntry {
  command: string;
  syntax: string;
  help: string;
}

/** A room message on the wire; `history` marks one sent from storage rather than live. */
export type MessageEvent = { type: 'message'; ref?: Ref; history?: true } & RoomMessage;

export type ServerEvent =
  | { type: 'welcome'; id: number; nick: string; rooms: string[]; server: string; epoch: string; limits: WelcomeLimits }
  | MessageEvent
  | { type: 'whisper'; from: string; fromId: number; to: string; toId: number; text: string; ts: number; action?: true; ref?: Ref }
  | { type: 'joined'; room: string; nick: string; id: number; ref?: Ref }
  | { type: 'left'; room: string; nick: string; id: number; reason: LeftReason; ref?: Ref }
  /** Others' joins and leaves in a room, gathered over a short window (your own come as joined/left). */
  | { type: 'presence'; room: string; joined: Member[]; left: LeftMember[] }
  | { type: 'nick'; id: number; old: string; nick: string; ref?: Ref }
  | { type: 'who'; room: string; members: Member[]; ref?: Ref }
  | { type: 'rooms'; rooms: { room: string; members: number }[]; ref?: Ref }
  | { type: 'history'; room: string; messages: MessageEvent[]; more: boolean; ref?: Ref }
  | { type: 'resumed'; room: string; complete: boolean; firstSeq?: number; more?: true; reset?: true; ref?: Ref }
  | { type: 'pong'; ref?: Ref }
  | { type: 'help'; commands: HelpEntry[]; ref?: Ref }
  | { type: 'error'; code: ErrorCode; message: string; ref?: Ref }
  | { type: 'bye'; code: ErrorCode | 'quit'; message: string };

/** Limits a client may want to respect up front, sent in `welcome`. */
export interface WelcomeLimits {
  maxTextBytes: number;
  maxLineBytes: number;
  maxRoomsPerConn: number;
}
