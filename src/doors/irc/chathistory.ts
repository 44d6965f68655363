/**
 * @module CHATHISTORY (IRCv3 draft/chathistory) on hubbub's stored history: LATEST, BEFORE and
 * AFTER a msgid (`<room>:<seq>`, as message-tags shows it), answered with a `chathistory` batch.
 * hubbub pages history by seq, not by time: a `timestamp=` reference, AROUND and BETWEEN are
 * refused with FAIL, as the draft allows.
 */
import { andThen, type Awaitable } from '../../core/command-hub.js';
import type { HistoryQuery } from '../../core/room-log.js';
import { send, type IrcContext } from './irc-context.js';
import { roomOf } from './channel-names.js';

function fail(ctx: IrcContext, code: string, context: string[], text: string): void {
  send(ctx, { source: ctx.server.name, command: 'FAIL', params: ['CHATHISTORY', code, ...context.map((c) => c || '*'), text] });
}

/** The seq a `msgid=<room>:<seq>` reference names in `room`, `*` for none, or undefined when it cannot be read. */
function seqOf(reference: string, room: string): number | '*' | undefined {
  if (reference === '*') return '*';
  const match = /^msgid=(.+):(\d{1,15})$/.exec(reference);
  return match && match[1] === room ? Number(match[2]) : undefined;
}

export function chathistory(ctx: IrcContext): Awaitable<void> {
  const [sub, target, reference, limitText] = ctx.message.params;
  const subcommand = sub?.toUpperCase() ?? '';
  if (!['LATEST', 'BEFORE', 'AFTER'].includes(subcommand)) {
    fail(ctx, 'INVALID_PARAMS', [sub ?? ''], 'hubbub answers LATEST, BEFORE and AFTER');
    return;
  }
  if (target === undefined || !target.startsWith('#')) {
    fail(ctx, 'INVALID_TARGET', [subcommand, target ?? ''], 'history is kept for channels');
    return;
  }
  const room = roomOf(ctx, target);
  if (room === undefined) return;
  if (!ctx.session.rooms.has(room)) {
    fail(ctx, 'INVALID_TARGET', [subcommand, target], 'join the channel to read its history');
    return;
  }
  const seq = seqOf(reference ?? '', room);
  const limit = Number(limitText);
  if (seq === undefined || (seq === '*' && subcommand !== 'LATEST') || !Number.isSafeInteger(limit) || limit < 1) {
    fail(ctx, 'INVALID_PARAMS', [subcommand, reference ?? ''], 'a reference is * (LATEST) or msgid=<room>:<seq>, then a limit of 1 or more');
    return;
  }
  const count = Math.min(limit, ctx.hub.limits.historyPageMax);
  const query: HistoryQuery =
    subcommand === 'AFTER' ? { after: seq as number, limit: count } : subcommand === 'BEFORE' ? { before: seq as number, limit: count } : { latest: true, limit: count };
  return andThen(ctx.hub.history.read(room, query), (page) => {
    // LATEST with a msgid: only what came after it.
    const wanted = subcommand === 'LATEST' && seq !== '*' ? page.messages.filter((m) => m.seq > seq) : page.messages;
    const fitted = ctx.hub.history.fit(ctx.session, wanted, subcommand === 'AFTER' ? 'oldest' : 'newest');
    const messages = fitted.map((m) => ({ type: 'message' as const, ...m, history: true as const }));
    ctx.hub.reply(ctx.session, { type: 'history', room, messages, more: page.more || fitted.length < wanted.length });
  });
}
