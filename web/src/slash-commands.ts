/**
 * @module What the message box accepts: plain text, or a /command from one table that also
 * provides /help. The verbs and syntax follow the terminal's text mode.
 */

export type InputAction =
  | { kind: 'say'; text: string; action: boolean }
  | { kind: 'nick'; nick: string }
  | { kind: 'join'; room: string }
  | { kind: 'part'; room?: string }
  | { kind: 'whisper'; to: string; text: string }
  | { kind: 'who'; room?: string }
  | { kind: 'rooms' }
  | { kind: 'help'; command?: string }
  | { kind: 'invalid'; message: string };

export interface SlashCommand {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly syntax: string;
  readonly help: string;
  /** Builds the action from the text after the verb, or returns undefined when it does not fit. */
  parse(args: string): InputAction | undefined;
}

/** The first word and the rest (trimmed), for commands whose last argument is free text. */
function firstAndRest(args: string): [string, string] {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(args);
  return match ? [match[1]!, match[2]!.trim()] : ['', ''];
}

function oneWord(args: string): string | undefined {
  return /^\S+$/.test(args) ? args : undefined;
}

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  {
    name: 'nick',
    aliases: [],
    syntax: '/nick <name>',
    help: 'Change your nick (remembered in this browser).',
    parse: (args) => {
      const nick = oneWord(args);
      return nick === undefined ? undefined : { kind: 'nick', nick };
    },
  },
  {
    name: 'join',
    aliases: [],
    syntax: '/join <room>',
    help: 'Join a room (creating it) and switch to it.',
    parse: (args) => {
      const room = oneWord(args);
      return room === undefined ? undefined : { kind: 'join', room };
    },
  },
  {
    name: 'part',
    aliases: ['leave'],
    syntax: '/part [room]',
    help: 'Leave a room (the one you are looking at when none is named).',
    parse: (args) => (args === '' ? { kind: 'part' } : oneWord(args) === undefined ? undefined : { kind: 'part', room: args }),
  },
  {
    name: 'msg',
    aliases: ['whisper', 'w', 'tell'],
    syntax: '/msg <nick> <text>',
    help: 'Whisper to one user; the conversation opens in the sidebar.',
    parse: (args) => {
      const [to, text] = firstAndRest(args);
      return to === '' || text === '' ? undefined : { kind: 'whisper', to, text };
    },
  },
  {
    name: 'me',
    aliases: [],
    syntax: '/me <action>',
    help: 'Describe an action ("* alice waves").',
    parse: (args) => (args === '' ? undefined : { kind: 'say', text: args, action: true }),
  },
  {
    name: 'who',
    aliases: ['names'],
    syntax: '/who [room]',
    help: 'List the members of a room.',
    parse: (args) => (args === '' ? { kind: 'who' } : oneWord(args) === undefined ? undefined : { kind: 'who', room: args }),
  },
  {
    name: 'rooms',
    aliases: ['list'],
    syntax: '/rooms',
    help: 'List every room that has members, with member counts.',
    parse: (args) => (args === '' ? { kind: 'rooms' } : undefined),
  },
  {
    name: 'help',
    aliases: [],
    syntax: '/help [command]',
    help: 'List the commands, or explain one. Start a line with // to send a line that begins with /.',
    parse: (args) => (args === '' ? { kind: 'help' } : { kind: 'help', command: args.replace(/^\//, '') }),
  },
];

export function findSlashCommand(verb: string): SlashCommand | undefined {
  const wanted = verb.toLowerCase();
  return SLASH_COMMANDS.find((c) => c.name === wanted || c.aliases.includes(wanted));
}

/** Turns one line from the message box into an action; undefined for a blank line. */
export function parseInput(line: string): InputAction | undefined {
  if (line.trim() === '') return undefined;
  if (line.startsWith('//')) return { kind: 'say', text: line.slice(1), action: false };
  if (!line.startsWith('/')) return { kind: 'say', text: line, action: false };
  const [verb, args] = firstAndRest(line.slice(1));
  const command = findSlashCommand(verb);
  if (!command) return { kind: 'invalid', message: `unknown command /${verb}; /help lists them` };
  return command.parse(args) ?? { kind: 'invalid', message: `usage: ${command.syntax}` };
}
