/** @module Nicks as the page needs them: the case-insensitive key, and a stable colour per nick. */

import { foldName } from '../../src/core/fold.js';

/** The key under which the server treats nicks as equal: the server's own folding. */
export const nickKey = foldName;

/** As many as app.css defines (.nick-c0 … .nick-c7). */
const NICK_COLOURS = 8;

/** Which of the stylesheet's nick colours a nick gets (FNV-1a of its key): the same nick, the same colour. */
export function nickColour(nick: string): number {
  let hash = 0x811c9dc5;
  for (const char of nickKey(nick)) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0;
  return hash % NICK_COLOURS;
}
