/**
 * @module The redis-server behind the cluster rows, started by the benchmark itself: a free port
 * on loopback, a fresh directory, and the AOF with `appendfsync everysec` (Redis's own default AOF
 * policy, the one docs/cluster.md "Durability" describes for a crash of Redis alone).
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Deployment } from './deployment.js';

/** Redis cannot listen on port 0: a port is taken from the kernel and handed over, which can race. */
const START_ATTEMPTS = 3;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts Redis as part of `deployment` (not an endpoint: clients never talk to it) and returns its URL. */
export async function addRedis(deployment: Deployment): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'hubbub-bench-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--logfile', ''];
    try {
      await deployment.add(
        {
          command: 'redis-server',
          args,
          cwd: dir,
          removeCwd: true,
          // With an empty --logfile Redis logs to stdout; this line says it takes commands.
          ports: (line) => (line.includes('Ready to accept connections') ? {} : undefined),
        },
        { endpoint: false },
      );
      return `redis://127.0.0.1:${port}`;
    } catch (err) {
      // Someone took the port between the probe and Redis's bind: try another one.
      if (attempt >= START_ATTEMPTS) throw err;
    }
  }
}
