/**
 * @module The IRC door: lines of RFC 1459 / RFC 2812 on a TCP socket, CR LF framed, crossing into
 * the hub through the same Codec and CommandSpec as every door. Decoding turns one IRC line into one
 * command whose handler answers in numerics; encoding writes hub events for one reader (its codec
 * is per-viewer: what an IRC client is told depends on who it is and what it negotiated).
 */
import type { Codec, Decoded, Door, Framing, Viewer } from '../../core/conn.js';
import type { CommandSpec } from '../../core/commands/command-spec.js';
import { echo, HubError } from '../../core/errors.js';
import type { ServerEvent } from '../../core/events.js';
import { formatIrc, type IrcReader } from '../../protocol/irc/format-irc.js';
import { IRC_MAX_BODY_BYTES, IRC_MAX_TAG_BYTES, parseIrc, serializeIrc, type IrcMessage } from '../../protocol/irc/irc-message.js';
import { ERR } from '../../protocol/irc/numerics.js';
import type { LineProtocol } from '../../transports/tcp/tcp-conn.js';
import { IRC_COMMANDS, type IrcCommand } from './irc-commands.js';
import { reply, type IrcContext, type IrcServerInfo } from './irc-context.js';
import { IrcStates } from './irc-state.js';
import { modesLine, modesOf, NEW_ROOM_MODES } from './channel-modes.js';

export const CRLF_FRAMING: Framing = {
  name: 'crlf',
  frame: (payload) => Buffer.from(payload + '\r\n', 'utf8'),
};

/** A line may carry tags (8191 bytes) before its 510-byte body. */
const IRC_MAX_LINE_BYTES = IRC_MAX_TAG_BYTES + IRC_MAX_BODY_BYTES;

const NOTHING: IrcCommand = { run: () => undefined, early: true, free: true };

function unknownCommand(name: string): IrcCommand {
  return { run: (ctx) => reply(ctx, ERR.UNKNOWNCOMMAND, echo(name), 'Unknown command') };
}

/** A name the server may put where IRC wants one token (no spaces, no leading colon). */
export function ircServerName(name: string): string {
  const token = name.replace(/[^\x21-\x7e]/g, '-').replace(/^:+/, '');
  return token === '' ? 'hubbub' : token;
}

/** The IRC door, its CR LF framing and line cap, and its PING every `pingIntervalMs`. */
export function createIrcDoor(info: IrcServerInfo, pingIntervalMs: number): LineProtocol {
  const server: IrcServerInfo = { ...info, name: ircServerName(info.name) };
  const states = new IrcStates();

  function spec(message: IrcMessage, command: IrcCommand): CommandSpec {
    return {
      name: message.command.toLowerCase(),
      syntax: message.command,
      help: '',
      args: [],
      // The door lets its handshake (PASS among it) through and holds the rest until registration.
      beforeAuth: true,
      ...(command.free && { free: true as const }),
      run: ({ hub, session }) => {
        const ctx: IrcContext = { hub, session, state: states.of(session), states, server, message };
        if (!command.early && !ctx.state.registered) {
          reply(ctx, ERR.NOTREGISTERED, 'You have not registered');
          return;
        }
        return command.run(ctx) ?? undefined;
      },
    };
  }

  function decode(line: string): Decoded {
    const parsed = parseIrc(line);
    if (parsed.ok) {
      const { message } = parsed;
      return { ok: true, spec: spec(message, IRC_COMMANDS.get(message.command) ?? unknownCommand(message.command)), params: {} };
    }
    switch (parsed.refusal) {
      case 'empty':
        return { ok: true, spec: spec({ command: '', params: [] }, NOTHING), params: {} };
      case 'too_long':
        return { ok: false, error: new HubError('line_too_long', 'Input line was too long') };
      case 'bad_command':
        return { ok: true, spec: spec({ command: parsed.command ?? '', params: [] }, unknownCommand(parsed.command ?? '')), params: {} };
      default:
        return { ok: false, error: new HubError('bad_args', `that line is not an IRC message (${parsed.refusal})`) };
    }
  }

  function readerFor(viewer: Viewer | undefined): IrcReader {
    const state = viewer === undefined ? undefined : states.peek(viewer);
    return state?.reader(viewer!.nick) ?? { id: viewer?.id ?? 0, target: '*', registered: false, echoMessage: false, serverTime: false, batch: false, messageTags: false };
  }

  /** A change of a room's modes, as the difference from what this reader was last told. */
  function modesFor(event: Extract<ServerEvent, { type: 'modes' }>, viewer: Viewer | undefined): string {
    const state = viewer === undefined ? undefined : states.peek(viewer);
    if (state === undefined) return '';
    const before = state.channelModes.get(event.room) ?? NEW_ROOM_MODES;
    state.channelModes.set(event.room, modesOf(event));
    return modesLine(event, before);
  }

  /**
   * Which copy of an event a reader gets: a room message, presence or an operator's act reads alike
   * for every reader with the same capabilities (one encoding for a whole channel); what depends
   * on the reader's nick or remembered state (numerics, whispers, mode differences) is its own.
   */
  function variantFor(event: ServerEvent, viewer: Viewer | undefined): string {
    if (viewer === undefined) return 'nobody';
    const state = states.peek(viewer);
    if (state === undefined) return `reader ${viewer.id}`;
    switch (event.type) {
      case 'message': {
        const { caps } = state;
        const own = event.fromId === viewer.id && caps.has('echo-message');
        return `message ${event.fromId === viewer.id ? (own ? 'echo' : 'own') : 'other'} ${caps.has('server-time')} ${caps.has('message-tags')}`;
      }
      case 'presence':
      case 'kicked':
      case 'topic':
      case 'role':
      case 'ban':
        return 'shared';
      case 'nick':
        return `nick ${event.id === viewer.id} ${state.registered}`;
      default:
        return `reader ${viewer.id}`;
    }
  }

  const codec: Codec = {
    name: 'irc',
    variantFor,
    decode,
    encode: (event: ServerEvent, viewer?: Viewer) => (event.type === 'modes' ? modesFor(event, viewer) : formatIrc(server.name, event, readerFor(viewer))),
  };
  const door: Door = { name: 'irc', codec, historyOnConnect: false, joinsLobby: false };
  return {
    door,
    framing: CRLF_FRAMING,
    maxLineBytes: IRC_MAX_LINE_BYTES,
    ping: { payload: serializeIrc({ command: 'PING', params: [server.name] }), everyMs: pingIntervalMs },
  };
}
