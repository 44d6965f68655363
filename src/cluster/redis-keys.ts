/**
 * @module Every Redis key and channel hubbub uses, named in one place (docs/cluster.md lists them).
 * Everything of one room carries the room as a hash tag (`{room}`), so in a Redis Cluster a room
 * lives on one shard: its script touches one slot, and its channel is a shard channel of that slot.
 */

/** Keys and channel of one room. */
export interface RoomKeys {
  /** String: the room's last assigned seq (INCRBY). Never expires, so a seq is never reused. */
  readonly seq: string;
  /** Stream: the room's history, one entry per message, entry id `<seq>-0`, field `m`. */
  readonly log: string;
  /** Shard channel: every stored batch of the room, with its seqs. */
  readonly channel: string;
  /** Hash: member id → `<nodeId> <nick>`, the room's members on every node. */
  readonly members: string;
  /** String: the room's rules (RoomRules as JSON); absent while they are a new room's. */
  readonly rules: string;
}

/** Room names are validated at the edge (letters, digits, `_`, `-`); a brace would break the hash tag. */
export function roomKeys(room: string): RoomKeys {
  if (room.length === 0 || room.includes('{') || room.includes('}')) throw new Error(`room name unusable as a hash tag: ${JSON.stringify(room)}`);
  const tag = `hubbub:{${room}}`;
  return { seq: `${tag}:seq`, log: `${tag}:log`, channel: `${tag}:room`, members: `${tag}:members`, rules: `${tag}:rules` };
}

/** Pattern matching every room's log (for SCAN during retention). */
export const ROOM_LOG_PATTERN = 'hubbub:{*}:log';

/** String: the epoch naming the cluster's history, set once (SET NX). */
export const EPOCH_KEY = 'hubbub:epoch';

/** String: the serial id counter; nodes lease blocks of ids from it with INCRBY. */
export const IDS_KEY = 'hubbub:ids';

/** String: the node id counter (INCR), so a node id is never reused. */
export const NODE_IDS_KEY = 'hubbub:node-ids';

/** The node table and its channel share a hash tag so one script can update both. */
const NODES_TAG = 'hubbub:{nodes}';

/** Sorted set: live node id → its lease expiry (Redis clock, ms). */
export const NODES_LIVE_KEY = `${NODES_TAG}:live`;

/** Sorted set: expired node id → when a survivor took on its cleanup (Redis clock, ms). */
export const NODES_DEAD_KEY = `${NODES_TAG}:dead`;

/** Shard channel: "this node died, these members left" notices, one per room. */
export const NODES_CHANNEL = `${NODES_TAG}:events`;

/** Shard channel: joins, leaves and nick changes of every node's members, and whispers to another node's session (JSON). */
export const DIRECTORY_CHANNEL = `${NODES_TAG}:directory`;

/** Set: the rooms where a node has members (so a survivor knows where to clean up). */
export function nodeRoomsKey(nodeId: string): string {
  return `hubbub:node:${nodeId}:rooms`;
}

/** Set: the nick keys a node's sessions claimed (so a survivor can release them). */
export function nodeNicksKey(nodeId: string): string {
  return `hubbub:node:${nodeId}:nicks`;
}

/** String: who holds a nick (`<nodeId> <sessionId>`). The key is the folded nick, as `nickKey` makes it. */
export function nickClaimKey(key: string): string {
  return `hubbub:nick:${key}`;
}
