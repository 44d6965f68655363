/**
 * @module A room's rules as its operators set them — topic, modes, standing operators, bans — and
 * the pure decisions made from them: may this one join, may this member speak now. Stored with the
 * room (RoomRulesStore); every door (JSON, text, the IRC door's channel modes) sees the same rules.
 */
import type { Ban, Role, Topic } from './events.js';
import { HubError } from './errors.js';
import { BANS_MAX_PER_ROOM } from './limits.js';

export interface RoomRules {
  readonly topic?: Topic;
  /** Only operators set the topic (IRC's +t, on in a new room). */
  readonly topicLocked: boolean;
  /** Only operators and voiced members speak (+m). */
  readonly moderated: boolean;
  /** Joining takes an invitation (+i). */
  readonly inviteOnly: boolean;
  /** Joining takes this key (+k). */
  readonly key?: string;
  /** Most members admitted; 0: no limit (+l). */
  readonly memberLimit: number;
  /** One message per this many seconds per member; 0: off. */
  readonly slowSeconds: number;
  /**
   * Token subjects (folded) who are operators whenever they join: op given to a member whose nick
   * a token reserves stands, because nobody else can ever hold that nick. A guest's op lasts while
   * it stays in the room, as in IRC.
   */
  readonly operators: readonly string[];
  /** Oldest first; expired ones are dropped whenever the rules change. */
  readonly bans: readonly Ban[];
}

export const DEFAULT_RULES: RoomRules = Object.freeze({
  topicLocked: true,
  moderated: false,
  inviteOnly: false,
  memberLimit: 0,
  slowSeconds: 0,
  operators: [],
  bans: [],
});

/** Stored rules read back whatever they hold: fields they lack take a new room's values, so a later version may add some. */
export function parseRules(json: string): RoomRules {
  const stored = JSON.parse(json) as Partial<RoomRules>;
  return { ...DEFAULT_RULES, ...stored };
}

/** Rules that say nothing beyond a new room's: such a room need not be stored at all. */
export function isDefault(rules: RoomRules): boolean {
  return (
    rules.topic === undefined &&
    rules.topicLocked &&
    !rules.moderated &&
    !rules.inviteOnly &&
    rules.key === undefined &&
    rules.memberLimit === 0 &&
    rules.slowSeconds === 0 &&
    rules.operators.length === 0 &&
    rules.bans.length === 0
  );
}

/** Who a ban looks at: a folded nick and a connection id. */
export interface Identity {
  readonly nickKey: string;
  readonly id: number;
}

function inForce(ban: Ban, now: number): boolean {
  return ban.until === undefined || ban.until > now;
}

/** Whether a ban names this nick or connection id (in force or not). */
export function banNames(ban: Ban, who: Identity): boolean {
  return ban.nick === who.nickKey || ban.id === who.id;
}

/** The first ban in force naming this nick or id, if any. */
export function banOf(rules: RoomRules, who: Identity, now: number): Ban | undefined {
  return rules.bans.find((ban) => inForce(ban, now) && banNames(ban, who));
}

export function bansInForce(rules: RoomRules, now: number): Ban[] {
  return rules.bans.filter((ban) => inForce(ban, now));
}

/** Whether two bans name the same target (the same nick, or the same id where neither has a nick). */
function sameTarget(a: Pick<Ban, 'nick' | 'id'>, b: Pick<Ban, 'nick' | 'id'>): boolean {
  return a.nick !== undefined ? a.nick === b.nick : a.id === b.id && b.nick === undefined;
}

/** The rules with `ban` added, replacing one of the same target; expired bans dropped. Throws ban_list_full. */
export function withBan(rules: RoomRules, ban: Ban, now: number): RoomRules {
  const kept = bansInForce(rules, now).filter((b) => !sameTarget(ban, b));
  if (kept.length >= BANS_MAX_PER_ROOM) throw new HubError('ban_list_full', `the room holds ${BANS_MAX_PER_ROOM} bans already; lift one first`);
  return { ...rules, bans: [...kept, ban] };
}

/**
 * The rules without the bans in force that name this nick or id, and those lifted; expired bans
 * dropped. Throws no_such_ban when none names it.
 */
export function withoutBan(rules: RoomRules, target: Pick<Ban, 'nick' | 'id'>, now: number): { rules: RoomRules; lifted: Ban[] } {
  const live = bansInForce(rules, now);
  const lifted = live.filter((b) => (target.nick !== undefined && b.nick === target.nick) || (target.id !== undefined && b.id === target.id));
  if (lifted.length === 0) throw new HubError('no_such_ban');
  return { rules: { ...rules, bans: live.filter((b) => !lifted.includes(b)) }, lifted };
}

/** Someone asking to join, as the rules see them. */
export interface Joiner extends Identity {
  /** Operator by a token's grant: exempt from bans, invite-only, key and limit, as IRC exempts its operators. */
  readonly granted: boolean;
  /** An operator of the room invited this connection. */
  readonly invited: boolean;
  readonly key: string | undefined;
}

function until(ban: Ban): string {
  return ban.until === undefined ? 'for good' : `until ${new Date(ban.until).toISOString()}`;
}

/** The `banned` refusal when a ban in force names this nick or id, unless a token's grant makes them an operator. */
export function banRefusal(room: string, rules: RoomRules, who: Identity & { readonly granted: boolean }, now: number): HubError | undefined {
  const ban = who.granted ? undefined : banOf(rules, who, now);
  return ban && new HubError('banned', `you are banned from #${room} ${until(ban)}${ban.reason ? ` (${ban.reason})` : ''}`);
}

/** Why the rules refuse this joiner, or undefined when they admit them. `members`: how many are in the room now. */
export function joinRefusal(room: string, rules: RoomRules, joiner: Joiner, members: number, now: number): HubError | undefined {
  if (joiner.granted) return undefined;
  const banned = banRefusal(room, rules, joiner, now);
  if (banned) return banned;
  if (rules.inviteOnly && !joiner.invited) return new HubError('invite_only', `#${room} is invite-only; an operator must /invite you`);
  if (rules.key !== undefined && joiner.key !== rules.key) return new HubError('bad_key', `#${room} takes a key, and this is not it: /join ${room} <key>`);
  if (rules.memberLimit > 0 && members >= rules.memberLimit) return new HubError('room_full', `#${room} has reached its limit of ${rules.memberLimit} members`);
  return undefined;
}

/**
 * Why the rules refuse a member's message now, or undefined. `lastSpokeAt`: when the member's last
 * message was accepted (for slow mode), if it spoke since slow mode could count it.
 */
export function speakRefusal(room: string, rules: RoomRules, role: Role, lastSpokeAt: number | undefined, now: number): HubError | undefined {
  if (role === 'operator') return undefined;
  if (rules.moderated && role !== 'voiced') return new HubError('moderated', `#${room} is moderated: only operators and voiced members speak`);
  if (rules.slowSeconds > 0 && lastSpokeAt !== undefined) {
    const waitMs = lastSpokeAt + rules.slowSeconds * 1000 - now;
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      return new HubError('slow_mode', `#${room} is in slow mode: wait ${seconds} s before your next message`);
    }
  }
  return undefined;
}
