/**
 * @module The interactive client's slash commands: what each does, paired with its row of the one
 * command table (src/protocol/schema/commands.ts), which gives its verbs, arguments, syntax and
 * help. A line not starting with `/` is said in the current room; `//text` says "/text".
 */
import type { HubClient } from '../clients/engine/hub-client.js';
import type { RequestFrame } from '../clients/client-frames.js';
import type { HistoryFrame, ServerFrame } from '../clients/server-frames.js';
import { findRow, readSlashLine } from '../clients/slash-line.js';
import { checkRoom } from '../core/names.js';
import * as COMMAND_ROWS from '../protocol/schema/commands.js';
import { CLIENT_ROWS } from '../protocol/schema/client-commands.js';
import type { CommandParams, SlashRow } from '../protocol/schema/command-row.js';

/** What a command may do to the screen it was typed into. */
export interface ChatScreen {
  readonly client: HubClient;
  /** The room plain lines go to; undefined when in none. */
  readonly currentRoom: string | undefined;
  switchTo(room: string | undefined): void;
  /** Prints a frame the way the client prints everything from the server. */
  showFrame(frame: ServerFrame): void;
  showHistory(frame: HistoryFrame): void;
  /** The lowest seq shown in a room, for paging back with /history. */
  oldestSeq(room: string): number | undefined;
  notice(text: string): void;
  error(text: string): void;
  leave(reason?: string): Promise<void>;
}

export interface ChatCommand {
  /** Its verb, arguments, syntax and help, from the one command table. */
  readonly row: SlashRow;
  /** What Tab completes in its argument. */
  readonly completes?: 'room' | 'nick' | 'command';
  run(screen: ChatScreen, params: CommandParams): Promise<void>;
}

const HISTORY_DEFAULT = 20;
const HISTORY_MAX = 200;

/** Shows a request's answer: frames as usual, errors as errors. */
function reply(screen: ChatScreen, answer: ServerFrame): boolean {
  if (answer.type === 'error') {
    screen.error(`${answer.message} [${answer.code}]`);
    return false;
  }
  screen.showFrame(answer);
  return true;
}

function needRoom(screen: ChatScreen): string | undefined {
  if (screen.currentRoom === undefined) screen.error('you are not in any room; /join one first');
  return screen.currentRoom;
}

async function sayIn(screen: ChatScreen, room: string, text: string, action: boolean): Promise<void> {
  const outcome = await screen.client.say(room, text, { action });
  if (!outcome.ok) screen.error(`not delivered to #${room}: ${outcome.message} [${outcome.code}]`);
}

/**
 * A request about a room, answered by one frame to show: the room it names, else the current one.
 * The row's fields become the frame's (they are the same fields: one table).
 */
function roomRequest(row: SlashRow, completes?: 'nick' | 'room'): ChatCommand {
  return {
    row,
    ...(completes && { completes }),
    async run(screen, params) {
      const room = params.room ?? needRoom(screen);
      if (room !== undefined) reply(screen, await screen.client.request({ ...params, type: row.name, room } as RequestFrame));
    },
  };
}

/** Running rooms: the topic, the operators' commands, the modes. */
const ROOM_COMMANDS: readonly ChatCommand[] = [
  roomRequest(COMMAND_ROWS.topic),
  roomRequest(COMMAND_ROWS.modes, 'room'),
  roomRequest(COMMAND_ROWS.bans, 'room'),
  ...[COMMAND_ROWS.op, COMMAND_ROWS.deop, COMMAND_ROWS.voice, COMMAND_ROWS.devoice, COMMAND_ROWS.kick, COMMAND_ROWS.ban, COMMAND_ROWS.unban, COMMAND_ROWS.invite].map((row) =>
    roomRequest(row, 'nick'),
  ),
  ...[COMMAND_ROWS.slow, COMMAND_ROWS.moderated, COMMAND_ROWS.inviteonly, COMMAND_ROWS.topiclock, COMMAND_ROWS.key, COMMAND_ROWS.limit].map((row) => roomRequest(row)),
];

// Arguments arrive checked against each row (present unless optional), so `!` only restates the row.
export const CHAT_COMMANDS: readonly ChatCommand[] = [
  {
    row: COMMAND_ROWS.join,
    completes: 'room',
    async run(screen, { room, key }) {
      const answer = await screen.client.join(room!, key);
      if (reply(screen, answer) && answer.type === 'joined') screen.switchTo(answer.room);
    },
  },
  {
    row: COMMAND_ROWS.part,
    completes: 'room',
    async run(screen, params) {
      const room = params.room ?? needRoom(screen);
      if (room === undefined) return;
      const answer = await screen.client.part(room);
      if (!reply(screen, answer) || answer.type !== 'left') return;
      if (screen.currentRoom === answer.room) screen.switchTo([...screen.client.rooms][0]);
    },
  },
  {
    row: CLIENT_ROWS.switch,
    completes: 'room',
    run(screen, params) {
      let room: string;
      try {
        room = checkRoom(params.room!);
      } catch (err) {
        return Promise.resolve(screen.error((err as Error).message));
      }
      if (screen.client.rooms.has(room)) {
        screen.switchTo(room);
        screen.notice(`now talking in #${room}`);
      } else screen.error(`you are not in #${room}; /join ${room}`);
      return Promise.resolve();
    },
  },
  {
    row: COMMAND_ROWS.whisper,
    completes: 'nick',
    async run(screen, { to, text }) {
      reply(screen, await screen.client.request({ type: 'whisper', to: to!, text: text! }));
    },
  },
  {
    row: COMMAND_ROWS.me,
    async run(screen, { text }) {
      const room = needRoom(screen);
      if (room !== undefined) await sayIn(screen, room, text!, true);
    },
  },
  {
    row: COMMAND_ROWS.nick,
    async run(screen, { nick }) {
      reply(screen, await screen.client.setNick(nick!));
    },
  },
  {
    row: COMMAND_ROWS.who,
    completes: 'room',
    async run(screen, params) {
      const room = params.room ?? needRoom(screen);
      if (room !== undefined) reply(screen, await screen.client.request({ type: 'who', room }));
    },
  },
  {
    row: COMMAND_ROWS.rooms,
    async run(screen) {
      reply(screen, await screen.client.request({ type: 'rooms' }));
    },
  },
  {
    row: CLIENT_ROWS.history,
    async run(screen, { limit = HISTORY_DEFAULT }) {
      const room = needRoom(screen);
      if (room === undefined) return;
      if (limit < 1 || limit > HISTORY_MAX) return screen.error(`usage: ${CLIENT_ROWS.history.syntax}, a count from 1 to ${HISTORY_MAX}`);
      const before = screen.oldestSeq(room);
      const answer = await screen.client.request({ type: 'history', room, limit, ...(before !== undefined && { before }) });
      if (answer.type === 'history') screen.showHistory(answer);
      else reply(screen, answer);
    },
  },
  ...ROOM_COMMANDS,
  {
    row: COMMAND_ROWS.ping,
    async run(screen) {
      const started = performance.now();
      const answer = await screen.client.request({ type: 'ping' });
      if (answer.type === 'pong') screen.notice(`pong in ${(performance.now() - started).toFixed(1)} ms`);
      else reply(screen, answer);
    },
  },
  {
    row: COMMAND_ROWS.help,
    completes: 'command',
    run(screen, { command }) {
      const found = command === undefined ? CHAT_ROWS : CHAT_ROWS.filter((row) => row === findRow(command, CHAT_ROWS));
      if (found.length === 0) screen.error(`no command /${command!.replace(/^\//, '')}; /help lists them`);
      for (const row of found) {
        const aliases = row.aliases ? ` = ${row.aliases.map((a) => '/' + a).join(' ')}` : '';
        screen.notice(`${row.syntax.padEnd(24)} ${row.help}${aliases}`);
      }
      if (command === undefined) {
        screen.notice(`${'//text'.padEnd(24)} Say a line that starts with /.`);
        screen.notice('Tab completes; Up/Down recall what you sent; Ctrl-C or Ctrl-D leaves.');
      }
      return Promise.resolve();
    },
  },
  {
    row: COMMAND_ROWS.quit,
    run: (screen, { reason }) => screen.leave(reason),
  },
];

const CHAT_ROWS = CHAT_COMMANDS.map((c) => c.row);

export function findCommand(verb: string): ChatCommand | undefined {
  const row = findRow(verb, CHAT_ROWS);
  return CHAT_COMMANDS.find((c) => c.row === row);
}

/** Every spelling of every command, with its slash, for Tab. */
export const COMMAND_WORDS: readonly string[] = CHAT_ROWS.flatMap((row) => [row.name, ...(row.aliases ?? [])]).map((w) => '/' + w);

/** Runs one typed line: a command, or something to say in the current room. */
export async function runLine(screen: ChatScreen, line: string): Promise<void> {
  const input = readSlashLine(line, CHAT_ROWS);
  if (input === undefined) return;
  if (input.kind === 'invalid') return screen.error(input.message);
  if (input.kind === 'command') return findCommand(input.row.name)!.run(screen, input.params);
  const room = needRoom(screen);
  if (room !== undefined) await sayIn(screen, room, input.text, false);
}
