/**
 * @module Channel modes as IRC shows them, over hubbub's room rules: `n` (always on: only members
 * speak), `t` topic lock, `m` moderated, `i` invite-only, `k` key, `l` member limit, `b` bans, and
 * `o`/`v` (a member's role). hubbub's slow mode has no IRC letter. Room rules say a room's state,
 * not what changed, so each connection remembers the modes it was last told per channel and is
 * sent the difference.
 */
import type { ServerEvent } from '../../core/events.js';
import { channelOf, nickMask } from '../../protocol/irc/format-irc.js';
import { serializeIrc } from '../../protocol/irc/irc-message.js';

type ModesEvent = Extract<ServerEvent, { type: 'modes' }>;

/** A channel's modes as an IRC client keeps them. */
export interface ChannelModes {
  readonly t: boolean;
  readonly m: boolean;
  readonly i: boolean;
  readonly k: boolean;
  /** The member limit; 0: none. */
  readonly l: number;
}

/** ISUPPORT CHANMODES: b takes a mask, k a key (shown as `*`), l a number when set, the rest none. */
export const CHANMODES = 'b,k,l,imnt';
export const PREFIX = '(ov)@+';

/** A new room's modes (topic locked, nothing else), what a client knows of a room it was never told about. */
export const NEW_ROOM_MODES: ChannelModes = { t: true, m: false, i: false, k: false, l: 0 };

/** The key is never shown: hubbub tells members only that there is one. */
const HIDDEN_KEY = '*';

export function modesOf(event: ModesEvent): ChannelModes {
  return { t: event.topicLocked, m: event.moderated, i: event.inviteOnly, k: event.keyed, l: event.memberLimit };
}

/** The RPL_CHANNELMODEIS form: `+nt…` and its parameters. */
export function modeString(modes: ChannelModes): string[] {
  const flags = `+n${modes.t ? 't' : ''}${modes.m ? 'm' : ''}${modes.i ? 'i' : ''}${modes.k ? 'k' : ''}${modes.l > 0 ? 'l' : ''}`;
  return [flags, ...(modes.k ? [HIDDEN_KEY] : []), ...(modes.l > 0 ? [String(modes.l)] : [])];
}

/** What changed from `before` to `after`, as a MODE line's mode string and parameters; undefined when nothing did. */
export function modeChange(before: ChannelModes, after: ChannelModes): string[] | undefined {
  const on: string[] = [];
  const off: string[] = [];
  const params: string[] = [];
  for (const flag of ['t', 'm', 'i'] as const) {
    if (before[flag] !== after[flag]) (after[flag] ? on : off).push(flag);
  }
  if (before.k !== after.k) {
    (after.k ? on : off).push('k');
    params.push(HIDDEN_KEY);
  }
  if (before.l !== after.l) {
    if (after.l > 0) {
      on.push('l');
      params.push(String(after.l));
    } else {
      off.push('l');
    }
  }
  if (on.length + off.length === 0) return undefined;
  return [`${on.length > 0 ? `+${on.join('')}` : ''}${off.length > 0 ? `-${off.join('')}` : ''}`, ...params];
}

/**
 * An operator's change of a room's modes, for one connection that last knew `before` (a new
 * room's when it knew nothing): a MODE line, or '' when nothing it can see changed.
 */
export function modesLine(event: ModesEvent, before: ChannelModes): string {
  const change = modeChange(before, modesOf(event));
  if (change === undefined || event.by === undefined) return '';
  return serializeIrc({ source: nickMask(event.by), command: 'MODE', params: [channelOf(event.room), ...change] });
}
