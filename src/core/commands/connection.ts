/** @module Commands about the connection itself: ping, quit, json. */
import { HubError } from '../errors.js';
import type { CommandSpec } from './command-spec.js';

export const ping: CommandSpec = {
  name: 'ping',
  modes: 'both',
  fields: [],
  syntax: '/ping',
  help: 'Ask the server for a pong (a round-trip check).',
  run({ hub, session, ref }) {
    hub.reply(session, { type: 'pong', ...(ref !== undefined && { ref }) });
  },
};

export const quit: CommandSpec = {
  name: 'quit',
  aliases: ['exit', 'bye'],
  modes: 'both',
  fields: [{ field: 'reason', optional: true, rest: true }],
  syntax: '/quit [reason]',
  help: 'Leave the server.',
  free: true,
  run({ hub, session }, { reason }) {
    hub.quit(session, reason);
  },
};

export const json: CommandSpec = {
  name: 'json',
  modes: 'text',
  fields: [],
  syntax: '/json',
  help: 'Switch this connection to JSON mode: one JSON frame per line both ways (see docs/protocol.md).',
  run({ hub, session }) {
    const machine = session.door.machine;
    if (!machine) throw new HubError('unknown_command', 'this connection already speaks JSON');
    hub.switchDoor(session, machine);
  },
};
