/** @module WebSocket endpoint: upgrades on the HTTP server's /ws path, JSON frames both ways. */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Door } from '../../core/conn.js';
import type { Hub } from '../../core/hub.js';
import { jsonCodec } from '../../protocol/json/json-codec.js';
import type { LeftReason } from '../../core/events.js';
import { WsConn } from './ws-conn.js';

export const WS_PATH = '/ws';

/** WebSocket at /ws: programs and the page, JSON only. */
export const WS_DOOR: Door = { name: 'ws', codec: jsonCodec, historyOnConnect: false };

export interface WsEndpoint {
  /** Handles an HTTP upgrade request from the client at `remote`; false when the path is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, remote: string): boolean;
  /** Stops the keep-alive pings and drops whatever is still open. */
  terminateAll(): void;
}

export function createWsEndpoint(hub: Hub): WsEndpoint {
  const { limits } = hub;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxLineBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const conns = new Set<WsConn>();

  const pinger = setInterval(() => {
    for (const conn of conns) {
      try {
        if (!conn.alive) {
          hub.logger.debug({ remote: conn.remoteAddress }, 'websocket missed its pong');
          conn.ws.terminate();
          continue;
        }
        conn.alive = false;
        conn.ws.ping();
      } catch (err) {
        // A timer callback: one socket's failure must not reach the process or spare the others their ping.
        hub.logger.warn({ err, remote: conn.remoteAddress }, 'websocket ping failed');
        conn.ws.terminate();
      }
    }
  }, limits.wsPingIntervalMs);
  pinger.unref();

  function attach(ws: WebSocket, socket: Socket, remote: string, token: string | null): void {
    let lostReason: LeftReason = 'disconnected';
    // First, before anything can refuse the connection: a refused peer may still send a bad frame,
    // and ws reports it as an 'error' event, which without a listener would end the process.
    // ws has already answered protocol errors (1009 too big, 1007 bad UTF-8) with a close frame.
    ws.on('error', (err: Error & { code?: string }) => {
      lostReason = 'kicked';
      hub.logger.info({ remote, code: err.code, err: err.message }, 'websocket protocol error');
    });
    const conn = new WsConn(ws, socket, remote, limits.shutdownGraceMs);
    const session = hub.accept(conn, WS_DOOR);
    if (!session) return;
    conns.add(conn);
    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) hub.inputError(session, 'binary_unsupported');
      else hub.receive(session, (data as Buffer).toString('utf8'));
    });
    ws.on('close', () => {
      conns.delete(conn);
      hub.connectionLost(session, lostReason);
    });
    // `/ws?token=…` is an `auth` frame sent for the client, first thing after the welcome.
    if (token !== null) hub.receive(session, JSON.stringify({ type: 'auth', token }));
  }

  return {
    handleUpgrade(req, socket, head, remote) {
      // Split by hand: `new URL` throws on request targets such as `//` (an empty authority).
      const target = req.url ?? '';
      const queryAt = target.indexOf('?');
      if ((queryAt < 0 ? target : target.slice(0, queryAt)) !== WS_PATH) return false;
      const token = queryAt < 0 ? null : new URLSearchParams(target.slice(queryAt + 1)).get('token');
      socket.setNoDelay(true);
      wss.handleUpgrade(req, socket, head, (ws) => {
        try {
          attach(ws, socket, remote, token);
        } catch (err) {
          hub.logger.error({ err, remote }, 'could not attach a websocket');
          ws.terminate();
        }
      });
      return true;
    },
    terminateAll() {
      clearInterval(pinger);
      for (const conn of conns) conn.ws.terminate();
    },
  };
}
