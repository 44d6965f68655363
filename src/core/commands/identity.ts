/** @module Commands about who you are: nick. */
import { checkNick } from '../names.js';
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import type { CommandSpec } from './command-spec.js';

export const nick: CommandSpec = {
  ...COMMAND_ROWS.nick,
  run({ hub, session, ref }, { nick: wanted }) {
    return hub.changeNick(session, checkNick(wanted!, session.id), ref);
  },
};
