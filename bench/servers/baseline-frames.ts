/**
 * @module What the WebSocket baselines (naive ws, uWS, Socket.IO) say and hear: the subset of
 * hubbub's JSON frames the benchmark uses, so every server does the same work per message
 * (parse a say, number it, stamp it, send it to the room). Also the line a baseline prints once
 * it listens, which the coordinator waits for.
 */
import type { MessageEvent } from '../../src/core/events.js';

export interface SayFrame {
  type: 'say';
  room: string;
  text: string;
}

export interface JoinFrame {
  type: 'join';
  room: string;
  ref?: string | number;
}

export type InboundFrame = SayFrame | JoinFrame;

/** hubbub's message frame, without the optional fields the baselines never send. */
export type MessageFrame = Pick<MessageEvent, 'type' | 'room' | 'seq' | 'from' | 'fromId' | 'text' | 'ts'>;

export const LISTENING_PATTERN = /^bench-server listening port=(\d+)$/;

export function announceListening(port: number): void {
  process.stdout.write(`bench-server listening port=${port}\n`);
}

/** Per-room message numbering, as every chat server with history needs. */
export class RoomSeqs {
  private readonly last = new Map<string, number>();

  next(room: string): number {
    const seq = (this.last.get(room) ?? 0) + 1;
    this.last.set(room, seq);
    return seq;
  }
}
