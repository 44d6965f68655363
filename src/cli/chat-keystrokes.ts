/**
 * @module The terminal's input, handed to readline one character per chunk. Node 20's readline
 * inserts every character of a multi-character chunk (a paste, keys arriving together) at the END
 * of the line rather than at the cursor, so pasting into the middle of a line scrambles it; one
 * character at a time, it edits where the cursor is.
 */
import { PassThrough } from 'node:stream';

/** What readline needs from a terminal input: a stream, plus raw mode. */
export type KeystrokeStream = PassThrough & { readonly isTTY: true; readonly isRaw: boolean; setRawMode(mode: boolean): void };

export function keystrokesOf(tty: NodeJS.ReadStream): KeystrokeStream {
  // Object mode: each written string stays its own 'data' event instead of being merged.
  const keys = new PassThrough({ objectMode: true });
  tty.setEncoding('utf8');
  tty.on('data', (chunk: string) => {
    for (const character of chunk) keys.write(character);
  });
  tty.once('end', () => keys.end());
  // EIO when the terminal has gone (a hung-up SSH session): input is over, and readline closes.
  tty.on('error', () => keys.end());
  // readline pauses its input when it closes; the terminal must stop too, or it keeps the process alive.
  keys.on('pause', () => tty.pause());
  keys.on('resume', () => tty.resume());
  return Object.assign(keys, {
    isTTY: true as const,
    get isRaw() {
      return tty.isRaw;
    },
    setRawMode(mode: boolean) {
      tty.setRawMode(mode);
    },
  });
}
