/** @module Colours for the chat client: one colour per nick, always the same; none when unwanted. */
import { nickKey } from '../core/names.js';

export interface Style {
  nick(nick: string): string;
  room(room: string): string;
  time(text: string): string;
  notice(text: string): string;
  error(text: string): string;
  whisper(text: string): string;
  /** Replayed history: shown, but quieter than live talk. */
  faded(text: string): string;
}

// Bright and normal foregrounds, minus black and white (one of them is the background).
const NICK_COLOURS = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96] as const;

const RESET = '\u001b[0m';

/** Wraps text in a style; a styled part inside (a nick in a notice) hands back to the outer style. */
function sgr(code: number, text: string): string {
  const open = `\u001b[${code}m`;
  return open + text.replaceAll(RESET, RESET + open) + RESET;
}

/** FNV-1a over the nick's unique form, so "Alice" and "alice" share a colour. */
export function nickColour(nick: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(nickKey(nick), 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return NICK_COLOURS[hash % NICK_COLOURS.length]!;
}

/** NO_COLOR (https://no-color.org) wins; otherwise colours when the terminal has them. */
export function coloursWanted(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && (stream.hasColors?.() ?? false);
}

const PLAIN: Style = {
  nick: (s) => s,
  room: (s) => s,
  time: (s) => s,
  notice: (s) => s,
  error: (s) => s,
  whisper: (s) => s,
  faded: (s) => s,
};

const COLOURED: Style = {
  nick: (s) => sgr(nickColour(s), s),
  room: (s) => sgr(1, s),
  time: (s) => sgr(90, s),
  notice: (s) => sgr(90, s),
  error: (s) => sgr(31, s),
  whisper: (s) => sgr(35, s),
  faded: (s) => sgr(2, s),
};

export function createStyle(colours: boolean): Style {
  return colours ? COLOURED : PLAIN;
}
