/** @module Which local sessions are in which room. A room exists while it has members. */
import type { Role, RoomMember } from './events.js';
import type { Session } from './session.js';

const NO_MEMBERS: ReadonlySet<Session> = new Set();

export class RoomIndex {
  private readonly rooms = new Map<string, Set<Session>>();

  get size(): number {
    return this.rooms.size;
  }

  members(room: string): ReadonlySet<Session> {
    return this.rooms.get(room) ?? NO_MEMBERS;
  }

  count(room: string): number {
    return this.rooms.get(room)?.size ?? 0;
  }

  /** Adds a member, creating the room. */
  add(session: Session, room: string): void {
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Set()));
    members.add(session);
  }

  /** Removes a member; false if it was not one. A room left empty is dropped. */
  remove(session: Session, room: string): boolean {
    const members = this.rooms.get(room);
    if (!members?.delete(session)) return false;
    if (members.size === 0) this.rooms.delete(room);
    return true;
  }

  /** The room's members, each with its role when it is more than a member. */
  memberList(room: string, roleOf: (session: Session) => Role): RoomMember[] {
    return [...this.members(room)].map((s) => {
      const role = roleOf(s);
      return role === 'member' ? { id: s.id, nick: s.nick } : { id: s.id, nick: s.nick, role };
    });
  }

  /** Rooms with their member counts, sorted by name. */
  list(): { room: string; members: number }[] {
    return [...this.rooms].map(([room, members]) => ({ room, members: members.size })).sort((a, b) => (a.room < b.room ? -1 : 1));
  }

  clear(): void {
    this.rooms.clear();
  }
}
