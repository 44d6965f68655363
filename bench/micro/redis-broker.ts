/**
 * @module Microbenchmark of the Redis broker alone, against its own redis-server: the round trip of
 * one publish (acknowledged, and delivered back through the subscription), and the cost per message
 * when a turn carries a batch, on the node (wall clock) and inside Redis (INFO commandstats).
 * `node --import tsx bench/micro/redis-broker.ts [publishes]` (default 5,000 per row).
 */
import { RedisBroker } from '../../src/cluster/redis-broker.js';
import { RedisLink } from '../../src/cluster/redis-link.js';
import type { RoomMessage } from '../../src/core/events.js';
import { RedisServer } from '../../test/helpers/redis.js';

const BATCH_SIZES = [1, 10, 100];
/** The benchmark's message text: a marker and padding to 64 bytes, as in room-log.ts. */
const TEXT = '~B3.12345.1234567890123~ ' + 'x'.repeat(39);
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

const publishes = Number(process.argv[2] ?? 5000);
const server = await RedisServer.start();
const link = await RedisLink.open({ target: { url: server.url }, name: 'bench', logger: quiet });
let onDelivered: ((m: RoomMessage) => void) | undefined;
const broker = await RedisBroker.open({
  link,
  logger: quiet,
  retention: { maxMessages: 10_000, maxAgeMs: 0 },
  listener: { publication: (m) => onDelivered?.(m), lost() {}, health() {}, epochChanged() {} },
});

function publish(room: string): Promise<RoomMessage> {
  return new Promise((resolve, reject) =>
    broker.publish({ room, from: 'guest-12', fromId: 12, text: TEXT, ts: Date.now() }, (r) => (r instanceof Error ? reject(r) : resolve(r))),
  );
}

async function redisMicrosPerCall(): Promise<{ calls: number; usec: number }> {
  const stats = await server.cli('info', 'commandstats');
  const found = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(stats);
  return { calls: Number(found?.[1] ?? 0), usec: Number(found?.[2] ?? 0) };
}

try {
  const room = 'bench';
  await broker.subscribe(room);
  for (let i = 0; i < 200; i++) await publish(room); // warm-up (script loaded, JIT)

  let started = process.hrtime.bigint();
  for (let i = 0; i < publishes; i++) await publish(room);
  const ackMicros = Number(process.hrtime.bigint() - started) / 1000 / publishes;

  started = process.hrtime.bigint();
  for (let i = 0; i < publishes; i++) {
    const delivered = new Promise<void>((resolve) => (onDelivered = () => resolve()));
    await publish(room);
    await delivered;
  }
  const deliveredMicros = Number(process.hrtime.bigint() - started) / 1000 / publishes;
  onDelivered = undefined;
  process.stdout.write(`one publish at a time: ${ackMicros.toFixed(0)} µs to the acknowledgement, ${deliveredMicros.toFixed(0)} µs until delivered back\n`);

  process.stdout.write(`${'messages per turn'.padEnd(20)}${'µs/message (node)'.padStart(20)}${'µs/message (Redis)'.padStart(20)}\n`);
  for (const batch of BATCH_SIZES) {
    const before = await redisMicrosPerCall();
    started = process.hrtime.bigint();
    for (let done = 0; done < publishes; done += batch) await Promise.all(Array.from({ length: batch }, () => publish(room)));
    const nodeMicros = Number(process.hrtime.bigint() - started) / 1000 / publishes;
    const after = await redisMicrosPerCall();
    const redisMicros = (after.usec - before.usec) / publishes;
    process.stdout.write(`${String(batch).padEnd(20)}${nodeMicros.toFixed(1).padStart(20)}${redisMicros.toFixed(1).padStart(20)}\n`);
  }
} finally {
  await broker.close();
  await link.close();
  await server.destroy();
}
