/** @module The frames a client sends, as the wire's schema declares them (src/protocol/schema/client-frames.ts). */
import type { ClientFrame } from '../protocol/schema/client-frames.js';

export type { ClientFrame };

/** A frame whose answer the client waits for; it adds the ref itself. */
export type RequestFrame = Exclude<ClientFrame, { type: 'say' | 'quit' }> extends infer F ? (F extends unknown ? Omit<F, 'ref'> : never) : never;
