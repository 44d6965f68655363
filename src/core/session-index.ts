/**
 * @module The sessions this process holds: by id, by nick (folded, so lookalikes are one nick) and
 * counted per remote address and per door.
 */
import { HubError } from './errors.js';
import { nickKey } from './names.js';
import type { Session } from './session.js';

export class SessionIndex {
  private readonly byId = new Map<number, Session>();
  private readonly byNick = new Map<string, Session>();
  private readonly perAddress = new Map<string, number>();

  get size(): number {
    return this.byId.size;
  }

  has(session: Session): boolean {
    return this.byId.get(session.id) === session;
  }

  get(id: number): Session | undefined {
    return this.byId.get(id);
  }

  all(): Session[] {
    return [...this.byId.values()];
  }

  fromAddress(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  /** Connections per door name, for /healthz. */
  byDoor(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const session of this.byId.values()) counts[session.door.name] = (counts[session.door.name] ?? 0) + 1;
    return counts;
  }

  /** Adds a new session under its (guest) nick; throws if the nick is somehow held already. */
  add(session: Session): void {
    const key = nickKey(session.nick);
    const holder = this.byNick.get(key);
    // checkNick keeps guest-<n> (under folding) for connection n, so this cannot happen; if it ever
    // did, the index must not be handed to the newcomer behind the holder's back.
    if (holder) throw new Error(`nick key ${key} of new connection ${session.id} is held by connection ${holder.id}`);
    this.byId.set(session.id, session);
    this.byNick.set(key, session);
    const address = session.conn.remoteAddress;
    this.perAddress.set(address, this.fromAddress(address) + 1);
  }

  /** Removes a session from every index; false if it was not there. */
  remove(session: Session): boolean {
    if (!this.has(session)) return false;
    this.byId.delete(session.id);
    this.releaseNick(session);
    const address = session.conn.remoteAddress;
    const left = this.fromAddress(address) - 1;
    if (left <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, left);
    return true;
  }

  findNick(nick: string): Session | undefined {
    return this.byNick.get(nickKey(nick));
  }

  /** Moves a session to a new nick in the index (throws nick_taken); returns the old nick. */
  rename(session: Session, nick: string): string {
    const key = nickKey(nick);
    const holder = this.byNick.get(key);
    if (holder && holder !== session) throw new HubError('nick_taken', `the nick "${nick}" is already taken`);
    const old = session.nick;
    this.releaseNick(session);
    this.byNick.set(key, session);
    session.nick = nick;
    return old;
  }

  /** Frees the session's nick, only if the index says it is the session's. */
  private releaseNick(session: Session): void {
    const key = nickKey(session.nick);
    if (this.byNick.get(key) === session) this.byNick.delete(key);
  }
}
