/** @module The nick this browser remembers between visits (localStorage; absent when storage is blocked). */

const KEY = 'hubbub.nick';

export function loadNick(): string | undefined {
  try {
    return localStorage.getItem(KEY) ?? undefined;
  } catch {
    // Storage can be disabled (privacy settings, sandboxed frames): the page still works, unremembered.
    return undefined;
  }
}

export function saveNick(nick: string): void {
  try {
    localStorage.setItem(KEY, nick);
  } catch {
    // See loadNick: remembering is a convenience, not a requirement.
  }
}
