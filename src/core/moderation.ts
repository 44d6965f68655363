/**
 * @module Running rooms: each room's rules (loaded from the RoomRulesStore while the room has
 * members here), its members' roles, slow-mode clocks and invitations, and what operators do —
 * topic, op/voice, kick, ban, invite, modes — here, and in a cluster what operators of other nodes
 * did (the hub shares each action through the directory). Every door reaches it through the same
 * commands; the decisions themselves are the pure functions of room-rules.ts.
 */
import { andThen, type Awaitable } from './command-hub.js';
import { echo, HubError } from './errors.js';
import type { Ban, Member, Ref, Role, ServerEvent, Topic } from './events.js';
import { BAN_MAX_SECONDS, DEFAULT_ROOM, OPERATORS_MAX_PER_ROOM, SLOW_MAX_SECONDS } from './limits.js';
import { checkAnyNick, checkKey, checkRoomText, nickKey } from './names.js';
import { banNames, banRefusal, bansInForce, DEFAULT_RULES, isDefault, joinRefusal, speakRefusal, withBan, withoutBan, type RoomRules } from './room-rules.js';
import type { RoomRulesStore } from './room-rules-store.js';
import type { Session } from './session.js';

type LeftEvent = Extract<ServerEvent, { type: 'left' }>;
type ModesEvent = Extract<ServerEvent, { type: 'modes' }>;
/** What the whole room is told when an operator acts. */
export type Announcement = Extract<ServerEvent, { type: 'topic' | 'modes' | 'role' | 'kicked' | 'ban' }>;

/** What an operator did in a room, as the room's members on the other nodes of a cluster take it. */
export interface RoomAction {
  /** What the room was told. */
  readonly event: Announcement;
  /** The room's rules after it, when it may have changed them (a kick does not). */
  readonly rules?: RoomRules;
}

/** What moderation needs of the hub. */
export interface ModerationHost {
  /** The room's members on this node. */
  members(room: string): ReadonlySet<Session>;
  /** A connected session by nick, or by `#` and its id. */
  find(target: string): Session | undefined;
  /** A member of the room connected to another node of a cluster, by nick or `#` and its id (none on one node). */
  remoteMember(room: string, target: string): Awaitable<Member | undefined>;
  /**
   * Sends an event to every member of the room here (its gathered presence first); the actor's
   * copy carries `ref`, and reaches it even when it is not a member. No actor: an operator of
   * another node acted.
   */
  announce(room: string, event: Announcement, actor: Session | undefined, ref: Ref | undefined): void;
  /** Tells the room's members on the other nodes of a cluster what an operator did here (nothing to do on one node). */
  share(room: string, action: RoomAction): void;
  reply(session: Session, event: ServerEvent): void;
  /** Takes a member out of a room on an operator's word, telling it `left`; the room hears no presence notice (it is told `kicked`). */
  putOut(session: Session, room: string, left: LeftEvent): void;
  now(): number;
}

/** The changeable modes, as the `slow`, `moderated`, `inviteonly`, `topiclock`, `key` and `limit` commands set them. */
export type ModeChange = Partial<Pick<RoomRules, 'moderated' | 'inviteOnly' | 'topicLocked' | 'memberLimit' | 'slowSeconds'>> & {
  /** A key to set, or "" to remove it. */
  readonly key?: string;
};

/** What the commands may ask of moderation (CommandHub.moderation). */
export interface RoomModeration {
  /** The room's topic, for a member of it. */
  topic(room: string): Topic | undefined;
  /** The session's role in a room it is in. */
  roleOf(session: Session, room: string): Role;
  /** Throws why the room's rules keep this non-member from reading its history: what would refuse it joining (a ban, invite-only, a key). */
  checkMayRead(session: Session, room: string): Awaitable<void>;
  /** The `banned` refusal if a ban of a room the session is in names it under `nick` (a nick it is taking, or its token's subject). */
  bannedAs(session: Session, room: string, nick: string): HubError | undefined;
  setTopic(session: Session, room: string, text: string, ref: Ref | undefined): Awaitable<void>;
  setRole(session: Session, room: string, target: string, role: 'operator' | 'voiced', on: boolean, ref: Ref | undefined): Awaitable<void>;
  kick(session: Session, room: string, target: string, reason: string | undefined, ref: Ref | undefined): Awaitable<void>;
  ban(session: Session, room: string, target: string, seconds: number | undefined, reason: string | undefined, ref: Ref | undefined): Awaitable<void>;
  unban(session: Session, room: string, target: string, ref: Ref | undefined): Awaitable<void>;
  bans(room: string): Ban[];
  invite(session: Session, room: string, target: string, ref: Ref | undefined): void;
  modes(room: string): ModesEvent;
  setModes(session: Session, room: string, change: ModeChange, ref: Ref | undefined): Awaitable<void>;
}

/** One room's moderation state while it has members here. */
interface OpenRoom {
  rules: RoomRules;
  /** The rules are in the store: the room is not new, so its first member does not become its operator. */
  stored: boolean;
  /** Members with a role above `member` given in the room (a token's grant is looked up, not kept). */
  readonly roles: Map<Session, 'operator' | 'voiced'>;
  /**
   * When each connection's last message was accepted, while slow mode is on, by connection id: it
   * outlives a part, so leaving and joining again does not reset the clock.
   */
  readonly spoke: Map<number, number>;
  /** Connection ids an operator invited: the invitation lets them into an invite-only room once. */
  readonly invited: Set<number>;
}

/** A target naming a connection by id: `#42`. */
export const TARGET_ID = /^#(\d{1,15})$/;

function granted(session: Session, room: string): boolean {
  const of = session.grants?.operatorOf;
  return of === 'all' || (of !== undefined && of.has(room));
}

function storeFailed(err: unknown): never {
  if (err instanceof HubError) throw err;
  throw new HubError('store_failed', `the room's rules could not be stored (${echo(String((err as Error)?.message ?? err))}); nothing changed`);
}

/** Calls the store, a synchronous throw or a rejection both read as store_failed. */
function guarded<T>(call: () => Awaitable<T>): Awaitable<T> {
  let result: Awaitable<T>;
  try {
    result = call();
  } catch (err) {
    storeFailed(err);
  }
  return result instanceof Promise ? result.catch(storeFailed) : result;
}

export class Moderation implements RoomModeration {
  private readonly open = new Map<string, OpenRoom>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly store: RoomRulesStore,
    private readonly host: ModerationHost,
  ) {}

  // ---- the hub's side: rooms opening and closing, members coming, going and speaking ----

  /** Loads the room's rules unless a member here has them open already. */
  load(room: string): Awaitable<void> {
    if (this.open.has(room)) return;
    let pending = this.loading.get(room);
    if (!pending) {
      const loaded = guarded(() => this.store.load(room));
      if (!(loaded instanceof Promise)) {
        this.open.set(room, this.opened(loaded));
        return;
      }
      pending = loaded.then(
        (rules) => {
          this.loading.delete(room);
          if (!this.open.has(room)) this.open.set(room, this.opened(rules));
        },
        (err: unknown) => {
          this.loading.delete(room);
          throw err;
        },
      );
      this.loading.set(room, pending);
    }
    return pending;
  }

  private opened(rules: RoomRules | undefined): OpenRoom {
    return { rules: rules ?? DEFAULT_RULES, stored: rules !== undefined, roles: new Map(), spoke: new Map(), invited: new Set() };
  }

  /** Throws the rules' refusal of this session joining a loaded room. `members`: how many are in it now. */
  admit(session: Session, room: string, key: string | undefined, members: number): void {
    const state = this.open.get(room);
    if (!state) return;
    this.refuse(session, room, state.rules, state.invited.has(session.id), key, members);
  }

  checkMayRead(session: Session, room: string): Awaitable<void> {
    const state = this.open.get(room);
    // Nobody here is in the room: its rules are read, not opened (reading takes no seat, so no limit applies).
    if (state) return this.refuse(session, room, state.rules, state.invited.has(session.id), undefined, 0);
    return andThen(guarded(() => this.store.load(room)), (rules) => rules && this.refuse(session, room, rules, false, undefined, 0));
  }

  bannedAs(session: Session, room: string, nick: string): HubError | undefined {
    const state = this.open.get(room);
    return state && banRefusal(room, state.rules, { nickKey: nickKey(nick), id: session.id, granted: granted(session, room) }, this.host.now());
  }

  private refuse(session: Session, room: string, rules: RoomRules, invited: boolean, key: string | undefined, members: number): void {
    // Most rooms refuse nobody: a join storm then costs no folding and no allocation here.
    if (rules.bans.length === 0 && !rules.inviteOnly && rules.key === undefined && rules.memberLimit === 0) return;
    const joiner = { nickKey: nickKey(session.nick), id: session.id, granted: granted(session, room), invited, key };
    const refusal = joinRefusal(room, rules, joiner, members, this.host.now());
    if (refusal) throw refusal;
  }

  /**
   * A member came in: the first member of a room with no stored rules created it and operates it
   * (lobby excepted: it is everyone's, run by granted operators); a token subject the rules name
   * is an operator again; an invitation is used up.
   */
  entered(session: Session, room: string): void {
    const state = this.open.get(room);
    if (!state) return;
    const founder = !state.stored && room !== DEFAULT_ROOM && this.host.members(room).size === 1;
    const standing = session.grants !== undefined && state.rules.operators.includes(nickKey(session.grants.subject));
    if (founder || standing) state.roles.set(session, 'operator');
    state.invited.delete(session.id);
  }

  /** A member went; the room's state goes with its last member here. */
  left(session: Session, room: string, membersLeft: number): void {
    const state = this.open.get(room);
    if (!state) return;
    state.roles.delete(session);
    if (membersLeft === 0) this.open.delete(room);
    // Clocks that have run out no longer count: past twice the members (and a few), they are dropped.
    else if (state.spoke.size > 2 * membersLeft + 16) this.forgetRunOutClocks(state);
  }

  /** Drops a room nobody here is in (a join was refused, or never completed). */
  forget(room: string): void {
    this.open.delete(room);
  }

  /** Throws the rules' refusal of a member's message now; counts it for slow mode when it may go. */
  checkSpeak(session: Session, room: string): void {
    const state = this.open.get(room);
    if (!state) return;
    const { rules } = state;
    if (!rules.moderated && rules.slowSeconds === 0) return;
    const role = this.roleIn(state, session, room);
    const now = this.host.now();
    const refusal = speakRefusal(room, rules, role, state.spoke.get(session.id), now);
    if (refusal) throw refusal;
    if (rules.slowSeconds > 0 && role !== 'operator') state.spoke.set(session.id, now);
  }

  private forgetRunOutClocks(state: OpenRoom): void {
    const since = this.host.now() - state.rules.slowSeconds * 1000;
    for (const [id, at] of state.spoke) if (at <= since) state.spoke.delete(id);
  }

  // ---- what members and operators ask ----

  topic(room: string): Topic | undefined {
    return this.open.get(room)?.rules.topic;
  }

  roleOf(session: Session, room: string): Role {
    const state = this.open.get(room);
    return state ? this.roleIn(state, session, room) : 'member';
  }

  private roleIn(state: OpenRoom, session: Session, room: string): Role {
    return granted(session, room) ? 'operator' : (state.roles.get(session) ?? 'member');
  }

  setTopic(session: Session, room: string, raw: string, ref: Ref | undefined): Awaitable<void> {
    const state = this.stateOf(room);
    if (state.rules.topicLocked && this.roleIn(state, session, room) !== 'operator') {
      throw new HubError('topic_locked', `only operators set the topic of #${room}`);
    }
    const text = checkRoomText(raw, 'a topic');
    const topic = text === '' ? undefined : { text, by: session.nick, ts: this.host.now() };
    return this.change(room, state, { ...state.rules, topic }, () => this.tell(room, { type: 'topic', room, ...(topic && { topic }) }, session, ref, state.rules));
  }

  setRole(session: Session, room: string, target: string, role: 'operator' | 'voiced', on: boolean, ref: Ref | undefined): Awaitable<void> {
    const state = this.operatorState(session, room);
    const member = this.memberOf(room, target);
    // A token subject's op stands in the rules: nobody else can ever hold that nick.
    const subject = role === 'operator' ? member.grants?.subject : undefined;
    let rules = state.rules;
    if (subject !== undefined) {
      const key = nickKey(subject);
      const others = rules.operators.filter((k) => k !== key);
      if (on && others.length >= OPERATORS_MAX_PER_ROOM) throw new HubError('bad_args', `#${room} has ${OPERATORS_MAX_PER_ROOM} standing operators already`);
      rules = { ...rules, operators: on ? [...others, key] : others };
    }
    return this.change(room, state, rules, () => {
      const current = state.roles.get(member);
      if (on) state.roles.set(member, role);
      else if (current === role) state.roles.delete(member);
      const now = this.roleIn(state, member, room);
      this.tell(room, { type: 'role', room, id: member.id, nick: member.nick, role: now, by: session.nick }, session, ref, state.rules);
    });
  }

  /**
   * Puts a member out of the room. One of another node (in a cluster) is put out by its own node
   * when it hears the `kicked` this node shares: every node tells its own members.
   */
  kick(session: Session, room: string, target: string, rawReason: string | undefined, ref: Ref | undefined): Awaitable<void> {
    this.operatorState(session, room);
    const kickReason = (): string => (rawReason === undefined ? '' : checkRoomText(rawReason, 'a kick reason'));
    const member = this.localMember(room, target);
    if (member) return this.putOut(session.nick, session, room, member, kickReason(), ref);
    return andThen(this.host.remoteMember(room, target), (remote) => {
      if (!remote) throw notInRoom(room, target);
      // The lookup took a round trip: the operator may have lost its op or left meanwhile.
      this.operatorState(session, room);
      const reason = kickReason();
      this.tell(room, { type: 'kicked', room, id: remote.id, nick: remote.nick, by: session.nick, ...(reason !== '' && { reason }) }, session, ref);
    });
  }

  /** Puts a member here out of the room on the word of operator `by` (`actor`, when it is connected here). */
  private putOut(by: string, actor: Session | undefined, room: string, member: Session, reason: string, ref: Ref | undefined): void {
    const withReason = reason === '' ? {} : { reason };
    this.host.putOut(member, room, putOutNotice(room, member, by, reason));
    this.tell(room, { type: 'kicked', room, id: member.id, nick: member.nick, by, ...withReason }, actor, ref);
  }

  /** Puts out the members here a new ban names (a token's operators, and whoever set it, excepted): the ban keeps them out. */
  private putOutBanned(room: string, ban: Ban, actor: Session | undefined): void {
    for (const member of [...this.host.members(room)]) {
      if (member !== actor && !granted(member, room) && banNames(ban, { nickKey: nickKey(member.nick), id: member.id })) {
        this.putOut(ban.by, actor, room, member, ban.reason ?? '', undefined);
      }
    }
  }

  ban(session: Session, room: string, target: string, seconds: number | undefined, rawReason: string | undefined, ref: Ref | undefined): Awaitable<void> {
    const state = this.operatorState(session, room);
    if (seconds !== undefined && seconds > BAN_MAX_SECONDS) throw new HubError('bad_field', `a ban lasts at most ${BAN_MAX_SECONDS} seconds; leave the duration out for a ban for good`);
    const reason = rawReason === undefined ? '' : checkRoomText(rawReason, 'a ban reason');
    const now = this.host.now();
    const connected = this.host.find(target);
    const named = connected ? { nick: nickKey(connected.nick), id: connected.id } : this.banTarget(target);
    const ban: Ban = { ...named, by: session.nick, at: now, ...(seconds ? { until: now + seconds * 1000 } : {}), ...(reason !== '' && { reason }) };
    return this.change(room, state, withBan(state.rules, ban, now), () => {
      this.tell(room, { type: 'ban', room, ban }, session, ref, state.rules);
      this.putOutBanned(room, ban, session);
    });
  }

  /** What a ban or unban names when nobody connected answers to it: `#id`, or a nick. */
  private banTarget(target: string): Pick<Ban, 'nick' | 'id'> {
    const id = TARGET_ID.exec(target);
    return id ? { id: Number(id[1]) } : { nick: nickKey(checkAnyNick(target)) };
  }

  unban(session: Session, room: string, target: string, ref: Ref | undefined): Awaitable<void> {
    const state = this.operatorState(session, room);
    const { rules, lifted } = withoutBan(state.rules, this.banTarget(target), this.host.now());
    return this.change(room, state, rules, () => {
      // One answer carries the ref, however many bans (one by nick, one by id) the unban lifted.
      lifted.forEach((ban, i) => this.tell(room, { type: 'ban', room, ban, lifted: true }, session, i === 0 ? ref : undefined, state.rules));
    });
  }

  bans(room: string): Ban[] {
    return bansInForce(this.stateOf(room).rules, this.host.now());
  }

  invite(session: Session, room: string, target: string, ref: Ref | undefined): void {
    const state = this.operatorState(session, room);
    const invitee = this.host.find(target);
    if (!invitee) throw new HubError('no_such_nick', `nobody is called "${echo(target)}"`);
    state.invited.add(invitee.id);
    const event = { type: 'invited', room, id: invitee.id, nick: invitee.nick, by: session.nick } as const;
    if (invitee !== session) this.host.reply(invitee, event);
    this.host.reply(session, ref === undefined ? event : { ...event, ref });
  }

  modes(room: string): ModesEvent {
    const { rules } = this.stateOf(room);
    return {
      type: 'modes',
      room,
      topicLocked: rules.topicLocked,
      moderated: rules.moderated,
      inviteOnly: rules.inviteOnly,
      keyed: rules.key !== undefined,
      memberLimit: rules.memberLimit,
      slowSeconds: rules.slowSeconds,
    };
  }

  setModes(session: Session, room: string, change: ModeChange, ref: Ref | undefined): Awaitable<void> {
    const state = this.operatorState(session, room);
    if (change.slowSeconds !== undefined && change.slowSeconds > SLOW_MAX_SECONDS) {
      throw new HubError('bad_field', `slow mode is at most ${SLOW_MAX_SECONDS} seconds`);
    }
    const { key, ...modes } = change;
    // A key of "" removes it (undefined is never stored: JSON leaves it out).
    const rules: RoomRules = { ...state.rules, ...modes, key: key === undefined ? state.rules.key : key === '' ? undefined : checkKey(key) };
    return this.change(room, state, rules, () => {
      if (rules.slowSeconds === 0) state.spoke.clear();
      this.tell(room, { ...this.modes(room), by: session.nick }, session, ref, state.rules);
    });
  }

  // ---- what operators of other nodes do ----

  /**
   * An operator of another node acted in a room: the rules it set apply here too, the members here
   * are told what that node told its own, a kick of a member here puts it out (before the room is
   * told, as on one node), and a new ban puts out the members here it names. A room still loading
   * takes it once loaded (the load may have read the rules from before). Nothing is shared again:
   * every node heard the action.
   */
  actedElsewhere(room: string, action: RoomAction): Awaitable<void> {
    const loading = this.loading.get(room);
    if (loading) return loading.then(() => this.actedElsewhere(room, action));
    const state = this.open.get(room);
    // Nobody here is in the room: whoever joins next loads its rules from the store.
    if (!state) return;
    const { event, rules } = action;
    if (rules) {
      state.rules = rules;
      state.stored = !isDefault(rules);
      if (rules.slowSeconds === 0) state.spoke.clear();
    }
    if (event.type === 'kicked') {
      const member = this.localMember(room, `#${event.id}`);
      if (member) this.host.putOut(member, room, putOutNotice(room, member, event.by, event.reason ?? ''));
    }
    this.host.announce(room, event, undefined, undefined);
    if (event.type === 'ban' && !event.lifted) this.putOutBanned(room, event.ban, undefined);
  }

  // ---- helpers ----

  /** Tells the room, here (the actor's copy with its ref) and on the other nodes; `rules`: the room's, when the action may have changed them. */
  private tell(room: string, event: Announcement, actor: Session | undefined, ref: Ref | undefined, rules?: RoomRules): void {
    this.host.announce(room, event, actor, ref);
    this.host.share(room, rules ? { event, rules } : { event });
  }

  /** Stores new rules (a new room's are forgotten rather than stored), then applies them and runs `then`. */
  private change(room: string, state: OpenRoom, rules: RoomRules, then: () => void): Awaitable<void> {
    const plain = isDefault(rules);
    return andThen(
      guarded(() => this.store.save(room, plain ? undefined : rules)),
      () => {
        state.rules = rules;
        state.stored = !plain;
        then();
      },
    );
  }

  /** The open state of a room the asker is in (the commands check membership first). */
  private stateOf(room: string): OpenRoom {
    const state = this.open.get(room);
    if (!state) throw new HubError('not_in_room', `you are not in #${room}`);
    return state;
  }

  /** The room's state when the session operates it; throws not_operator. */
  private operatorState(session: Session, room: string): OpenRoom {
    const state = this.stateOf(room);
    if (this.roleIn(state, session, room) !== 'operator') throw new HubError('not_operator', `you are not an operator of #${room}`);
    return state;
  }

  /** A member of the room here by nick or `#id`; throws no_such_nick. */
  private memberOf(room: string, target: string): Session {
    const member = this.localMember(room, target);
    if (!member) throw notInRoom(room, target);
    return member;
  }

  /** A member of the room here by nick or `#id`, if there is one. */
  private localMember(room: string, target: string): Session | undefined {
    const member = this.host.find(target);
    return member && this.host.members(room).has(member) ? member : undefined;
  }
}

function notInRoom(room: string, target: string): HubError {
  return new HubError('no_such_nick', `"${echo(target)}" is not in #${room}`);
}

/** What a member put out of a room is told. */
function putOutNotice(room: string, member: Session, by: string, reason: string): LeftEvent {
  return { type: 'left', room, nick: member.nick, id: member.id, reason: 'kicked', by, ...(reason !== '' && { message: reason }) };
}
