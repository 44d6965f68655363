/**
 * @module `hubbub serve`: start the hub on the configured ports, reload the configuration on
 * SIGHUP, and stop cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config-file.js';
import { CONFIG_ENV, CONFIG_FLAG, OPTIONS, optionsHelp } from '../config/options.js';
import { createLogger } from '../log/logger.js';
import { startServer } from '../server.js';

export const SERVE_USAGE = `Usage: hubbub serve [--config <file>] [options]

Starts the chat hub: a TCP port for terminals (nc, telnet) and programs (NDJSON after /json), and
an HTTP port serving the chat page at /, the WebSocket endpoint /ws, GET /healthz, GET /metrics and
the HTTP API under /api (docs/api.md; keys from --api-keys).
With --auth-secret (or --auth-jwks-file) users sign in with tokens (/auth <token>; hubbub token
prints one); --guests off admits nobody else, --password asks guests for a shared password.
With --tls-cert and --tls-key both ports speak TLS (HTTPS and WSS on the HTTP port).
Room history goes to <data-dir>/hubbub.db (SQLite) unless --store memory.

Every option can also be set with its HUBBUB_* environment variable or, under its own name, in a
configuration file (YAML or JSON; hubbub config --example prints one with every key). A flag wins
over the variable, which wins over the file. SIGHUP re-reads the file and the certificates and
applies what can change while running; the log says what changed and what needs a restart.

Options:
${`  --${CONFIG_FLAG} <file>`.padEnd(34)}configuration file (YAML or JSON), env ${CONFIG_ENV}
${optionsHelp()}
  -h, --help                      show this help`;

export async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      [CONFIG_FLAG]: { type: 'string' },
      ...Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: 'string' as const }])),
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(SERVE_USAGE + '\n');
    return 0;
  }
  const flags = values as Record<string, string | undefined>;
  const config = loadConfig(flags, process.env);
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, { logger });
  const scheme = config.tlsCert === '' ? { tcp: 'tcp', ws: 'ws', http: 'http', irc: 'irc' } : { tcp: 'tls', ws: 'wss', http: 'https', irc: 'ircs' };
  const irc = server.ircPort === undefined ? '' : ` · ${scheme.irc}://${config.host}:${server.ircPort}`;
  process.stdout.write(
    `hubbub listening: ${scheme.tcp}://${config.host}:${server.tcpPort} (text, /json for NDJSON) · ` +
      `${scheme.ws}://${config.host}:${server.httpPort}/ws · web page ${scheme.http}://${config.host}:${server.httpPort}/${irc}\n`,
  );
  logger.info({ host: config.host, tcpPort: server.tcpPort, httpPort: server.httpPort, ircPort: server.ircPort, tls: config.tlsCert !== '' }, 'listening');

  // A bad file on reload is the operator's to fix: it is logged and the running configuration kept.
  const reload = (): void => {
    try {
      logger.info({}, 'SIGHUP: reloading the configuration');
      server.reload(loadConfig(flags, process.env));
    } catch (err) {
      logger.error({ problem: (err as Error).message }, `configuration not reloaded, the running one is kept: ${(err as Error).message}`);
    }
  };
  // Left in place through shutdown: without a listener, SIGHUP would end the process abruptly.
  process.on('SIGHUP', reload);

  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(() => {
        logger.info({}, 'stopped');
        resolve(0);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
