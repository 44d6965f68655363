/**
 * @module The interactive client's slash commands: one table gives each its syntax, its help text
 * (for /help and Tab) and what it does. A line not starting with `/` is said in the current room;
 * `//text` says "/text".
 */
import type { HubClient } from '../clients/hub-client.js';
import type { HistoryFrame, ServerFrame } from '../clients/server-frames.js';
import { checkRoom } from '../core/names.js';

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
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly syntax: string;
  readonly help: string;
  /** What Tab completes in its argument. */
  readonly completes?: 'room' | 'nick' | 'command';
  run(screen: ChatScreen, args: string): Promise<void>;
}

const HISTORY_DEFAULT = 20;
const HISTORY_MAX = 200;

/** The first word of `args` and the rest of the line. */
function split(args: string): [string, string] {
  const trimmed = args.trimStart();
  const space = trimmed.search(/\s/);
  return space === -1 ? [trimmed, ''] : [trimmed.slice(0, space), trimmed.slice(space + 1)];
}

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

export const CHAT_COMMANDS: readonly ChatCommand[] = [
  {
    name: 'join',
    syntax: '/join <room>',
    help: 'join a room and make it the current one',
    completes: 'room',
    async run(screen, args) {
      const [room] = split(args);
      if (!room) return screen.error('usage: /join <room>');
      const answer = await screen.client.join(room);
      if (reply(screen, answer) && answer.type === 'joined') screen.switchTo(answer.room);
    },
  },
  {
    name: 'part',
    aliases: ['leave'],
    syntax: '/part [room]',
    help: 'leave a room (default: the current one)',
    completes: 'room',
    async run(screen, args) {
      const room = split(args)[0] || needRoom(screen);
      if (room === undefined) return;
      const answer = await screen.client.part(room);
      if (!reply(screen, answer) || answer.type !== 'left') return;
      if (screen.currentRoom === answer.room) screen.switchTo([...screen.client.rooms][0]);
    },
  },
  {
    name: 'switch',
    aliases: ['s'],
    syntax: '/switch <room>',
    help: 'make a room you are in the current one',
    completes: 'room',
    run(screen, args) {
      const [raw] = split(args);
      if (!raw) return Promise.resolve(screen.error('usage: /switch <room>'));
      let room: string;
      try {
        room = checkRoom(raw);
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
    name: 'msg',
    aliases: ['whisper', 'w', 'tell'],
    syntax: '/msg <nick> <text>',
    help: 'send a private message',
    completes: 'nick',
    async run(screen, args) {
      const [to, text] = split(args);
      if (!to || !text.trim()) return screen.error('usage: /msg <nick> <text>');
      reply(screen, await screen.client.request({ type: 'whisper', to, text }));
    },
  },
  {
    name: 'me',
    syntax: '/me <action>',
    help: 'describe what you do ("* alice waves")',
    async run(screen, args) {
      const room = needRoom(screen);
      if (room === undefined) return;
      if (!args.trim()) return screen.error('usage: /me <action>');
      await sayIn(screen, room, args, true);
    },
  },
  {
    name: 'nick',
    syntax: '/nick <name>',
    help: 'change your nick',
    async run(screen, args) {
      const [nick] = split(args);
      if (!nick) return screen.error('usage: /nick <name>');
      reply(screen, await screen.client.setNick(nick));
    },
  },
  {
    name: 'who',
    aliases: ['names'],
    syntax: '/who [room]',
    help: 'who is in a room (default: the current one)',
    completes: 'room',
    async run(screen, args) {
      const room = split(args)[0] || needRoom(screen);
      if (room === undefined) return;
      reply(screen, await screen.client.request({ type: 'who', room }));
    },
  },
  {
    name: 'rooms',
    aliases: ['list'],
    syntax: '/rooms',
    help: 'every room with people in it',
    async run(screen) {
      reply(screen, await screen.client.request({ type: 'rooms' }));
    },
  },
  {
    name: 'history',
    syntax: '/history [n]',
    help: `show n earlier messages of this room (default ${HISTORY_DEFAULT})`,
    async run(screen, args) {
      const room = needRoom(screen);
      if (room === undefined) return;
      const n = args.trim() === '' ? HISTORY_DEFAULT : Number(args.trim());
      if (!Number.isInteger(n) || n < 1 || n > HISTORY_MAX) return screen.error(`usage: /history [n], n from 1 to ${HISTORY_MAX}`);
      const before = screen.oldestSeq(room);
      const answer = await screen.client.request({ type: 'history', room, limit: n, ...(before !== undefined && { before }) });
      if (answer.type === 'history') screen.showHistory(answer);
      else reply(screen, answer);
    },
  },
  {
    name: 'ping',
    syntax: '/ping',
    help: 'measure the round trip to the server',
    async run(screen) {
      const started = performance.now();
      const answer = await screen.client.request({ type: 'ping' });
      if (answer.type === 'pong') screen.notice(`pong in ${(performance.now() - started).toFixed(1)} ms`);
      else reply(screen, answer);
    },
  },
  {
    name: 'help',
    syntax: '/help [command]',
    help: 'list the commands, or explain one',
    completes: 'command',
    run(screen, args) {
      const wanted = split(args)[0].replace(/^\//, '').toLowerCase();
      const found = wanted ? CHAT_COMMANDS.filter((c) => c.name === wanted || c.aliases?.includes(wanted)) : CHAT_COMMANDS;
      if (found.length === 0) screen.error(`no command /${wanted}; /help lists them`);
      for (const c of found) {
        const aliases = c.aliases?.length ? ` = ${c.aliases.map((a) => '/' + a).join(' ')}` : '';
        screen.notice(`${c.syntax.padEnd(19)} ${c.help}${aliases}`);
      }
      if (!wanted) {
        screen.notice(`${'//text'.padEnd(19)} say a line that starts with /`);
        screen.notice('Tab completes; Up/Down recall what you sent; Ctrl-C or Ctrl-D leaves.');
      }
      return Promise.resolve();
    },
  },
  {
    name: 'quit',
    aliases: ['exit', 'bye'],
    syntax: '/quit [reason]',
    help: 'leave the chat (so do Ctrl-C and Ctrl-D)',
    run: (screen, args) => screen.leave(args.trim() || undefined),
  },
];

export function findCommand(name: string): ChatCommand | undefined {
  const key = name.toLowerCase();
  return CHAT_COMMANDS.find((c) => c.name === key || c.aliases?.includes(key));
}

/** Every spelling of every command, with its slash, for Tab. */
export const COMMAND_WORDS: readonly string[] = CHAT_COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]).map((w) => '/' + w);

/** Runs one typed line: a command, or something to say in the current room. */
export async function runLine(screen: ChatScreen, line: string): Promise<void> {
  if (line.trim() === '') return;
  if (line.startsWith('/') && !line.startsWith('//')) {
    const [verb, args] = split(line.slice(1));
    const command = findCommand(verb);
    if (!command) return screen.error(`unknown command /${verb}; /help lists them`);
    return command.run(screen, args);
  }
  const room = needRoom(screen);
  if (room === undefined) return;
  await sayIn(screen, room, line.startsWith('//') ? line.slice(1) : line, false);
}
