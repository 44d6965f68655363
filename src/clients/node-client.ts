/**
 * @module The client engine in Node: a HubClient for a hub URL, and its two links, the plain TCP
 * port (send `/json`, then NDJSON both ways) and WebSocket (`ws`, one JSON object per text frame).
 * A link only moves text; waiting for the welcome, timeouts and refusals are the engine's.
 */
import net from 'node:net';
import WebSocket, { type RawData } from 'ws';
import { sanitizeText } from '../core/names.js';
import { createHubClient, type HubClient, type HubClientOptions } from './engine/hub-client.js';
import { ConnectError, type Link, type LinkEvents, type OpenLink } from './engine/link.js';
import type { HubUrl } from './hub-url.js';

/** start() failed after connecting: the sign-in, the nick or a room was refused. */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}

/**
 * A HubClient for the hub at `url`, as `hubbub chat` and Node programs use it. Its start() fails
 * fast, so a script learns at once that it cannot work: a ConnectError when no server has welcomed
 * it yet (unreachable, refused, another protocol version), a SetupError when the server refuses
 * the nick or a room; it quits first. Once started, it is the engine's: it never gives up.
 */
export function hubClientFor(url: HubUrl, options: Omit<HubClientOptions, 'open' | 'storedText'> = {}, link?: LinkOptions): HubClient {
  const handlers = options.handlers ?? {};
  let welcomed = false;
  let fail: ((err: Error) => void) | undefined;
  const client = createHubClient({
    ...options,
    open: linkTo(url, link),
    storedText: sanitizeText,
    handlers: {
      frame(frame, raw) {
        if (frame?.type === 'welcome') welcomed = true;
        handlers.frame?.(frame, raw);
      },
      // What ends a start that fails fast is said by its rejection, not passed on.
      state(state) {
        if (fail && state.kind === 'offline' && !welcomed) fail(new ConnectError(state.reason, state.versionMismatch));
        else handlers.state?.(state);
      },
      notice(notice) {
        if (fail && notice.kind === 'nick-refused') fail(new SetupError(`cannot use the nick "${notice.wanted}": ${notice.reason}`));
        else if (fail && notice.kind === 'auth-refused') fail(new SetupError(`cannot sign in: ${notice.reason}`));
        else if (fail && notice.kind === 'rejoin-failed') fail(new SetupError(`cannot join "${notice.room}": ${notice.reason}`));
        else handlers.notice?.(notice);
      },
    },
  });
  const startEngine = client.start.bind(client);
  return Object.assign(client, {
    async start() {
      const failed = new Promise<never>((_, reject) => (fail = reject));
      try {
        await Promise.race([startEngine(), failed]);
      } catch (err) {
        await client.quit();
        throw err;
      } finally {
        fail = undefined;
      }
    },
  });
}

export interface LinkOptions {
  /** Longest frame accepted from the server, in bytes (a history page can be large). */
  readonly maxFrameBytes: number;
}

export const DEFAULT_LINK_OPTIONS: Readonly<LinkOptions> = Object.freeze({ maxFrameBytes: 16 * 1024 * 1024 });

const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (name lookup failed)',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection broken',
};

/** A socket or WebSocket error as a short phrase (no stack, no error class). */
export function describeSocketError(err: Error & { code?: string }): string {
  const known = err.code === undefined ? undefined : SOCKET_ERRORS[err.code];
  if (known) return known;
  const http = /^Unexpected server response: (\d+)/.exec(err.message);
  if (http) return `the server answered HTTP ${http[1]} instead of opening a WebSocket (is the path right?)`;
  return err.message;
}

/** Opens links to the hub at `url`, over the wire it names. */
export function linkTo(url: HubUrl, options: LinkOptions = DEFAULT_LINK_OPTIONS): OpenLink {
  return url.kind === 'tcp' ? (events) => openTcp(url.host, url.port, events, options) : (events) => openWs(url.href, events, options);
}

function openTcp(host: string, port: number, events: LinkEvents, options: LinkOptions): Link {
  const socket = net.connect({ host, port, noDelay: true });
  socket.setEncoding('utf8');
  let closeReason = 'the server closed the connection';
  let partial = '';
  socket.on('connect', () => {
    // Idle-connection probes, so a vanished peer is noticed even when nobody talks.
    socket.setKeepAlive(true, 30_000);
    // The server starts in text mode; this switches it to NDJSON and it welcomes us again in JSON.
    socket.write('/json\n');
  });
  socket.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    if (Buffer.byteLength(partial) > options.maxFrameBytes) {
      closeReason = `the server sent a line over ${options.maxFrameBytes} bytes`;
      socket.destroy();
      return;
    }
    for (const line of lines) {
      if (socket.destroyed) return;
      events.received(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
  });
  socket.on('error', (err) => {
    closeReason = describeSocketError(err);
  });
  socket.on('close', () => events.closed(closeReason));
  return {
    send(frame) {
      if (socket.writable) socket.write(JSON.stringify(frame) + '\n');
    },
    end: () => socket.end(),
    destroy: () => socket.destroy(),
  };
}

function openWs(href: string, events: LinkEvents, options: LinkOptions): Link {
  const ws = new WebSocket(href, { perMessageDeflate: false, maxPayload: options.maxFrameBytes });
  let closeReason: string | undefined;
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (!isBinary) events.received((data as Buffer).toString('utf8'));
  });
  ws.on('error', (err: Error & { code?: string }) => {
    closeReason ??= describeSocketError(err);
  });
  ws.on('close', (code: number, reason: Buffer) => {
    events.closed(closeReason ?? (reason.length > 0 ? `closed by the server: ${reason.toString('utf8')}` : `closed by the server (${code})`));
  });
  return {
    send(frame) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    },
    end: () => ws.close(1000),
    destroy: () => ws.terminate(),
  };
}
