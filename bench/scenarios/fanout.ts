/**
 * @module Scenario 1, fan-out at full speed: N receivers and S senders in one room, each sender
 * keeping a window of its own messages in flight. Measures deliveries per second, their latency,
 * and CPU on both sides; every delivery is checked for loss, duplication and order.
 */
import type { FanoutRow } from '../results.js';
import { compact, percent } from '../report/format.js';
import type { ServerVariant } from '../servers/variants.js';
import {
  combineFinish,
  connectClients,
  cpuBetween,
  drain,
  drainTimeoutS,
  problemsOf,
  perSecond,
  sample,
  senderSpecs,
  sentBySender,
  sleep,
  withServer,
  type Harness,
} from './harness.js';

/** `measured` learns the measured window (CLOCK_MONOTONIC µs), e.g. to cut a CPU profile to it. */
export async function runFanout(h: Harness, variant: ServerVariant, receivers: number, measured?: (fromUs: number, toUs: number) => void): Promise<FanoutRow> {
  const { senders, window, warmupS, durationS } = h.plan.fanout;
  const members = receivers + senders;
  const tag = `fanout ${variant.id} N=${receivers}`;
  return withServer(h, variant, async (server) => {
    const connected = await connectClients(h, server, variant, members, { concurrency: h.plan.connectConcurrency, timeoutMs: 60_000 });
    h.progress(`${tag}: ${connected.ready}/${members} connected in ${(connected.ms / 1000).toFixed(1)} s; sending`);
    await h.pool.all('arm', () => ({ senders }));
    const specs = senderSpecs(h.pool.size, senders);
    await h.pool.all('startWindow', (i) => ({ senders: specs[i]!, window, textBytes: h.plan.textBytes }));
    await sleep(warmupS * 1000);

    await h.pool.all('measure', () => ({ on: true }));
    const first = await sample(h, server);
    let previous = first;
    for (let elapsed = 0; elapsed < durationS; elapsed += 1) {
      await sleep(Math.min(1, durationS - elapsed) * 1000);
      const now = await sample(h, server);
      const cpu = cpuBetween(previous, now);
      h.progress(
        `${tag}: ${compact(perSecond(previous, now, (s) => s.delivered))} deliveries/s · server ${percent(cpu.server)} · ` +
          `load ${cpu.load.map(percent).join('+')} · other ${percent(cpu.other)}${now.dropped ? ` · ${now.dropped} DROPPED` : ''}`,
      );
      previous = now;
    }
    const last = previous;
    const serverRssKiB = server.rssKiB();
    await h.pool.all('measure', () => ({ on: false }));
    measured?.(first.atUs, last.atUs);

    const sent = sentBySender(await h.pool.all('stopSenders', () => null), senders);
    const expected = sent.reduce((a, b) => a + b, 0) * members;
    const rate = perSecond(first, last, (s) => s.delivered);
    const { outcome } = await drain(h, server, expected, drainTimeoutS(h.plan, expected - last.delivered, rate));
    const finished = combineFinish(await h.pool.all('finish', () => ({ sent })), outcome);
    const cpu = cpuBetween(first, last);
    return {
      server: variant.id,
      label: variant.label,
      receivers,
      senders,
      window,
      durationS: (last.atUs - first.atUs) / 1e6,
      deliveriesPerS: perSecond(first, last, (s) => s.delivered),
      messagesPerS: perSecond(first, last, (s) => s.sent),
      latency: finished.latency,
      serverCpu: cpu.server,
      serverRssKiB,
      loadCpu: cpu.load,
      otherCpu: cpu.other,
      delivery: finished.delivery,
      problems: problemsOf(finished, connected.failed),
    };
  });
}
