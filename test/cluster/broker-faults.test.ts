/**
 * What the broker does when Redis misbehaves: a subscriber connection cut (the gap is filled from
 * the stream), Redis frozen for 10 s (health says so quickly, a publish is refused in bounded time
 * and never stored later, delivery resumes on thaw; in a cluster the other shards keep working),
 * Redis stopped and restarted (fast refusal, reconnect, resubscribe), SIGKILL with
 * `appendfsync always` (no acknowledged message lost), and a Redis that comes back empty (a new
 * epoch). Against real redis-server processes.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { BrokerUnavailable } from '../../src/core/broker.js';
import type { RoomMessage } from '../../src/core/events.js';
import { stopAllRedis } from '../helpers/redis.js';
import {
  clusterTopology,
  commandCalls,
  deliveredUpTo,
  freshRoom,
  openBrokerNode,
  published,
  seqs,
  singleTopology,
  type BrokerEvent,
  type BrokerNode,
  type Topology,
  withSubscriberCut,
} from './nodes.js';

after(stopAllRedis);

const FAST = { commandTimeoutMs: 1000, healthIntervalMs: 250 };
const FREEZE_MS = 10_000;

const isHealth = (ok: boolean) => (e: BrokerEvent) => e.kind === 'health' && e.ok === ok;

/** Repeats an attempt until Redis takes it (it is reconnecting, or a cluster refuses for a moment after a fault), failing at the deadline. */
async function untilAccepted<T>(attempt: () => Promise<T | Error>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt().catch((err: Error) => err);
    if (!(result instanceof Error)) return result;
    if (Date.now() > deadline) throw result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const publishOnceAccepted = (node: BrokerNode, room: string, text: string): Promise<RoomMessage> => untilAccepted(() => node.publish(room, text));

async function within<T>(nodes: BrokerNode[], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

for (const [name, start] of [['single redis-server', singleTopology], ['3-master Redis Cluster', clusterTopology]] as const) {
  // One topology for the describe, faults that leave it serving first: the freeze comes last.
  describe(`Broker faults on ${name}`, () => {
    let topology: Topology;
    before(async () => {
      topology = await start({ appendfsync: 'everysec' });
    });
    after(() => topology.destroy());
    beforeEach(() => topology.settled());

    test('a cut subscriber connection resubscribes and fills the gap from the stream, in order, once', async () => {
      const [victim, publisher] = [await openBrokerNode(topology.target), await openBrokerNode(topology.target)];
      await within([victim, publisher], async () => {
        const room = freshRoom('gap');
        await victim.broker.subscribe(room);
        await publisher.broker.subscribe(room);
        await published(publisher, room, 'before');
        await deliveredUpTo(victim, room, 1);
        const readsBefore = await commandCalls(topology, 'xrange');
        await withSubscriberCut(topology, victim, async () => {
          for (let i = 0; i < 5; i++) await published(publisher, room, `while cut ${i}`);
        });
        const seen = await deliveredUpTo(victim, room, 6);
        assert.deepEqual(seqs(seen), [1, 2, 3, 4, 5, 6]);
        assert.deepEqual(
          seen.map((m) => m.text),
          ['before', ...Array.from({ length: 5 }, (_, i) => `while cut ${i}`)],
        );
        assert.ok((await commandCalls(topology, 'xrange')) > readsBefore, 'the gap was read from the stream');
        await published(publisher, room, 'after');
        assert.deepEqual(seqs(await deliveredUpTo(victim, room, 7)), [1, 2, 3, 4, 5, 6, 7]);
      });
    });

    test('scripts gone from Redis (SCRIPT FLUSH, as after a restart): the publish falls back to EVAL and is stored once', async () => {
      const node = await openBrokerNode(topology.target);
      await within([node], async () => {
        const room = freshRoom('noscript');
        await node.broker.subscribe(room);
        await published(node, room, 'loaded');
        for (const server of topology.servers) await server.cli('script', 'flush');
        const evalsBefore = await commandCalls(topology, 'eval');
        const again = await published(node, room, 'after the flush');
        assert.equal(again.seq, 2, 'stored once');
        assert.equal((await commandCalls(topology, 'eval')) - evalsBefore, 1, 'EVAL once, after EVALSHA said NOSCRIPT');
        assert.deepEqual(seqs(await deliveredUpTo(node, room, 2)), [1, 2]);
      });
    });

    test('Redis stopped: publishes are refused at once (certainly not stored); after a restart nodes reconnect, resubscribe and deliver', async () => {
      const [a, b] = [await openBrokerNode(topology.target, FAST), await openBrokerNode(topology.target, FAST)];
      await within([a, b], async () => {
        const room = freshRoom('restart');
        const server = await topology.serverFor(room);
        const epoch = a.broker.epoch;
        for (const node of [a, b]) await node.broker.subscribe(room);
        await published(a, room, 'before');
        await server.stop();
        await a.events.next(isHealth(false), 5000, 'health(false)');
        const refused = await a.publish(room, 'while stopped');
        assert.ok(refused instanceof BrokerUnavailable);
        assert.equal(refused.maybeStored, false, 'never sent, so certainly not stored');

        await server.restart();
        await a.events.next(isHealth(true), 15_000, 'a reconnected');
        // b may publish before a has resubscribed: a fills whatever it missed.
        for (let i = 0; i < 3; i++) await publishOnceAccepted(b, room, `after ${i}`);
        for (const node of [a, b]) {
          assert.deepEqual(
            (await deliveredUpTo(node, room, 4)).map((m) => m.text),
            ['before', 'after 0', 'after 1', 'after 2'],
          );
        }
        assert.equal(a.broker.epoch, epoch, 'the AOF kept the history, so the epoch stays');
      });
    });

    test(`Redis frozen (SIGSTOP) for ${FREEZE_MS / 1000} s: health goes bad, a publish is refused in bounded time and never stored, delivery resumes on thaw`, async () => {
      const [a, b] = [await openBrokerNode(topology.target, FAST), await openBrokerNode(topology.target, FAST)];
      await within([a, b], async () => {
        const frozenRoom = freshRoom('frozen');
        const frozen = await topology.serverFor(frozenRoom);
        // In a cluster, a room on another shard must not notice.
        let otherRoom: string | undefined;
        if (topology.name === 'cluster') {
          while (!otherRoom) {
            const candidate = freshRoom('other');
            if ((await topology.serverFor(candidate)) !== frozen) otherRoom = candidate;
          }
        }
        for (const node of [a, b]) for (const room of [frozenRoom, otherRoom]) if (room) await node.broker.subscribe(room);
        await published(a, frozenRoom, 'before');

        frozen.freeze();
        const frozenAt = Date.now();
        const down = (await a.events.next(isHealth(false), 5000, 'health(false)')) as Extract<BrokerEvent, { kind: 'health' }>;
        assert.match(down.reason ?? '', new RegExp(String(frozen.port)), 'the reason names the frozen server');
        const refused = await a.publish(frozenRoom, 'during the freeze');
        assert.ok(refused instanceof BrokerUnavailable, 'refused, not left hanging');
        if (otherRoom) {
          const elsewhere = await published(a, otherRoom, 'other shard');
          assert.deepEqual(await deliveredUpTo(b, otherRoom, elsewhere.seq), [elsewhere], 'the other shards kept working');
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, FREEZE_MS - (Date.now() - frozenAt))));
        frozen.thaw();

        await a.events.next(isHealth(true), 15_000, 'health(true) after thaw');
        const next = await publishOnceAccepted(b, frozenRoom, 'after the thaw');
        assert.equal(next.seq, 2, 'the refused message took no seq: Redis ran it after its deadline and stored nothing');
        for (const node of [a, b]) {
          assert.deepEqual(
            (await deliveredUpTo(node, frozenRoom, 2)).map((m) => m.text),
            ['before', 'after the thaw'],
          );
        }
        assert.deepEqual(
          (await a.broker.read(frozenRoom, { after: 0, limit: 10 })).messages.map((m) => m.text),
          ['before', 'after the thaw'],
        );
      });
    });
  });
}

describe('Broker faults on a single redis-server', () => {
  test('appendfsync always: after a SIGKILL and a restart, every acknowledged message is there with its seq', async (t) => {
    const topology = await singleTopology({ appendfsync: 'always' });
    t.after(() => topology.destroy());
    const [server] = topology.servers;
    const node = await openBrokerNode(topology.target, FAST);
    await within([node], async () => {
      const room = freshRoom('durable');
      const acknowledged: RoomMessage[] = [];
      let stop = false;
      let reachedFifty!: () => void;
      const fifty = new Promise<void>((resolve) => (reachedFifty = resolve));
      const publishing = (async () => {
        for (let burst = 0; !stop; burst++) {
          const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => node.publish(room, `b${burst}-${i}`)));
          for (const answer of answers) if (!(answer instanceof Error)) acknowledged.push(answer);
          if (acknowledged.length >= 50) reachedFifty();
        }
      })();
      await fifty;
      // Killed while bursts are in flight.
      await server!.kill();
      stop = true;
      await publishing;
      await server!.restart();
      const stored = (await untilAccepted(() => node.broker.read(room, { after: 0, limit: 100_000 }))).messages;
      const bySeq = new Map(stored.map((m) => [m.seq, m]));
      for (const message of acknowledged) assert.deepEqual(bySeq.get(message.seq), message, `acknowledged seq ${message.seq} survived`);
      assert.ok(acknowledged.length >= 50);
      assert.equal(await node.broker.lastSeq(room), stored.at(-1)?.seq, 'the counter survived with the stream');
    });
  });

  test('a Redis that comes back empty (no persistence) starts a new epoch on every node, and delivery goes on from seq 1', async (t) => {
    const topology = await singleTopology();
    t.after(() => topology.destroy());
    const [server] = topology.servers;
    const [a, b] = [await openBrokerNode(topology.target, FAST), await openBrokerNode(topology.target, FAST)];
    await within([a, b], async () => {
      const room = freshRoom('amnesia');
      const oldEpoch = a.broker.epoch;
      for (const node of [a, b]) await node.broker.subscribe(room);
      for (let i = 0; i < 3; i++) await published(a, room, `old ${i}`);
      await deliveredUpTo(b, room, 3);
      await server!.kill();
      await server!.restart();
      const epochs = await Promise.all([a, b].map(async (node) => ((await node.events.next((e) => e.kind === 'epoch', 15_000, 'epochChanged')) as Extract<BrokerEvent, { kind: 'epoch' }>).epoch));
      assert.notEqual(epochs[0], oldEpoch);
      assert.equal(epochs[1], epochs[0], 'both nodes agree on the new epoch');
      assert.equal(a.broker.epoch, epochs[0]);
      const first = await publishOnceAccepted(b, room, 'new 0');
      assert.equal(first.seq, 1, 'seqs start again under the new epoch');
      for (const node of [a, b]) {
        const arrived = await node.events.next((e) => e.kind === 'publication' && e.message.text === 'new 0', 10_000, 'the first message of the new epoch');
        assert.deepEqual(arrived, { kind: 'publication', message: first });
      }
    });
  });
});
