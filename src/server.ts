/**
 * @module Wires a config to the parts: hub, room log (or, with --redis/--redis-cluster, a cluster
 * node on Redis), TCP listener, HTTP/WebSocket listener, IRC listener.
 */
import type { AddressInfo, Server } from 'node:net';
import type { Logger } from 'pino';
import { hostname } from 'node:os';
import { accessFor } from './auth/access.js';
import { ClusterNode, redisTarget } from './cluster/cluster-node.js';
import { Hub, type HubStore } from './core/hub.js';
import type { RoomLog } from './core/room-log.js';
import type { Clock } from './core/token-bucket.js';
import { configChanges, showValue, type ServeConfig } from './config/options.js';
import { createMetrics } from './metrics/metrics.js';
import { MemoryRoomLog } from './store/memory-room-log.js';
import { openRoomLog, openRoomRules } from './store/open-room-log.js';
import { TrustedProxies } from './transports/proxy/trusted-proxies.js';
import { createTcpServer } from './transports/tcp/tcp-server.js';
import { createIrcDoor } from './doors/irc/irc-door.js';
import { parseIrcOperators } from './doors/irc/operators.js';
import { SocketGate } from './transports/socket-gate.js';
import { TlsCredentials } from './transports/tls-credentials.js';
import { createHttpServer } from './transports/ws/http-server.js';
import { VERSION } from './version.js';

/** How often retention runs; each run does bounded work. */
const MAINTENANCE_INTERVAL_MS = 10_000;

export interface RunningServer {
  readonly hub: Hub;
  readonly tcpPort: number;
  readonly httpPort: number;
  /** The IRC listener's port, when there is one. */
  readonly ircPort?: number;
  readonly host: string;
  /**
   * Applies a freshly read configuration: what can change live does (each change logged as
   * `key: old → new`), what needs a restart is logged and left as it is. Never throws.
   */
  reload(next: ServeConfig): void;
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
  readonly logger: Logger;
  /** Defaults to the store the config names. */
  readonly log?: RoomLog;
  /** Injected by tests that drive flood control without sleeping. */
  readonly clock?: Clock;
}

export async function startServer(config: ServeConfig, parts: ServerParts): Promise<RunningServer> {
  const startedAt = Date.now();
  const { logger, clock } = parts;
  // Certificates first: a bad one stops start-up before anything is opened.
  const credentials = config.tlsCert === '' ? undefined : new TlsCredentials({ cert: config.tlsCert, key: config.tlsKey });
  // So are a key set that does not load and settings that would lock everyone out.
  const access = accessFor(config);
  const target = redisTarget(config.redis, config.redisCluster);
  const cluster = target
    ? await ClusterNode.open({
        target,
        logger,
        name: `hubbub:${hostname()}:${process.pid}`,
        retention: { maxMessages: config.limits.retentionMessages, maxAgeMs: config.limits.retentionAgeMs },
      })
    : undefined;
  const store: HubStore = cluster ? { broker: cluster.broker, directory: cluster.directory } : { log: parts.log ?? openRoomLog(config) };
  const hub = new Hub({
    limits: config.limits,
    ...store,
    // Rooms' rules live with the history: in Redis for a cluster, else in the SQLite file (or memory).
    rules: 'log' in store ? openRoomRules(store.log) : cluster!.rules,
    logger,
    serverName: config.serverName,
    version: VERSION,
    commitsCostIo: 'log' in store && !(store.log instanceof MemoryRoomLog),
    access,
    ...(clock && { clock }),
  });
  cluster?.attach(hub);
  /** Closes the history store, or leaves the cluster. */
  const closeStore = async (): Promise<void> => {
    try {
      if ('log' in store) store.log.close();
      else await cluster?.close();
    } catch (err) {
      logger.error({ err }, 'closing the history store failed; its last turn may not be stored');
    }
  };
  const proxies = new TrustedProxies(config.trustProxy);
  const gate = new SocketGate(config.limits, proxies);
  const listeners = { gate, proxies, ...(credentials && { tls: credentials }) };
  const tcp = createTcpServer(hub, listeners);
  const ircDoor =
    config.ircPort === ''
      ? undefined
      : createIrcDoor({ name: config.serverName, version: VERSION, createdAt: new Date(startedAt), operators: parseIrcOperators(config.ircOperators) }, config.limits.ircPingIntervalMs);
  const irc = ircDoor && createTcpServer(hub, { ...listeners, protocol: ircDoor });
  const metrics = createMetrics(hub, gate);
  cluster?.observeRedisLatency((what, outcome, seconds) => metrics.observeRedis(what, outcome, seconds));
  const http = createHttpServer(hub, startedAt, { ...listeners, metrics, metricsToken: () => config.metricsToken,
    allowedOrigins: () => config.allowedOrigins,
    apiKeys: () => config.apiKeys,
  });
  if (credentials) logger.info({ fingerprint: credentials.fingerprint, validTo: credentials.validTo }, 'TLS certificate loaded');
  let tcpPort: number;
  let httpPort: number;
  let ircPort: number | undefined;
  try {
    tcpPort = await listen(tcp, config.tcpPort, config.host);
    httpPort = await listen(http.server, config.httpPort, config.host);
    if (irc) ircPort = await listen(irc, Number(config.ircPort), config.host);
  } catch (err) {
    tcp.close();
    http.server.close();
    irc?.close();
    await closeStore();
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

  /** Renewed files (or new paths) serve every connection made from now on; open ones keep theirs. */
  function reloadCertificate(tls: TlsCredentials): void {
    try {
      tls.reload({ cert: config.tlsCert, key: config.tlsKey });
      logger.info({ fingerprint: tls.fingerprint, validTo: tls.validTo }, 'TLS certificate reloaded');
    } catch (err) {
      logger.error({ problem: (err as Error).message }, `TLS certificate not reloaded, the one in use is kept: ${(err as Error).message}`);
    }
  }

  function reload(next: ServeConfig): void {
    try {
      for (const { spec, from, to } of configChanges(config, next)) {
        const change = `${spec.flag}: ${showValue(spec, from)} → ${showValue(spec, to)}`;
        if (spec.reload === 'restart' || spec.restartWhen?.(from, to)) {
          logger.warn({ key: spec.flag }, `config: ${change} needs a restart; not applied`);
          continue;
        }
        spec.set(config, to);
        logger.info({ key: spec.flag }, `config: ${change}`);
      }
      logger.level = config.logLevel;
      proxies.set(config.trustProxy);
      if (credentials) reloadCertificate(credentials);
    } catch (err) {
      // A signal handler's work: a failure leaves the server as it was, running.
      logger.error({ err }, 'applying the reloaded configuration failed');
    }
  }

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    clearInterval(upkeep);
    tcp.close();
    irc?.close();
    http.server.close();
    // A browser keeps its page's HTTP connection alive; idle ones would otherwise hold shutdown for the grace period.
    http.server.closeIdleConnections();
    hub.shutdown();
    await gate.drained(config.limits.shutdownGraceMs);
    http.ws.terminateAll();
    gate.destroyAll();
    http.server.closeAllConnections();
    await closeStore();
  }

  return {
    hub,
    tcpPort,
    httpPort,
    ...(ircPort !== undefined && { ircPort }),
    host: config.host,
    reload,
    close: () => (closing ??= close()),
  };
}
