/**
 * @module The commands only a client has, declared once for every client: they change what the
 * client shows and send, if anything, ordinary frames. A client row may share a verb with a server
 * row (the terminal's /history pages back from what is shown); the client's row is the one its
 * user means.
 */
import { slashRowOf, type SlashRow } from './command-row.js';

export const CLIENT_ROWS = {
  switch: slashRowOf('switch', { aliases: ['s'], args: ['room'], syntax: '/switch <room>', help: 'Make a room you are in the current one.' }),
  history: slashRowOf('history', {
    args: ['limit'],
    syntax: '/history [count]',
    help: 'Show earlier messages of the current room, before the oldest one shown (default 20, at most 200).',
  }),
} as const satisfies Record<string, SlashRow>;
