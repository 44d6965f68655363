/** @module Wires a config to the parts: hub, room log, TCP listener, HTTP/WebSocket listener. */
import type { AddressInfo, Server } from 'node:net';
import { Hub, type HubLogger } from './core/hub.js';
import type { RoomLog } from './core/room-log.js';
import type { Clock } from './core/token-bucket.js';
import type { ServeConfig } from './config/options.js';
import { MemoryRoomLog } from './store/memory-room-log.js';
import { openRoomLog } from './store/open-room-log.js';
import { createTcpServer } from './transports/tcp/tcp-server.js';
import { SocketGate } from './transports/socket-gate.js';
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
    log,
    logger,
    serverName: config.serverName,
    commitsCostIo: !(log instanceof MemoryRoomLog),
    ...(clock && { clock }),
  });
  const gate = new SocketGate(config.limits);
  const tcp = createTcpServer(hub, gate);
  const http = createHttpServer(hub, startedAt, gate);
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
  const upkeep = setInterval(() => {
    try {
      hub.maintain();
    } catch (err) {
      // A timer callback: nothing may reach the process. The hub reports store failures itself.
      logger.error({ err }, 'maintenance failed');
    }
  }, MAINTENANCE_INTERVAL_MS);
  upkeep.unref();

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    clearInterval(upkeep);
    tcp.close();
    http.server.close();
    // A browser keeps its page's HTTP connection alive; idle ones would otherwise hold shutdown for the grace period.
    http.server.closeIdleConnections();
    hub.shutdown();
    await gate.drained(config.limits.shutdownGraceMs);
    http.ws.terminateAll();
    gate.destroyAll();
    http.server.closeAllConnections();
    try {
      log.close();
    } catch (err) {
      logger.error({ err }, 'closing the history store failed; its last turn may not be stored');
    }
  }

  return {
    hub,
    tcpPort,
    httpPort,
    host: config.host,
    close: () => (closing ??= close()),
  };
}
