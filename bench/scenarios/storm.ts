/**
 * @module Scenario 4, connection storm: many clients connect and join one room as fast as they
 * can (a bounded number of attempts in progress per load process, about one listen backlog);
 * time until all have joined, and every error.
 */
import type { StormRow } from '../results.js';
import type { ServerVariant } from '../servers/variants.js';
import { connectClients, cpuBetween, noProblems, sample, withServer, type Harness } from './harness.js';

const STORM_ROOM = 'storm';

export async function runStorm(h: Harness, variant: ServerVariant): Promise<StormRow> {
  const { clients } = h.plan.storm;
  return withServer(h, variant, async (server) => {
    const before = await sample(h, server);
    const connected = await connectClients(h, server, variant, clients, { join: STORM_ROOM, concurrency: h.plan.connectConcurrency, timeoutMs: 60_000 });
    const after = await sample(h, server);
    const errors = Object.values(connected.failed).reduce((a, b) => a + b, 0);
    h.progress(`storm ${variant.id}: ${connected.ready}/${clients} joined in ${(connected.ms / 1000).toFixed(2)} s${errors ? ` · ${errors} ERRORS ${JSON.stringify(connected.failed)}` : ''}`);
    return {
      server: variant.id,
      label: variant.label,
      clients,
      joined: connected.ready,
      allJoinedMs: connected.ms,
      setup: connected.setup,
      serverCpu: cpuBetween(before, after).server,
      problems: { ...noProblems(), connectErrors: connected.failed },
    };
  });
}
