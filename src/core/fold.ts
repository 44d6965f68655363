/**
 * @module The one folding under which names are equal: nicks are unique, and rooms are the same
 * room, under it. Pure and dependency-free, so the server, the terminal client and the page all
 * compare names exactly the same way.
 */

/**
 * Compatibility-normalised and lower-cased: `Alice`, `ALICE` and fullwidth `Ａｌｉｃｅ` are one name,
 * and so are `guest-5` and `guest-５`. Normalised again after lower-casing, because lower-casing
 * can leave a string that is not in normal form; the result is a fixed point (fold(fold(x)) ===
 * fold(x)), which a property test checks.
 */
export function foldName(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFKC');
}
