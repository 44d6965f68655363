/**
 * @module How a typed line reads, for the server's text mode and for every client alike: `/verb
 * args…` names a command of the table (src/protocol/schema/commands.ts), whose row says how its
 * arguments read; any other line is something to say, and `//text` says "/text". Pure: the page
 * bundles it too.
 */
import { echo } from '../../core/errors.js';
import type { CommandParams, SlashRow } from '../schema/command-row.js';

export type CommandLine =
  /** Plain text for the current room. */
  | { readonly kind: 'say'; readonly text: string }
  | { readonly kind: 'command'; readonly verb: string; readonly argText: string };

const COMMAND_LINE = /^\/(\S+)\s*([\s\S]*)$/;

export function readCommandLine(line: string): CommandLine {
  const match = line.startsWith('//') ? null : COMMAND_LINE.exec(line);
  if (!match) return { kind: 'say', text: line.startsWith('//') ? line.slice(1) : line };
  return { kind: 'command', verb: match[1] ?? '', argText: match[2] ?? '' };
}

export type ParsedArgs = { readonly ok: true; readonly params: CommandParams } | { readonly ok: false; readonly message: string };

/**
 * The arguments of one command, read in the row's order: words, except that the last one takes
 * the rest of the line when the row says so. Refused (with the usage) when one is missing, extra,
 * not digits where a whole number is wanted (an optional one before others may be left out), or
 * not `on`/`off` where a flag is.
 */
export function parseArgs(row: SlashRow, argText: string): ParsedArgs {
  const params: Record<string, string | number | boolean> = {};
  let rest = argText.trim();
  for (const [i, arg] of row.args.entries()) {
    const unread = rest;
    let value: string;
    if (row.restOfLine && i === row.args.length - 1) {
      value = rest;
      rest = '';
    } else {
      const space = rest.search(/\s/);
      value = space === -1 ? rest : rest.slice(0, space);
      rest = space === -1 ? '' : rest.slice(space).trimStart();
    }
    if (value === '') {
      if (arg.optional) continue;
      return { ok: false, message: `usage: ${row.syntax}` };
    }
    const digits = /^\d{1,15}$/.test(value);
    if (arg.integer && !digits && arg.optional && i < row.args.length - 1) {
      // An optional number left out before a later argument (`/ban alice spamming`): the word is that argument's.
      rest = unread;
      continue;
    }
    if (arg.integer && !digits) return { ok: false, message: `"${echo(value)}" is not a number; usage: ${row.syntax}` };
    if (arg.boolean && value !== 'on' && value !== 'off') return { ok: false, message: `"${echo(value)}" is not on or off; usage: ${row.syntax}` };
    params[arg.field] = arg.integer ? Number(value) : arg.boolean ? value === 'on' : value;
  }
  if (rest !== '') return { ok: false, message: `too many arguments; usage: ${row.syntax}` };
  return { ok: true, params };
}
