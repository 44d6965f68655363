/** @module Wires a config to the parts: hub, room log, TCP listener, HTTP/WebSocket listener. */
import type { AddressInfo, Server, Socket } from 'node:net';
import { Hub, type HubLogger } from './core/hub.js';
import type { RoomLog } from './core/room-log.js';
import type { Clock } from './core/token-bucket.js';
import type { ServeConfig } from './config/options.js';
import { jsonCodec } from './protocol/json/json-codec.js';
import { textCodec } from './protocol/text/text-codec.js';
import { MemoryRoomLog } from './store/memory-room-log.js';
import { openRoomLog } from './store/open-room-log.js';
import { createTcpServer } from './transports/tcp/tcp-server.js';
import { createHttpServer } from './transports/ws/http-server.js';

/** How often retention runs; each run does bounded work. */
const MAINTENANCE_INTERVAL_MS = 10_000;

export interface RunningServer {
  readonly hub: Hub;
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly host: string;
  /** Stops accepting, says goodbye to every client, waits (at most the grace period) and closes. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export interface ServerParts {
  readonly logger: HubLogger;
  /** Defaults to the store the config names. */
  readonly log?: RoomLog;
  /** Injected by tests that drive flood control without sleeping. */
  readonly clock?: Clock;
}

export async function startServer(config: ServeConfig, parts: ServerParts): Promise<RunningServer> {
  const startedAt = Date.now();
  const { logger, clock } = parts;
  const log = parts.log ?? openRoomLog(config);
  const hub = new Hub({
    limits: config.limits,
    codecs: { text: textCodec, json: jsonCodec },
    log,
    logger,
    serverName: config.serverName,
    commitsCostIo: !(log instanceof MemoryRoomLog),
    ...(clock && { clock }),
  });
  const tcp = createTcpServer(hub);
  const http = createHttpServer(hub, startedAt);
  // Track sockets so close() can wait for goodbyes and then cut whatever is left.
  const sockets = new Set<Socket>();
  let lastSocketClosed: (() => void) | undefined;
  for (const server of [tcp, http.server]) {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => {
        sockets.delete(socket);
        if (sockets.size === 0) lastSocketClosed?.();
      });
    });
  }
  tcp.maxConnections = config.limits.maxConnections + 100;
  let tcpPort: number;
  let httpPort: number;
  try {
    tcpPort = await listen(tcp, config.tcpPort, config.host);
    httpPort = await listen(http.server, config.httpPort, config.host);
  } catch (err) {
    tcp.close();
    log.close();
    throw err;
  }
  const upkeep = setInterval(() => hub.maintain(), MAINTENANCE_INTERVAL_MS);
  upkeep.unref();

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    clearInterval(upkeep);
    tcp.close();
    http.server.close();
    // A browser keeps its page's HTTP connection alive; idle ones would otherwise hold shutdown for the grace period.
    http.server.closeIdleConnections();
    hub.shutdown();
    if (sockets.size > 0) {
      await new Promise<void>((resolve) => {
        lastSocketClosed = resolve;
        setTimeout(resolve, config.limits.shutdownGraceMs).unref();
      });
    }
    http.ws.terminateAll();
    for (const socket of sockets) socket.destroy();
    http.server.closeAllConnections();
    log.close();
  }

  return {
    hub,
    tcpPort,
    httpPort,
    host: config.host,
    close: () => (closing ??= close()),
  };
}
