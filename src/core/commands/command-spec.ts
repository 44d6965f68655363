/**
 * @module The shape of one row of the command table: the declarative row from the wire's schema
 * (src/protocol/schema/commands.ts), paired with the handler that carries the command out.
 */
import type { CommandParams, CommandRow } from '../../protocol/schema/command-row.js';
import type { Ref } from '../events.js';
import type { Hub } from '../hub.js';
import type { Session } from '../session.js';

/** Every argument any command takes, by its JSON field name. Codecs check kinds; handlers check meaning. */
export type Params = CommandParams;

export interface CommandContext {
  readonly hub: Hub;
  readonly session: Session;
  readonly ref?: Ref;
}

export interface CommandSpec extends CommandRow {
  run(ctx: CommandContext, params: Params): void;
}
