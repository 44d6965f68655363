/**
 * @module The `hubbub serve` options: one table gives each option its flag (also its key in a
 * configuration file), its HUBBUB_* environment variable, its default, its help line and whether
 * a reload (SIGHUP) applies it live. Precedence: flag, then environment, then file, then default.
 */
import { DEFAULT_LIMITS, type Limits } from '../core/limits.js';
import { parseCidr } from '../transports/proxy/trusted-proxies.js';
import { parseIrcOperators } from '../doors/irc/operators.js';

export type StoreKind = 'sqlite' | 'memory';

export interface ServeConfig {
  host: string;
  store: StoreKind;
  dataDir: string;
  tcpPort: number;
  httpPort: number;
  /** The IRC listener's port; empty: no IRC listener. */
  ircPort: string;
  /** IRC server operators, `name:password` pairs comma-separated; empty: none. */
  ircOperators: string;
  logLevel: string;
  serverName: string;
  /** PEM certificate chain and private key files; both empty: no TLS. */
  tlsCert: string;
  tlsKey: string;
  /** CIDR ranges of reverse proxies whose client-address headers are believed. */
  trustProxy: string[];
  /** Bearer token /metrics asks for; empty: /metrics is open. */
  metricsToken: string;
  /** HMAC secret tokens are signed with ('' for none). */
  authSecret: string;
  /** JSON Web Key Set file of the public keys tokens are signed for ('' for none). */
  authJwksFile: string;
  /** The audience (`aud`) and issuer (`iss`) a token must name ('' for any). */
  authAudience: string;
  authIssuer: string;
  /** Whether a connection may chat without signing in. */
  guests: 'on' | 'off';
  /** Shared password guests must give first ('' for none). */
  password: string;
  /** Origins (scheme://host[:port]) whose pages may open a WebSocket, besides the page's own. */
  allowedOrigins: string[];
  /** HTTP API keys, each `key=bot-nick`. */
  apiKeys: string[];
  limits: Limits;
}

export const DEFAULT_CONFIG: Readonly<ServeConfig> = Object.freeze({
  host: '0.0.0.0',
  store: 'sqlite',
  dataDir: './data',
  tcpPort: 3000,
  httpPort: 8080,
  ircPort: '',
  ircOperators: '',
  logLevel: 'info',
  serverName: 'hubbub',
  tlsCert: '',
  tlsKey: '',
  trustProxy: [],
  metricsToken: '',
  authSecret: '',
  authJwksFile: '',
  authAudience: '',
  authIssuer: '',
  guests: 'on',
  password: '',
  allowedOrigins: [],
  apiKeys: [],
  limits: { ...DEFAULT_LIMITS },
});

export type OptionValue = string | number | readonly string[];

/**
 * `text` is any string (one of `choices` when given), `secret` a string never logged, `cidrs` a
 * list of address ranges and `origins` a list of web origins (comma-separated in a flag or
 * variable, a list or a string in a file), `keys` secret `key=nick` pairs (comma-separated in a
 * flag or variable, a map of key → nick in a file).
 */
type Kind = 'text' | 'secret' | 'int' | 'number' | 'cidrs' | 'origins' | 'keys';

/** List kinds: one value is a list of strings. */
const LIST_KINDS: readonly Kind[] = ['cidrs', 'origins', 'keys'];

/** What a reload (SIGHUP) does with a changed value: apply it, or log that it needs a restart. */
export type Reload = 'live' | 'restart';

export interface OptionSpec {
  readonly flag: string;
  readonly kind: Kind;
  readonly choices?: readonly string[];
  /** How `--help` names its value, when the kind's own name would not say it. */
  readonly placeholder?: string;
  readonly help: string;
  readonly reload: Reload;
  /** For a live option: the changes that still need a restart. */
  readonly restartWhen?: (from: OptionValue, to: OptionValue) => boolean;
  /** The heading it is listed under in hubbub.example.yaml and docs/config.md. */
  readonly section: string;
  get(config: ServeConfig): OptionValue;
  set(config: ServeConfig, value: OptionValue): void;
}

const STORES: readonly StoreKind[] = ['sqlite', 'memory'];
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

type Fields = Omit<OptionSpec, 'get' | 'set' | 'section'>;

function field<K extends Exclude<keyof ServeConfig, 'limits'>>(spec: Fields, key: K): Omit<OptionSpec, 'section'> {
  return { ...spec, get: (c) => c[key], set: (c, v) => (c[key] = (Array.isArray(v) ? [...(v as string[])] : v) as ServeConfig[K]) };
}

function limit(flag: string, key: keyof Limits, kind: 'int' | 'number', reload: Reload, help: string): Omit<OptionSpec, 'section'> {
  return { flag, kind, help, reload, get: (c) => c.limits[key], set: (c, v) => (c.limits[key] = v as number) };
}

function section(name: string, specs: Omit<OptionSpec, 'section'>[]): OptionSpec[] {
  return specs.map((spec) => ({ ...spec, section: name }));
}

/** New certificate files load live, but TLS cannot be switched on or off under open listeners. */
function switchesTls(from: OptionValue, to: OptionValue): boolean {
  return (from === '') !== (to === '');
}

export const OPTIONS: readonly OptionSpec[] = [
  ...section('server', [
    field({ flag: 'host', kind: 'text', reload: 'restart', help: 'address to bind both listeners to' }, 'host'),
    field({ flag: 'tcp-port', kind: 'int', reload: 'restart', help: 'TCP port (text mode; NDJSON after /json); 0 = any free port' }, 'tcpPort'),
    field({ flag: 'http-port', kind: 'int', reload: 'restart', help: 'HTTP port: the page, /ws, /healthz, /metrics, /api; 0 = any free port' }, 'httpPort'),
    field({ flag: 'irc-port', kind: 'text', placeholder: 'port', reload: 'restart', help: 'IRC port (RFC 1459/2812 clients, TLS with --tls-cert); empty = no IRC listener; 0 = any free port' }, 'ircPort'),
    field({ flag: 'server-name', kind: 'text', reload: 'restart', help: 'name shown in the welcome, and the IRC server and network name' }, 'serverName'),
    field({ flag: 'log-level', kind: 'text', choices: LOG_LEVELS, placeholder: 'level', reload: 'live', help: 'trace, debug, info, warn, error, fatal or silent' }, 'logLevel'),
  ]),
  ...section('transport security', [
    field({ flag: 'tls-cert', kind: 'text', placeholder: 'file', reload: 'live', restartWhen: switchesTls, help: 'PEM certificate chain: TLS on every port (with --tls-key); re-read on SIGHUP' }, 'tlsCert'),
    field({ flag: 'tls-key', kind: 'text', placeholder: 'file', reload: 'live', restartWhen: switchesTls, help: 'PEM private key of --tls-cert; re-read on SIGHUP' }, 'tlsKey'),
    field({ flag: 'trust-proxy', kind: 'cidrs', reload: 'live', help: 'reverse proxies (CIDR ranges, comma-separated) whose X-Forwarded-For or PROXY header names the client' }, 'trustProxy'),
    limit('handshake-timeout', 'handshakeTimeoutMs', 'int', 'restart', 'milliseconds a new connection gets to finish its TLS handshake and PROXY header'),
    field({ flag: 'irc-operators', kind: 'secret', placeholder: 'name:password,…', reload: 'restart', help: 'IRC server operators (OPER name password): they may KILL and WALLOPS; empty = none' }, 'ircOperators'),
    field({ flag: 'metrics-token', kind: 'secret', placeholder: 'token', reload: 'live', help: 'bearer token GET /metrics requires; empty = /metrics is open' }, 'metricsToken'),
    field({ flag: 'allowed-origins', kind: 'origins', reload: 'live', help: 'web origins (https://host[:port], comma-separated) whose pages may open /ws; the page\'s own origin always may; empty = any' }, 'allowedOrigins'),
  ]),
  ...section('identity', [
    field({ flag: 'auth-secret', kind: 'secret', placeholder: 'secret', reload: 'restart', help: 'HMAC secret of signed-in users\' tokens (HS256/384/512); also what hubbub token signs with' }, 'authSecret'),
    field({ flag: 'auth-jwks-file', kind: 'text', placeholder: 'file', reload: 'restart', help: 'JSON Web Key Set of public keys tokens are signed for (RS/PS/ES/EdDSA); instead of --auth-secret' }, 'authJwksFile'),
    field({ flag: 'auth-audience', kind: 'text', reload: 'restart', help: 'the aud a token must name; empty = any' }, 'authAudience'),
    field({ flag: 'auth-issuer', kind: 'text', reload: 'restart', help: 'the iss a token must name; empty = any' }, 'authIssuer'),
    field({ flag: 'guests', kind: 'text', choices: ['on', 'off'], reload: 'restart', help: 'on: anyone may chat as a guest; off: a token is needed first (/auth)' }, 'guests'),
    field({ flag: 'password', kind: 'secret', placeholder: 'secret', reload: 'live', help: 'shared password a guest must give first (/auth <password>, like IRC PASS); empty = none' }, 'password'),
  ]),
  ...section('http api', [
    field({ flag: 'api-keys', kind: 'keys', placeholder: 'key=nick,…', reload: 'live', help: 'HTTP API keys (16+ characters), each naming the bot nick it posts as (a map key: nick in a file)' }, 'apiKeys'),
  ]),
  ...section('history', [
    field({ flag: 'store', kind: 'text', choices: STORES, reload: 'restart', help: 'where room history lives: sqlite (a file in --data-dir) or memory (lost on restart)' }, 'store'),
    field({ flag: 'data-dir', kind: 'text', reload: 'restart', help: 'directory of the SQLite history file hubbub.db (created on first start)' }, 'dataDir'),
    limit('history-on-join', 'historyOnJoin', 'int', 'live', 'recent messages a new member of a room is sent; 0 = none'),
    limit('history-page-max', 'historyPageMax', 'int', 'live', 'most messages one history answer carries'),
    limit('history-page-bytes', 'historyPageBytes', 'int', 'live', 'most bytes of messages one history answer, join history or resume replay carries'),
    limit('resume-max', 'resumeMaxMessages', 'int', 'live', 'most messages one resume replays per room (the rest: history paging)'),
    limit('retention-messages', 'retentionMessages', 'int', 'restart', 'messages kept per room; 0 = no count limit (sqlite only)'),
    {
      flag: 'retention-days',
      kind: 'number',
      reload: 'restart',
      help: 'days a message is kept; 0 = no age limit',
      get: (c) => c.limits.retentionAgeMs / 86_400_000,
      set: (c, v) => (c.limits.retentionAgeMs = Math.round((v as number) * 86_400_000)),
    },
    limit('rooms-in-memory', 'roomsInMemory', 'int', 'restart', 'rooms whose history state stays in memory, least recently posted to dropped first (memory store: their history; sqlite: cached counters)'),
    limit('memory-store-bytes', 'memoryStoreBytes', 'int', 'restart', 'memory store: bytes all rooms\' messages may take (estimated); past it, rooms posted to longest ago are forgotten'),
    limit('commit-interval', 'commitIntervalMs', 'number', 'restart', 'sqlite: under load, at most one history transaction per this many ms (messages wait for it)'),
  ]),
  ...section('limits', [
    limit('max-text-bytes', 'maxTextBytes', 'int', 'live', 'longest message text, in UTF-8 bytes'),
    limit('max-line-bytes', 'maxLineBytes', 'int', 'restart', 'longest TCP line or WebSocket frame, in bytes (clients are told it in the welcome)'),
    limit('outbox-bytes', 'outboxBytes', 'int', 'restart', 'bytes queued for one client before it is dropped as a slow reader'),
    limit('max-rooms', 'maxRoomsPerConn', 'int', 'live', 'rooms one connection may be in at once'),
    limit('max-connections', 'maxConnections', 'int', 'live', 'connections the server accepts at once'),
    limit('max-connections-per-ip', 'maxConnectionsPerIp', 'int', 'live', 'connections accepted at once from one address'),
    limit('flood-burst', 'floodBurst', 'int', 'live', 'commands a client may send in a burst; 0 turns flood control off'),
    limit('flood-rate', 'floodRate', 'number', 'live', 'commands per second added back to the burst'),
    limit('flood-kick-after', 'floodKickAfter', 'int', 'live', 'consecutive rate-limited commands before a client is kicked'),
    limit('presence-max-members', 'presenceNoticeMaxMembers', 'int', 'live', 'rooms this big or bigger get no join/leave/nick notices'),
    limit('presence-batch-ms', 'presenceBatchMs', 'int', 'live', 'joins and leaves within this many ms go out as one notice per room'),
    limit('ws-ping-interval', 'wsPingIntervalMs', 'int', 'restart', 'milliseconds between WebSocket pings; a missed pong drops the peer'),
    limit('irc-ping-interval', 'ircPingIntervalMs', 'int', 'restart', 'milliseconds between the server\'s IRC PINGs; a client silent since the previous one is dropped'),
    limit('tcp-keepalive', 'tcpKeepAliveMs', 'int', 'restart', 'milliseconds of TCP idleness before keep-alive probes'),
    limit('shutdown-grace', 'shutdownGraceMs', 'int', 'live', 'milliseconds a closing client gets to read its goodbye'),
  ]),
];

export function envName(flag: string): string {
  return `HUBBUB_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** The variable and flag naming the configuration file, which is not itself an option of the table. */
export const CONFIG_FLAG = 'config';
export const CONFIG_ENV = envName(CONFIG_FLAG);

/** Checks a value already of the right JavaScript type against the option's rules. */
function checked(spec: OptionSpec, value: OptionValue, shown: string): OptionValue {
  if (spec.kind === 'int' || spec.kind === 'number') {
    const n = value as number;
    if (!Number.isFinite(n) || n < 0 || (spec.kind === 'int' && !Number.isInteger(n))) {
      throw new Error(`expected a ${spec.kind === 'int' ? 'whole number' : 'number'} ≥ 0, got ${shown}`);
    }
  } else if (spec.kind === 'cidrs') {
    for (const cidr of value as string[]) parseCidr(cidr);
  } else if (spec.kind === 'origins') {
    for (const origin of value as string[]) checkOrigin(origin);
  } else if (spec.kind === 'keys') {
    for (const pair of value as string[]) checkKeyPair(pair);
  } else if (spec.choices && !spec.choices.includes(value as string)) {
    throw new Error(`expected ${spec.choices.join(' or ')}, got ${shown}`);
  }
  return value;
}

function checkOrigin(origin: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(origin);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || parsed.origin !== origin) throw new Error(`"${origin}" is not an origin: scheme://host[:port], lower case, no path or trailing slash`);
}

/** An API key and the bot nick it posts as: `key=nick`. */
export function splitKeyPair(pair: string): { key: string; nick: string } {
  const at = pair.lastIndexOf('=');
  return { key: pair.slice(0, at), nick: pair.slice(at + 1) };
}

function checkKeyPair(pair: string): void {
  const { key, nick } = splitKeyPair(pair);
  // The key itself is never repeated back: it is a secret.
  if (key.length < 16) throw new Error('an API key must be key=nick with a key of at least 16 characters');
  if (!/^[\p{L}\p{M}\p{N}_-]{1,32}$/u.test(nick)) throw new Error(`the bot nick "${nick}" is not a nick (1-32 letters, digits, _ or -)`);
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function isPort(text: string): boolean {
  return /^[0-9]{1,5}$/.test(text) && Number(text) <= 65_535;
}

/** Reads a value from a flag or an environment variable (always text). */
export function valueFromText(spec: OptionSpec, raw: string): OptionValue {
  const shown = JSON.stringify(raw);
  if (spec.kind === 'int' || spec.kind === 'number') {
    if (raw.trim() === '') throw new Error(`expected a ${spec.kind === 'int' ? 'whole number' : 'number'} ≥ 0, got ${shown}`);
    return checked(spec, Number(raw), shown);
  }
  const secret = spec.kind === 'secret' || spec.kind === 'keys';
  return checked(spec, LIST_KINDS.includes(spec.kind) ? splitList(raw) : raw, secret ? 'a secret' : shown);
}

/** Reads a value from a configuration file, where it has a type of its own (YAML or JSON). */
export function valueFromFile(spec: OptionSpec, value: unknown): OptionValue {
  // JSON.stringify gives undefined for what JSON cannot hold; the type names it then.
  const shown = value === null ? 'no value' : (JSON.stringify(value) as string | undefined) ?? typeof value;
  switch (spec.kind) {
    case 'int':
    case 'number':
      if (typeof value !== 'number') throw new Error(`expected a ${spec.kind === 'int' ? 'whole number' : 'number'} ≥ 0, got ${shown}`);
      return checked(spec, value, shown);
    case 'cidrs':
    case 'origins':
      if (typeof value === 'string') return checked(spec, splitList(value), shown);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return checked(spec, value.map((v) => v.trim()), shown);
      throw new Error(`expected a list of ${spec.kind === 'cidrs' ? 'address ranges' : 'origins'}, got ${shown}`);
    case 'keys':
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) {
        return checked(spec, Object.entries(value as Record<string, string>).map(([key, nick]) => `${key}=${nick}`), 'a secret');
      }
      throw new Error('expected a map of API key → bot nick');
    default:
      if (typeof value !== 'string') throw new Error(`expected text, got ${shown}`);
      return checked(spec, value, shown);
  }
}

/** One option's value from a configuration file, with where it was written. */
export interface FileEntry {
  readonly value: unknown;
  /** Where the value stands, as `file:line`, for error messages. */
  readonly at: string;
}

export function cloneDefaults(): ServeConfig {
  return {
    ...DEFAULT_CONFIG,
    trustProxy: [...DEFAULT_CONFIG.trustProxy],
    allowedOrigins: [...DEFAULT_CONFIG.allowedOrigins],
    apiKeys: [...DEFAULT_CONFIG.apiKeys],
    limits: { ...DEFAULT_CONFIG.limits },
  };
}

/**
 * Builds the config from flag values (as parsed), the environment and a configuration file's
 * entries by flag name. Throws an Error whose message is one line naming the bad source.
 */
export function resolveConfig(
  flags: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv,
  file: ReadonlyMap<string, FileEntry> = new Map(),
): ServeConfig {
  const config = cloneDefaults();
  for (const spec of OPTIONS) {
    const fromFlag = flags[spec.flag];
    const fromEnv = env[envName(spec.flag)];
    const fromFile = file.get(spec.flag);
    const [source, read] =
      fromFlag !== undefined
        ? [`--${spec.flag}`, () => valueFromText(spec, fromFlag)]
        : fromEnv !== undefined
          ? [envName(spec.flag), () => valueFromText(spec, fromEnv)]
          : fromFile !== undefined
            ? [`${fromFile.at}: ${spec.flag}`, () => valueFromFile(spec, fromFile.value)]
            : [undefined, undefined];
    if (read === undefined) continue;
    try {
      spec.set(config, read());
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message}`);
    }
  }
  if (config.ircPort !== '' && !isPort(config.ircPort)) {
    throw new Error(`--irc-port: expected a port number (0-65535) or nothing, got ${JSON.stringify(config.ircPort)}`);
  }
  try {
    parseIrcOperators(config.ircOperators);
  } catch (err) {
    throw new Error(`--irc-operators: ${(err as Error).message}`);
  }
  if ((config.tlsCert === '') !== (config.tlsKey === '')) {
    throw new Error('--tls-cert and --tls-key go together: set both (TLS on) or neither (TLS off)');
  }
  return config;
}

/** How a value reads in help, logs and the example file (a secret's never does). */
export function showValue(spec: OptionSpec, value: OptionValue): string {
  if (spec.kind === 'keys') return Array.isArray(value) && value.length > 0 ? `(${value.length} set)` : '(none)';
  if (spec.kind === 'secret') return value === '' ? '(none)' : '(set)';
  if (value === '' || (Array.isArray(value) && value.length === 0)) return '(none)';
  if (Array.isArray(value)) return value.join(',');
  return JSON.stringify(value);
}

export interface ConfigChange {
  readonly spec: OptionSpec;
  readonly from: OptionValue;
  readonly to: OptionValue;
}

function sameValue(a: OptionValue, b: OptionValue): boolean {
  return Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v, i) => v === b[i]) : a === b;
}

/** The options whose values differ between two configs, in table order. */
export function configChanges(current: ServeConfig, next: ServeConfig): ConfigChange[] {
  return OPTIONS.flatMap((spec) => {
    const from = spec.get(current);
    const to = spec.get(next);
    return sameValue(from, to) ? [] : [{ spec, from, to }];
  });
}

export function optionsHelp(): string {
  const defaults = cloneDefaults();
  return OPTIONS.map((spec) => {
    const placeholder = spec.placeholder ?? (spec.kind === 'int' || spec.kind === 'number' ? 'n' : LIST_KINDS.includes(spec.kind) ? spec.kind : spec.choices ? spec.choices.join('|') : 'text');
    const left = `  --${spec.flag} <${placeholder}>`;
    const reload = spec.reload === 'live' ? 'SIGHUP applies it' : 'restart to change';
    return `${left.padEnd(34)}${spec.help}\n${''.padEnd(34)}default ${showValue(spec, spec.get(defaults))}, env ${envName(spec.flag)}, ${reload}`;
  }).join('\n');
}
