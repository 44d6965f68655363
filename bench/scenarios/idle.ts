/**
 * @module Scenario 3, idle connections: the server's resident memory before and after many
 * connected, silent clients, as KiB per connection.
 */
import type { IdleRow } from '../results.js';
import type { ServerVariant } from '../servers/variants.js';
import { connectClients, noProblems, sleep, withServer, type Harness } from './harness.js';

export async function runIdle(h: Harness, variant: ServerVariant): Promise<IdleRow> {
  const { connections, settleS } = h.plan.idle;
  return withServer(h, variant, async (server) => {
    await sleep(settleS * 1000);
    const rssBeforeKiB = server.rssKiB();
    const connected = await connectClients(h, server, variant, connections, { concurrency: h.plan.connectConcurrency, timeoutMs: 120_000 });
    // Let buffers from the handshakes be released before reading the resident size.
    await sleep(settleS * 1000);
    const rssAfterKiB = server.rssKiB();
    const kibPerConnection = (rssAfterKiB - rssBeforeKiB) / connected.ready;
    h.progress(`idle ${variant.id}: ${connected.ready}/${connections} connected · RSS ${Math.round(rssBeforeKiB / 1024)} → ${Math.round(rssAfterKiB / 1024)} MiB · ${kibPerConnection.toFixed(1)} KiB/conn`);
    return {
      server: variant.id,
      label: variant.label,
      connections,
      ready: connected.ready,
      rssBeforeKiB,
      rssAfterKiB,
      kibPerConnection,
      problems: { ...noProblems(), connectErrors: connected.failed },
    };
  });
}
