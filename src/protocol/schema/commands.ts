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

export const join = commandRow('join', {
  args: ['room', 'key'],
  syntax: '/join <room> [key]',
  help: 'Join a room (creating it: you are then its operator) and make it your current room; a keyed room takes its key.',
});

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

export const topic = commandRow('topic', {
  args: ['topic'],
  restOfLine: true,
  syntax: '/topic [text]',
  help: "Show the current room's topic, or set it (an operator's job while the room is topic-locked).",
});

export const op = commandRow('op', { args: ['target', 'room'], syntax: '/op <nick|#id> [room]', help: 'Make a member an operator of the room (operators only).' });

export const deop = commandRow('deop', { args: ['target', 'room'], syntax: '/deop <nick|#id> [room]', help: "Take a member's operator rights (operators only)." });

export const voice = commandRow('voice', { args: ['target', 'room'], syntax: '/voice <nick|#id> [room]', help: 'Let a member speak in a moderated room (operators only).' });

export const devoice = commandRow('devoice', { args: ['target', 'room'], syntax: '/devoice <nick|#id> [room]', help: "Take a member's voice (operators only)." });

export const kick = commandRow('kick', {
  args: ['target', 'reason'],
  restOfLine: true,
  syntax: '/kick <nick|#id> [reason]',
  help: 'Put a member out of the current room; they may join again (operators only).',
});

export const ban = commandRow('ban', {
  args: ['target', 'duration', 'reason'],
  restOfLine: true,
  syntax: '/ban <nick|#id> [seconds] [reason]',
  help: 'Ban someone from the current room, for some seconds or for good; a member is put out (operators only).',
});

export const unban = commandRow('unban', { args: ['target', 'room'], syntax: '/unban <nick|#id> [room]', help: 'Lift a ban (operators only).' });

export const bans = commandRow('bans', { args: ['room'], syntax: '/bans [room]', help: "List a room's bans." });

export const invite = commandRow('invite', { args: ['target', 'room'], syntax: '/invite <nick|#id> [room]', help: 'Invite someone into an invite-only room (operators only).' });

export const modes = commandRow('modes', { args: ['room'], syntax: '/modes [room]', help: "Show a room's modes: topic lock, moderated, invite-only, key, limit, slow." });

export const slow = commandRow('slow', { args: ['seconds'], syntax: '/slow <seconds>', help: 'One message per that many seconds per member in the current room; 0 is off (operators only).' });

export const moderated = commandRow('moderated', { args: ['on'], syntax: '/moderated on|off', help: 'Only operators and voiced members speak in the current room (operators only).' });

export const inviteonly = commandRow('inviteonly', { args: ['on'], syntax: '/inviteonly on|off', help: 'Joining the current room takes an /invite (operators only).' });

export const topiclock = commandRow('topiclock', { args: ['on'], syntax: '/topiclock on|off', help: 'Only operators set the topic of the current room; on in a new room (operators only).' });

export const key = commandRow('key', { args: ['key'], syntax: '/key [key]', help: 'Joining the current room takes this key; no key removes it (operators only).' });

export const limit = commandRow('limit', { args: ['max'], syntax: '/limit <count>', help: 'Most members the current room admits; 0 is no limit (operators only).' });

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
