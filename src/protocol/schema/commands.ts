/**
 * @module The declarative half of the command table, declared once: each command's verb, aliases,
 * modes, text-mode arguments (in order; whether the last one takes the rest of the line), syntax,
 * help and whether it costs a flood token, one export per command. The server pairs each row with
 * its handler (src/core/commands/); the clients turn `/join dev` into a frame with the very same
 * rows (and the page bundles only the rows it offers). Import it as a namespace:
 * `import * as COMMAND_ROWS from …/commands.js`.
 */
import { commandRow } from './command-row.js';

export const nick = commandRow('nick', { args: ['nick'], syntax: '/nick <name>', help: 'Change your nick (1-32 letters, digits, _ or -; unique regardless of case).' });

export const join = commandRow('join', { args: ['room'], syntax: '/join <room>', help: 'Join a room (creating it) and make it your current room.' });

export const part = commandRow('part', { aliases: ['leave'], args: ['room'], syntax: '/part [room]', help: 'Leave a room (your current room when none is named).' });

export const say = commandRow('say', {
  args: ['room', 'text'],
  restOfLine: true,
  syntax: '/say <room> <text>',
  help: 'Say something in a room you are in (a line not starting with / goes to your current room).',
});

export const me = commandRow('me', { modes: 'text', args: ['text'], restOfLine: true, syntax: '/me <action>', help: 'Describe an action in your current room ("* alice waves").' });

export const whisper = commandRow('whisper', {
  aliases: ['msg', 'w', 'tell'],
  args: ['to', 'text'],
  restOfLine: true,
  syntax: '/whisper <nick> <text>',
  help: 'Send a private message to one user (also /msg, /w); you receive a copy.',
});

export const who = commandRow('who', { aliases: ['names'], args: ['room'], syntax: '/who [room]', help: 'List the members of a room (your current room when none is named).' });

export const rooms = commandRow('rooms', { aliases: ['list'], args: [], syntax: '/rooms', help: 'List every room that has members, with member counts.' });

export const history = commandRow('history', {
  args: ['limit'],
  syntax: '/history [count]',
  help: 'Show the latest messages of your current room (JSON: page with "before" or "after" a seq).',
});

export const resume = commandRow('resume', {
  args: ['room', 'after'],
  syntax: '/resume <room> <seq>',
  help: 'Catch up on a room from the last seq you saw (joins it if needed); the server says if anything is gone.',
});

export const ping = commandRow('ping', { beforeAuth: true, args: [], syntax: '/ping', help: 'Ask the server for a pong (a round-trip check).' });

export const help = commandRow('help', { beforeAuth: true, args: ['command'], syntax: '/help [command]', help: 'List the commands, or explain one.' });

export const quit = commandRow('quit', { aliases: ['exit', 'bye'], args: ['reason'], restOfLine: true, syntax: '/quit [reason]', help: 'Leave the server.', free: true, beforeAuth: true });

export const auth = commandRow('auth', {
  args: ['token'],
  restOfLine: true,
  syntax: '/auth [token|password]',
  help: "Sign in with a token (its subject becomes your nick) or the server's password; send a fresh token before the old one expires.",
  beforeAuth: true,
});

export const json = commandRow('json', {
  modes: 'text',
  beforeAuth: true,
  args: [],
  syntax: '/json',
  help: 'Switch this connection to JSON mode: one JSON frame per line both ways (see docs/protocol.md).',
});
