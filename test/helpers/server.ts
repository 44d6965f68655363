/** @module Starts a real hub in-process on ephemeral loopback ports for a test. */
import { resolveConfig, type ServeConfig } from '../../src/config/options.js';
import type { Limits } from '../../src/core/limits.js';
import { createLogger } from '../../src/log/logger.js';
import { startServer, type RunningServer, type ServerParts } from '../../src/server.js';

export async function startTestServer(
  limits: Partial<Limits> = {},
  extra: Partial<ServeConfig> = {},
  parts: Omit<ServerParts, 'logger'> = {},
): Promise<RunningServer> {
  const config = resolveConfig({}, {});
  // Memory store unless a test asks for SQLite (with its own data dir).
  Object.assign(config, { host: '127.0.0.1', tcpPort: 0, httpPort: 0, store: 'memory' }, extra);
  Object.assign(config.limits, limits);
  return startServer(config, { logger: createLogger(process.env.HUBBUB_TEST_LOG ?? 'silent'), ...parts });
}
