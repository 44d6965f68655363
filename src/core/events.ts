/**
 * @module The frames the hub sends, as the core names them. They are declared once, in the wire's
 * schema (src/protocol/schema/server-frames.ts); the core imports only their static types.
 */
import type { MessageFrame, ServerFrame } from '../protocol/schema/server-frames.js';

export type { Ban, LeftMember, LeftReason, Member, Ref, Role, RoomMember, Topic } from '../protocol/schema/fields.js';
export type { HelpEntry, RoomMessage, WelcomeLimits } from '../protocol/schema/server-frames.js';

/** A room message on the wire; `history` marks one sent from storage rather than live. */
export type MessageEvent = MessageFrame;

export type ServerEvent = ServerFrame;
