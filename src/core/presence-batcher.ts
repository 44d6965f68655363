/**
 * @module Join and leave notices, gathered per room over a short window. Notices cost members ×
 * changes: a storm of 10,000 joins into one room would be 50 million of them, so a room's joins and
 * leaves go out as one `presence` event per `presenceBatchMs`, encoded once per codec.
 */
import type { LeftMember, LeftReason, Member } from './events.js';
import type { HubLogger } from './hub-logger.js';
import { Outgoing } from './outgoing.js';
import type { RoomIndex } from './room-index.js';
import type { Scheduler } from './scheduler.js';

/** Joins and leaves in one room not yet announced; one cancels the other for the same session. */
interface Batch {
  joined: Map<number, Member>;
  left: Map<number, LeftMember>;
}

export class PresenceBatcher {
  private readonly batches = new Map<string, Batch>();
  private scheduled = false;

  constructor(
    private readonly rooms: RoomIndex,
    private readonly scheduler: Scheduler,
    private readonly limits: { readonly presenceBatchMs: number; readonly presenceNoticeMaxMembers: number },
    private readonly logger: HubLogger,
  ) {}

  /** Presence notices cost members × changes, so large rooms do not get them. */
  noticesOn(room: string): boolean {
    return this.rooms.count(room) < this.limits.presenceNoticeMaxMembers;
  }

  /** Notes a join (no reason) or a leave of a member (of this node or, in a cluster, another) for the room's next notice. */
  gather(room: string, session: Member, reason?: LeftReason): void {
    let batch = this.batches.get(room);
    if (!batch) this.batches.set(room, (batch = { joined: new Map(), left: new Map() }));
    const member = { id: session.id, nick: session.nick };
    if (reason === undefined) {
      if (!batch.left.delete(session.id)) batch.joined.set(session.id, member);
    } else if (!batch.joined.delete(session.id)) {
      batch.left.set(session.id, { ...member, reason });
    }
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.limits.presenceBatchMs > 0) this.scheduler.later(this.limits.presenceBatchMs, this.sendAll);
    else this.scheduler.soon(this.sendAll);
  }

  /**
   * Sends the room's gathered joins and leaves now, to everyone in it. Anything else said to the
   * room sends them first, so nobody hears from a member before hearing that they joined.
   */
  send(room: string): void {
    const batch = this.batches.get(room);
    if (!batch) return;
    this.batches.delete(room);
    const joined = [...batch.joined.values()];
    const left = [...batch.left.values()];
    if (joined.length + left.length === 0) return;
    // A batch of just your own join tells you nothing your join answer did not.
    const except = left.length === 0 && joined.length === 1 ? joined[0]!.id : undefined;
    const out = new Outgoing({ type: 'presence', room, joined, left });
    for (const member of this.rooms.members(room)) {
      if (member.id !== except) member.deliver(out);
    }
  }

  /** Forgets a room's batch (it has no members left to tell). */
  drop(room: string): void {
    this.batches.delete(room);
  }

  clear(): void {
    this.batches.clear();
  }

  private readonly sendAll = (): void => {
    this.scheduled = false;
    for (const room of [...this.batches.keys()]) {
      try {
        this.send(room);
      } catch (err) {
        // A timer callback: one room's failure must neither reach the process nor hold up the others.
        this.logger.error({ err, room }, 'presence notice failed');
      }
    }
  };
}
