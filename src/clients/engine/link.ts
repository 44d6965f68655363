/**
 * @module One connection to a hub as the client engine sees it, whatever the wire: JSON frames out,
 * received text in (frames, or on TCP the text greeting before the JSON welcome, which the engine
 * skips), and one report of its end. Implementations: TCP and Node WebSocket (src/clients/node-links.ts),
 * the browser's WebSocket (web/src/browser-link.ts). A link is never reopened: the engine opens a
 * new one per attempt, and waits for the welcome itself.
 */
import type { ClientFrame } from '../client-frames.js';

/** What a link reports, always asynchronously: never from inside the call that opens it. */
export interface LinkEvents {
  /** One frame (or, on TCP before the JSON welcome, one text line), in arrival order. */
  received(raw: string): void;
  /** The connection ended or never opened; called once, with a reason a person can read. */
  closed(reason: string): void;
}

export interface Link {
  /** Sends a frame; nothing once the link is closing (its `closed` says so). */
  send(frame: ClientFrame): void;
  /** Closes after what was sent has been written. */
  end(): void;
  /** Drops the connection at once; the engine no longer listens to it. */
  destroy(): void;
}

/** Starts opening a connection; what happens next arrives through `events`. */
export type OpenLink = (events: LinkEvents) => Link;

/** No connection was made: unreachable, refused, timed out, or a server of another protocol version. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';

  constructor(
    message: string,
    /** The server speaks another protocol version: only a client of that version can talk to it. */
    readonly versionMismatch = false,
  ) {
    super(message);
  }
}
