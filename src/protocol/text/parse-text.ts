/** @module Text mode, inbound: a terminal line becomes a command. */
import { commandForTextVerb } from '../../core/commands/table.js';
import { say } from '../../core/commands/messages.js';
import { FIELD_KINDS, type Params } from '../../core/commands/command-spec.js';
import type { Decoded } from '../../core/conn.js';
import { echo, HubError } from '../../core/errors.js';

const COMMAND_LINE = /^\/(\S+)\s*([\s\S]*)$/;

/**
 * `/verb args…` runs a command; any other line is said in the current room. `//text` says a line
 * that starts with `/`.
 */
export function parseTextLine(line: string): Decoded {
  const match = line.startsWith('//') ? null : COMMAND_LINE.exec(line);
  if (!match) {
    return { ok: true, spec: say, params: { text: line.startsWith('//') ? line.slice(1) : line } };
  }
  const [, verb = '', argText = ''] = match;
  const spec = commandForTextVerb(verb);
  if (!spec) return { ok: false, error: new HubError('unknown_command', `unknown command /${echo(verb)}; /help lists them`) };

  const params: Params = {};
  let rest = argText.trim();
  for (const field of spec.fields) {
    if (field.jsonOnly) continue;
    let value: string;
    if (field.rest) {
      value = rest;
      rest = '';
    } else {
      const space = rest.search(/\s/);
      value = space === -1 ? rest : rest.slice(0, space);
      rest = space === -1 ? '' : rest.slice(space).trimStart();
    }
    if (value === '') {
      if (field.optional) continue;
      return { ok: false, error: new HubError('bad_args', `usage: ${spec.syntax}`) };
    }
    if (FIELD_KINDS[field.field] === 'integer') {
      if (!/^\d{1,15}$/.test(value)) return { ok: false, error: new HubError('bad_args', `"${echo(value)}" is not a number; usage: ${spec.syntax}`) };
      (params as Record<string, unknown>)[field.field] = Number(value);
    } else {
      (params as Record<string, unknown>)[field.field] = value;
    }
  }
  if (rest !== '') return { ok: false, error: new HubError('bad_args', `too many arguments; usage: ${spec.syntax}`) };
  return { ok: true, spec, params };
}
