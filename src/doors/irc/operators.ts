/**
 * @module IRC server operators (`--irc-operators`): who may `OPER`, with which password, and the
 * check itself, which takes the same time whether the name or the password is wrong.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** name → password. */
export type IrcOperators = ReadonlyMap<string, string>;

/** Reads `name:password[,name:password…]`; throws on an entry without both. */
export function parseIrcOperators(text: string): IrcOperators {
  const operators = new Map<string, string>();
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    const colon = entry.indexOf(':');
    const name = entry.slice(0, colon).trim();
    const password = entry.slice(colon + 1);
    if (colon <= 0 || password === '' || /\s/.test(name)) throw new Error('expected name:password pairs, comma-separated (a name without spaces, a password not empty)');
    operators.set(name, password);
  }
  return operators;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Whether `password` is `name`'s. */
export function operatorMatches(operators: IrcOperators, name: string, password: string): boolean {
  const expected = operators.get(name);
  // Compared as digests of equal length, and compared even for an unknown name: no timing tells which was wrong.
  const same = timingSafeEqual(digest(expected ?? ''), digest(password));
  return expected !== undefined && same;
}
