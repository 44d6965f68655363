/**
 * @module What the engine's states and notices say to a person, in plain text, for every client's
 * view: the terminal styles (and sanitises) it, the page shows it as text. One outage reads as one
 * line that changes: lost (attempt n), catching up, reconnected after how long.
 */
import type { ClientNotice, ConnectionState } from './hub-client.js';

/** "1 member", "3 members". */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A short human phrase for a delay: "800ms", "3.2s". */
export function duration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** What a change of the connection state says, or undefined for none. */
export function describeState(state: ConnectionState, nick: string, rooms: Iterable<string>): string | undefined {
  const where = [...rooms].map((r) => '#' + r).join(', ') || 'no room';
  switch (state.kind) {
    case 'online':
      if (!state.reconnected) return `connected as ${nick}, in ${where}. Type /help for the commands.`;
      return `reconnected as ${nick}${state.outageMs === undefined ? '' : ` after ${duration(state.outageMs)}`}; caught up on ${where}`;
    case 'offline':
      return `connection lost (${state.reason}); reconnecting in ${duration(state.retryInMs)} (attempt ${state.attempt})`;
    case 'catching-up':
      return 'connected again; catching up…';
    case 'connecting':
    case 'closed':
      return undefined;
  }
}

export function describeNotice(n: ClientNotice): string {
  switch (n.kind) {
    case 'gap': {
      const count = n.toSeq - n.fromSeq + 1;
      return `${counted(count, 'message')} in #${n.room} could not be recovered (seq ${n.fromSeq}${count > 1 ? `–${n.toSeq}` : ''}): the server no longer has them`;
    }
    case 'resume-failed':
      return `could not catch up (${n.reason}): messages sent while you were away may be missing`;
    case 'reset':
      return `#${n.room} starts over: the server lost its history, so what was said while you were away is gone`;
    case 'nick-fallback':
    case 'nick-refused':
      return `could not be ${n.wanted} (${n.reason}); you are ${n.nick} — /nick to try again`;
    case 'resent':
      return `${n.count} message${n.count === 1 ? ' that was' : 's that were'} in flight when the connection dropped sent again; they may show twice`;
    case 'rejoin-failed':
      return `could not rejoin #${n.room}: ${n.reason}`;
    case 'auth-refused':
      return `could not sign in: ${n.reason}`;
  }
}
