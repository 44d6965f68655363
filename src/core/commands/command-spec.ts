/**
 * @module The shape of one row of the command table: the declarative row from the wire's schema
 * (src/protocol/schema/commands.ts), paired with the handler that carries the command out.
 */
import type { CommandParams, CommandRow } from '../../protocol/schema/command-row.js';
import type { Ref } from '../events.js';
import type { CommandHub } from '../command-hub.js';
import type { Session } from '../session.js';

/** Every argument any command takes, by its JSON field name. Codecs check kinds; handlers check meaning. */
export type Params = CommandParams;

export interface CommandContext {
  /** What a handler may ask of the hub: a narrow interface, not the Hub. */
  readonly hub: CommandHub;
  readonly session: Session;
  readonly ref?: Ref;
}

export interface CommandSpec extends CommandRow {
  /**
   * Carries the command out, answering through `ctx.hub`; throws a HubError to refuse it. May
   * return a promise where it waits on the hub (a cluster asks Redis): the session's later
   * commands wait for it.
   */
  run(ctx: CommandContext, params: Params): void | Promise<void>;
}
