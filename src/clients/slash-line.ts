/**
 * @module What a person types into a client (`hubbub chat`, the page): plain text to say, or a
 * /command read with the rows of the one command table (src/protocol/schema/commands.ts), exactly
 * as the server's text mode reads it. Pure, with no Node imports: the page bundles it too.
 */
import type { CommandParams, SlashRow } from '../protocol/schema/command-row.js';
import { parseArgs, readCommandLine } from '../protocol/text/command-line.js';

export type SlashLine<Row extends SlashRow = SlashRow> =
  | { readonly kind: 'say'; readonly text: string }
  | { readonly kind: 'command'; readonly row: Row; readonly params: CommandParams }
  /** Not a command this client offers, or arguments that do not fit: `message` says why. */
  | { readonly kind: 'invalid'; readonly message: string };

/** The row a verb names among those a client offers (any case, aliases included). */
export function findRow<Row extends SlashRow>(verb: string, offered: readonly Row[]): Row | undefined {
  const wanted = verb.replace(/^\//, '').toLowerCase();
  return offered.find((row) => row.name === wanted || row.aliases?.includes(wanted));
}

/** One typed line, against the commands a client offers; undefined for a blank line. */
export function readSlashLine<Row extends SlashRow>(line: string, offered: readonly Row[]): SlashLine<Row> | undefined {
  if (line.trim() === '') return undefined;
  const read = readCommandLine(line);
  if (read.kind === 'say') return read;
  const row = findRow(read.verb, offered);
  if (!row) return { kind: 'invalid', message: `unknown command /${read.verb}; /help lists them` };
  const parsed = parseArgs(row, read.argText);
  return parsed.ok ? { kind: 'command', row, params: parsed.params } : { kind: 'invalid', message: parsed.message };
}
