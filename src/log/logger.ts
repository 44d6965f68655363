/** @module Structured logs: pino, one JSON line per event, to stderr so stdout stays for the address line. */
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'hubbub' } }, pino.destination(2));
}
