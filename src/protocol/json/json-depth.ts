/** @module How deeply a JSON text nests, found without recursion (a hostile frame may nest thousands deep). */

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * True when `json` opens more than `max` objects or arrays inside one another. Linear and
 * allocation-free; brackets inside strings do not count. A text with at most `max` brackets in all
 * cannot nest deeper, so the common frame is answered by one cheap count.
 */
export function nestsDeeperThan(json: string, max: number): boolean {
  let brackets = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if ((c === OPEN_OBJECT || c === OPEN_ARRAY) && ++brackets > max) return deepestNesting(json) > max;
  }
  return false;
}

function deepestNesting(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) deepest = Math.max(deepest, ++depth);
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return deepest;
}
