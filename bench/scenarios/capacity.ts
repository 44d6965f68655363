/**
 * @module Scenario "capacity": as many WebSocket connections as one server process may hold under
 * the 20,000 open-file cap (18,000), each receiving one broadcast. Run for hubbub only.
 */
import type { CapacityRow } from '../results.js';
import type { ServerVariant } from '../servers/variants.js';
import { combineFinish, connectClients, drain, problemsOf, sample, withServer, type Harness } from './harness.js';

export async function runCapacity(h: Harness, variant: ServerVariant): Promise<CapacityRow> {
  const { connections } = h.plan.capacity;
  return withServer(h, variant, async (server) => {
    const connected = await connectClients(h, server, variant, connections, { concurrency: h.plan.connectConcurrency, timeoutMs: 180_000 });
    const rssKiB = server.rssKiB();
    await h.pool.all('arm', () => ({ senders: 1 }));
    const before = await sample(h, server);
    await h.pool.call(0, 'sendNow', { sender: { client: 0, id: 0 }, count: 1, textBytes: h.plan.textBytes });
    const { last, outcome } = await drain(h, server, connections, h.plan.drainTimeoutS);
    const finished = combineFinish(await h.pool.all('finish', () => ({ sent: [1] })), outcome);
    const broadcastMs = outcome === 'complete' ? (last.atUs - before.atUs) / 1000 : NaN;
    h.progress(
      `capacity ${variant.id}: ${connected.ready}/${connections} connected in ${(connected.ms / 1000).toFixed(1)} s · RSS ${Math.round(rssKiB / 1024)} MiB · ` +
        `one broadcast reached ${finished.delivery.delivered} in ${broadcastMs.toFixed(0)} ms`,
    );
    return {
      server: variant.id,
      label: variant.label,
      connections,
      ready: connected.ready,
      connectMs: connected.ms,
      rssKiB,
      broadcastMs,
      delivery: finished.delivery,
      problems: problemsOf(finished, connected.failed),
    };
  });
}
