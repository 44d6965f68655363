/** @module The command table: every command, looked up by JSON type or text-mode verb. */
import * as COMMAND_ROWS from '../../protocol/schema/commands.js';
import { echo, HubError } from '../errors.js';
import { auth } from './auth.js';
import type { CommandSpec } from './command-spec.js';
import { json, ping, quit } from './connection.js';
import { history, resume } from './history.js';
import { nick } from './identity.js';
import { me, say, whisper } from './messages.js';
import { ban, bans, deop, devoice, invite, inviteonly, key, kick, limit, moderated, modes, op, slow, topic, topiclock, unban, voice } from './moderation.js';
import { join, part, rooms, who } from './rooms.js';

// help lives here because it reads the table it belongs to.
export const help: CommandSpec = {
  ...COMMAND_ROWS.help,
  run({ hub, session, ref }, { command }) {
    const mode = session.codec.name;
    const wanted = command?.replace(/^\//, '').toLowerCase();
    const commands = COMMANDS.filter((c) => c.modes === undefined || c.modes === mode)
      .filter((c) => wanted === undefined || c.name === wanted || c.aliases?.includes(wanted))
      .map((c) => ({ command: c.name, syntax: c.syntax, help: c.help }));
    if (commands.length === 0) throw new HubError('unknown_command', `no command called "${echo(command ?? '')}"; /help lists them`);
    hub.reply(session, { type: 'help', commands, ...(ref !== undefined && { ref }) });
  },
};

export const COMMANDS: readonly CommandSpec[] = [
  nick,
  join,
  part,
  say,
  me,
  whisper,
  who,
  rooms,
  topic,
  history,
  resume,
  auth,
  op,
  deop,
  voice,
  devoice,
  kick,
  ban,
  unban,
  bans,
  invite,
  modes,
  slow,
  moderated,
  inviteonly,
  topiclock,
  key,
  limit,
  ping,
  help,
  quit,
  json,
];

const byJsonType = new Map<string, CommandSpec>();
const byTextVerb = new Map<string, CommandSpec>();
for (const spec of COMMANDS) {
  if (spec.modes !== 'text') byJsonType.set(spec.name, spec);
  if (spec.modes !== 'json') {
    for (const verb of [spec.name, ...(spec.aliases ?? [])]) byTextVerb.set(verb, spec);
  }
}

export function commandForJsonType(type: string): CommandSpec | undefined {
  return byJsonType.get(type);
}

export function commandForTextVerb(verb: string): CommandSpec | undefined {
  return byTextVerb.get(verb.toLowerCase());
}
