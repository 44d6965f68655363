/**
 * @module Scenario 2, latency under load: many receivers, one sender at a fixed rate (open loop,
 * so a server that falls behind builds a backlog instead of slowing the sender down). Measures
 * latency percentiles, the worst backlog, and how long the tail takes to arrive after the last send.
 */
import type { LatencyRow } from '../results.js';
import { compact, percent } from '../report/format.js';
import type { ServerVariant } from '../servers/variants.js';
import { isClean } from '../stats/delivery-tracker.js';
import { combineFinish, connectClients, cpuBetween, drain, problemsOf, sample, sentBySender, sleep, withServer, type Harness } from './harness.js';

/** A server keeps up when the last delivery arrives within this long after the last send. */
const KEEP_UP_DRAIN_MS = 1_000;

export async function runLatency(h: Harness, variant: ServerVariant): Promise<LatencyRow> {
  const { receivers, perSecond, durationS } = h.plan.latency;
  const tag = `latency ${variant.id} ${receivers}×${perSecond}/s`;
  return withServer(h, variant, async (server) => {
    const connected = await connectClients(h, server, variant, receivers, { concurrency: h.plan.connectConcurrency, timeoutMs: 60_000 });
    h.progress(`${tag}: ${connected.ready}/${receivers} connected in ${(connected.ms / 1000).toFixed(1)} s; sending`);
    await h.pool.all('arm', () => ({ senders: 1 }));
    await h.pool.all('measure', () => ({ on: true }));
    const first = await sample(h, server);
    // The sender is one of the receivers: client 0 of load process 0.
    await h.pool.call(0, 'startRate', { sender: { client: 0, id: 0 }, perSecond, textBytes: h.plan.textBytes });
    let maxBacklog = 0;
    let previous = first;
    for (let elapsed = 0; elapsed < durationS; elapsed += 1) {
      await sleep(Math.min(1, durationS - elapsed) * 1000);
      const now = await sample(h, server);
      const backlog = now.sent - now.delivered / receivers;
      maxBacklog = Math.max(maxBacklog, backlog);
      const cpu = cpuBetween(previous, now);
      h.progress(`${tag}: sent ${now.sent} · backlog ${compact(backlog)} messages · server ${percent(cpu.server)} · load ${cpu.load.map(percent).join('+')} · other ${percent(cpu.other)}`);
      previous = now;
    }
    const stops = await h.pool.all('stopSenders', () => null);
    const stopped = await sample(h, server);
    const serverRssKiB = server.rssKiB();
    const sent = sentBySender(stops, 1);
    const expected = sent[0]! * receivers;
    // A server that did not keep up has already failed this scenario: waiting for all of its
    // backlog would only cost time, so the wait is the plan's, however far behind it is.
    const { last, outcome } = await drain(h, server, expected, h.plan.drainTimeoutS);
    await h.pool.all('measure', () => ({ on: false }));
    const finished = combineFinish(await h.pool.all('finish', () => ({ sent })), outcome);
    const complete = outcome === 'complete';
    const drainMs = complete ? (last.atUs - stopped.atUs) / 1000 : NaN;
    const cpu = cpuBetween(first, stopped);
    return {
      server: variant.id,
      label: variant.label,
      receivers,
      perSecond,
      durationS: (stopped.atUs - first.atUs) / 1e6,
      sent: sent[0]!,
      achievedPerS: sent[0]! / ((stopped.atUs - first.atUs) / 1e6),
      latency: finished.latency,
      maxBacklog: Math.max(0, maxBacklog),
      drainMs,
      keptUp: complete && isClean(finished.delivery) && drainMs <= KEEP_UP_DRAIN_MS,
      senderMaxLagMs: Math.max(...stops.map((s) => s.maxLagUs)) / 1000,
      serverCpu: cpu.server,
      serverRssKiB,
      loadCpu: cpu.load,
      otherCpu: cpu.other,
      delivery: finished.delivery,
      problems: problemsOf(finished, connected.failed),
    };
  });
}
