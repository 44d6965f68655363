/** @module Text mode, inbound: a terminal line becomes a command. */
import { commandForTextVerb } from '../../core/commands/table.js';
import { say } from '../../core/commands/messages.js';
import type { Decoded } from '../../core/conn.js';
import { echo, HubError } from '../../core/errors.js';
import { parseArgs, readCommandLine } from './command-line.js';

/**
 * `/verb args…` runs a command; any other line is said in the current room. `//text` says a line
 * that starts with `/`.
 */
export function parseTextLine(line: string): Decoded {
  const read = readCommandLine(line);
  if (read.kind === 'say') return { ok: true, spec: say, params: { text: read.text } };
  const spec = commandForTextVerb(read.verb);
  if (!spec) return { ok: false, error: new HubError('unknown_command', `unknown command /${echo(read.verb)}; /help lists them`) };
  const parsed = parseArgs(spec, read.argText);
  return parsed.ok ? { ok: true, spec, params: parsed.params } : { ok: false, error: new HubError('bad_args', parsed.message) };
}
