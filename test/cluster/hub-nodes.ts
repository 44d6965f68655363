/**
 * @module Real hubbub processes (bin/hubbub.js from dist, so `npm run build` first) as nodes of one
 * hub on a Redis topology, and what the cluster tests ask of them.
 */
import { spawnServer, type ServerProcess } from '../helpers/spawn-server.js';
import type { Frame, JsonClient } from '../helpers/clients.js';
import type { Topology } from './nodes.js';

/** The flags that put a node on a topology. */
export function redisFlags(topology: Topology): string[] {
  const { target } = topology;
  return 'url' in target ? ['--redis', target.url] : ['--redis-cluster', target.cluster.map((n) => `${n.host}:${n.port}`).join(',')];
}

/** Starts a hubbub node on the topology (presence notices go out at once, so tests need not wait for a window). */
export function startNode(topology: Topology, args: string[] = []): Promise<ServerProcess> {
  return spawnServer([...redisFlags(topology), '--presence-batch-ms', '0', '--flood-burst', '0', ...args]);
}

export async function healthz(node: ServerProcess): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${node.httpPort}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Sends a command with a ref and resolves with its answer (the frame carrying that ref). */
export async function ask(client: JsonClient, frame: Record<string, unknown>, timeoutMs = 5000): Promise<Frame> {
  const ref = `r${++refs}`;
  client.send({ ...frame, ref });
  return client.frames.next((f) => f.ref === ref, timeoutMs, `the answer to ${String(frame.type)} ${ref}`);
}
let refs = 0;

/** Polls until `check` passes (each try awaits a real answer from the node; no fixed sleep). */
export async function eventually<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
