/**
 * @module The `hubbub serve` options: one table gives each flag, its HUBBUB_* environment
 * variable, its default and its help line. Precedence: flag, then environment, then default.
 */
import { DEFAULT_LIMITS, type Limits } from '../core/limits.js';

export type StoreKind = 'sqlite' | 'memory';

export interface ServeConfig {
  host: string;
  store: StoreKind;
  dataDir: string;
  tcpPort: number;
  httpPort: number;
  logLevel: string;
  serverName: string;
  limits: Limits;
}

export const DEFAULT_CONFIG: Readonly<ServeConfig> = Object.freeze({
  host: '0.0.0.0',
  store: 'sqlite',
  dataDir: './data',
  tcpPort: 3000,
  httpPort: 8080,
  logLevel: 'info',
  serverName: 'hubbub',
  limits: { ...DEFAULT_LIMITS },
});

type Kind = 'string' | 'int' | 'number' | 'store';

interface OptionSpec {
  flag: string;
  kind: Kind;
  help: string;
  get(config: ServeConfig): string | number;
  set(config: ServeConfig, value: string | number): void;
}

function limit(flag: string, key: keyof Limits, kind: Kind, help: string): OptionSpec {
  return {
    flag,
    kind,
    help,
    get: (c) => c.limits[key],
    set: (c, v) => (c.limits[key] = v as number),
  };
}

export const OPTIONS: readonly OptionSpec[] = [
  { flag: 'host', kind: 'string', help: 'address to bind both listeners to', get: (c) => c.host, set: (c, v) => (c.host = String(v)) },
  { flag: 'tcp-port', kind: 'int', help: 'plain TCP port (text mode; NDJSON after /json); 0 = any free port', get: (c) => c.tcpPort, set: (c, v) => (c.tcpPort = v as number) },
  { flag: 'http-port', kind: 'int', help: 'HTTP port: WebSocket at /ws, /healthz; 0 = any free port', get: (c) => c.httpPort, set: (c, v) => (c.httpPort = v as number) },
  { flag: 'log-level', kind: 'string', help: 'trace, debug, info, warn, error, fatal or silent', get: (c) => c.logLevel, set: (c, v) => (c.logLevel = String(v)) },
  { flag: 'server-name', kind: 'string', help: 'name shown in the welcome', get: (c) => c.serverName, set: (c, v) => (c.serverName = String(v)) },
  { flag: 'store', kind: 'store', help: 'where room history lives: sqlite (a file in --data-dir) or memory (lost on restart)', get: (c) => c.store, set: (c, v) => (c.store = v as StoreKind) },
  { flag: 'data-dir', kind: 'string', help: 'directory of the SQLite history file hubbub.db (created on first start)', get: (c) => c.dataDir, set: (c, v) => (c.dataDir = String(v)) },
  limit('history-on-join', 'historyOnJoin', 'int', 'recent messages a new member of a room is sent; 0 = none'),
  limit('history-page-max', 'historyPageMax', 'int', 'most messages one history answer carries'),
  limit('history-page-bytes', 'historyPageBytes', 'int', 'most bytes of messages one history answer, join history or resume replay carries'),
  limit('resume-max', 'resumeMaxMessages', 'int', 'most messages one resume replays per room (the rest: history paging)'),
  limit('retention-messages', 'retentionMessages', 'int', 'messages kept per room; 0 = no count limit (sqlite only)'),
  {
    flag: 'retention-days',
    kind: 'number',
    help: 'days a message is kept; 0 = no age limit',
    get: (c) => c.limits.retentionAgeMs / 86_400_000,
    set: (c, v) => (c.limits.retentionAgeMs = Math.round((v as number) * 86_400_000)),
  },
  limit('max-text-bytes', 'maxTextBytes', 'int', 'longest message text, in UTF-8 bytes'),
  limit('max-line-bytes', 'maxLineBytes', 'int', 'longest TCP line or WebSocket frame, in bytes'),
  limit('outbox-bytes', 'outboxBytes', 'int', 'bytes queued for one client before it is dropped as a slow reader'),
  limit('max-rooms', 'maxRoomsPerConn', 'int', 'rooms one connection may be in at once'),
  limit('max-connections', 'maxConnections', 'int', 'connections the server accepts at once'),
  limit('max-connections-per-ip', 'maxConnectionsPerIp', 'int', 'connections accepted at once from one address'),
  limit('flood-burst', 'floodBurst', 'int', 'commands a client may send in a burst; 0 turns flood control off'),
  limit('flood-rate', 'floodRate', 'number', 'commands per second added back to the burst'),
  limit('flood-kick-after', 'floodKickAfter', 'int', 'consecutive rate-limited commands before a client is kicked'),
  limit('presence-max-members', 'presenceNoticeMaxMembers', 'int', 'rooms this big or bigger get no join/leave/nick notices'),
  limit('presence-batch-ms', 'presenceBatchMs', 'int', 'joins and leaves within this many ms go out as one notice per room'),
  limit('ws-ping-interval', 'wsPingIntervalMs', 'int', 'milliseconds between WebSocket pings; a missed pong drops the peer'),
  limit('tcp-keepalive', 'tcpKeepAliveMs', 'int', 'milliseconds of TCP idleness before keep-alive probes'),
  limit('commit-interval', 'commitIntervalMs', 'number', 'sqlite: under load, at most one history transaction per this many ms (messages wait for it)'),
  limit('shutdown-grace', 'shutdownGraceMs', 'int', 'milliseconds a closing client gets to read its goodbye'),
];

export function envName(flag: string): string {
  return `HUBBUB_${flag.toUpperCase().replace(/-/g, '_')}`;
}

const STORES: readonly StoreKind[] = ['sqlite', 'memory'];

function parseValue(spec: OptionSpec, raw: string, source: string): string | number {
  if (spec.kind === 'string') return raw;
  if (spec.kind === 'store') {
    if (!(STORES as readonly string[]).includes(raw)) throw new Error(`${source}: expected ${STORES.join(' or ')}, got "${raw}"`);
    return raw;
  }
  const value = Number(raw);
  const ok = raw.trim() !== '' && Number.isFinite(value) && value >= 0 && (spec.kind === 'number' || Number.isInteger(value));
  if (!ok) throw new Error(`${source}: expected a ${spec.kind === 'int' ? 'whole number' : 'number'} ≥ 0, got "${raw}"`);
  return value;
}

export function cloneDefaults(): ServeConfig {
  return { ...DEFAULT_CONFIG, limits: { ...DEFAULT_CONFIG.limits } };
}

/** Builds the config from flag values (as parsed) and the environment. Throws on a bad value. */
export function resolveConfig(flags: Record<string, string | undefined>, env: NodeJS.ProcessEnv): ServeConfig {
  const config = cloneDefaults();
  for (const spec of OPTIONS) {
    const fromFlag = flags[spec.flag];
    const fromEnv = env[envName(spec.flag)];
    if (fromFlag !== undefined) spec.set(config, parseValue(spec, fromFlag, `--${spec.flag}`));
    else if (fromEnv !== undefined) spec.set(config, parseValue(spec, fromEnv, envName(spec.flag)));
  }
  return config;
}

export function optionsHelp(): string {
  const defaults = cloneDefaults();
  return OPTIONS.map((spec) => {
    const left = `  --${spec.flag} <${spec.kind === 'int' || spec.kind === 'number' ? 'n' : spec.kind === 'store' ? 'sqlite|memory' : 'text'}>`;
    return `${left.padEnd(34)}${spec.help}\n${''.padEnd(34)}default ${JSON.stringify(spec.get(defaults))}, env ${envName(spec.flag)}`;
  }).join('\n');
}
