/** @module `hubbub serve`: start the hub on the configured ports and stop cleanly on SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { OPTIONS, optionsHelp, resolveConfig } from '../config/options.js';
import { createLogger } from '../log/logger.js';
import { startServer } from '../server.js';

export const SERVE_USAGE = `Usage: hubbub serve [options]

Starts the chat hub: a plain TCP port for terminals (nc, telnet) and programs (NDJSON after /json),
and an HTTP port serving the chat page at /, the WebSocket endpoint /ws and GET /healthz.
Room history goes to <data-dir>/hubbub.db (SQLite) unless --store memory.
Every option can also be set with its HUBBUB_* environment variable; a flag wins over the variable.

Options:
${optionsHelp()}
  -h, --help                      show this help`;

export async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: 'string' as const }])),
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(SERVE_USAGE + '\n');
    return 0;
  }
  const config = resolveConfig(values as Record<string, string | undefined>, process.env);
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, { logger });
  process.stdout.write(
    `hubbub listening: tcp://${config.host}:${server.tcpPort} (text, /json for NDJSON) · ` +
      `ws://${config.host}:${server.httpPort}/ws · web page http://${config.host}:${server.httpPort}/\n`,
  );
  logger.info({ host: config.host, tcpPort: server.tcpPort, httpPort: server.httpPort }, 'listening');

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
