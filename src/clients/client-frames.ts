/** @module The frames a client sends (JSON field names as in docs/protocol.md). */
import type { Ref } from './server-frames.js';

export type RequestFrame =
  | { type: 'nick'; nick: string }
  | { type: 'join'; room: string }
  | { type: 'part'; room: string }
  | { type: 'whisper'; to: string; text: string; action?: boolean }
  | { type: 'who'; room?: string }
  | { type: 'rooms' }
  | { type: 'ping' }
  | { type: 'help'; command?: string }
  | { type: 'history'; room: string; before?: number; after?: number; limit?: number }
  | { type: 'resume'; rooms: Record<string, number>; epoch?: string };

export type ClientFrame =
  | (RequestFrame & { ref?: Ref })
  | { type: 'say'; room: string; text: string; action?: boolean; ref?: Ref }
  | { type: 'quit'; reason?: string };
