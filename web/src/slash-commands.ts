/**
 * @module What the message box accepts: plain text, or one of the page's /commands, read with the
 * rows of the one command table (src/protocol/schema/commands.ts), which also give /help its text.
 */
import { readSlashLine, type SlashLine } from '../../src/clients/slash-line.js';
import * as COMMAND_ROWS from '../../src/protocol/schema/commands.js';

/** The commands the page offers, in the order /help lists them. */
export const SLASH_COMMANDS = [
  COMMAND_ROWS.nick,
  COMMAND_ROWS.join,
  COMMAND_ROWS.part,
  COMMAND_ROWS.whisper,
  COMMAND_ROWS.me,
  COMMAND_ROWS.who,
  COMMAND_ROWS.rooms,
  COMMAND_ROWS.topic,
  COMMAND_ROWS.help,
];

/** Turns one line from the message box into what to do; undefined for a blank line. */
export function parseInput(line: string): SlashLine | undefined {
  return readSlashLine(line, SLASH_COMMANDS);
}
