/** @module Commands about the connection itself: ping, quit, json. */
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import { HubError } from '../errors.js';
import type { CommandSpec } from './command-spec.js';

export const ping: CommandSpec = {
  ...COMMAND_ROWS.ping,
  run({ hub, session, ref }) {
    hub.reply(session, { type: 'pong', ...(ref !== undefined && { ref }) });
  },
};

export const quit: CommandSpec = {
  ...COMMAND_ROWS.quit,
  run({ hub, session }, { reason }) {
    hub.quit(session, reason);
  },
};

export const json: CommandSpec = {
  ...COMMAND_ROWS.json,
  run({ hub, session }) {
    const machine = session.door.machine;
    if (!machine) throw new HubError('unknown_command', 'this connection already speaks JSON');
    hub.switchDoor(session, machine);
  },
};
