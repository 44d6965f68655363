/**
 * @module How room messages look in Redis. A stored message is a compact JSON array (the same
 * shape as a message in SQLite's chunks), without room and seq: the room is in the key, the seq is
 * the stream entry id. A publication is one JSON array per stored batch:
 * `[firstSeq, origin, message, message, …]`, the i-th message having seq firstSeq + i.
 * What comes from Redis is checked before use: a malformed entry is an error, never a crash.
 */
import type { RoomMessage } from '../core/events.js';
import { withSeq } from '../core/room-log.js';

/** `action` is present (1) only for /me messages. */
type StoredMessage = [from: string, fromId: number, text: string, ts: number, action?: 1];

export function encodeStored(message: Omit<RoomMessage, 'seq' | 'room'>): string {
  const stored: StoredMessage = message.action ? [message.from, message.fromId, message.text, message.ts, 1] : [message.from, message.fromId, message.text, message.ts];
  return JSON.stringify(stored);
}

function fromStored(room: string, seq: number, value: unknown): RoomMessage {
  if (!Array.isArray(value) || value.length < 4 || value.length > 5) throw new Error(`malformed stored message in #${room} at seq ${seq}`);
  const [from, fromId, text, ts, action] = value as unknown[];
  if (typeof from !== 'string' || typeof fromId !== 'number' || typeof text !== 'string' || typeof ts !== 'number' || (action !== undefined && action !== 1)) {
    throw new Error(`malformed stored message in #${room} at seq ${seq}`);
  }
  return withSeq({ room, from, fromId, text, ts, ...(action === 1 ? { action: true } : {}) }, seq);
}

/** A stream entry (`[id, [field, value, …]]`, id `<seq>-0`) as a room message. */
export function decodeEntry(room: string, entry: [id: string, fields: string[]]): RoomMessage {
  const [id, fields] = entry;
  const seq = Number.parseInt(id, 10);
  const at = fields.indexOf('m');
  if (!Number.isSafeInteger(seq) || seq < 1 || at < 0 || at + 1 >= fields.length) throw new Error(`malformed stream entry ${id} in #${room}`);
  return fromStored(room, seq, JSON.parse(fields[at + 1]!));
}

export interface Publication {
  /** The publishing broker and its batch number, so the publisher recognises its own batch. */
  readonly origin: string;
  readonly messages: RoomMessage[];
}

export function decodePublication(room: string, payload: string): Publication {
  const value: unknown = JSON.parse(payload);
  if (!Array.isArray(value) || value.length < 3 || !Number.isSafeInteger(value[0]) || (value[0] as number) < 1 || typeof value[1] !== 'string') {
    throw new Error(`malformed publication in #${room}`);
  }
  const first = value[0] as number;
  return { origin: value[1], messages: value.slice(2).map((stored, i) => fromStored(room, first + i, stored)) };
}
