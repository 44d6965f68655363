/**
 * One order per room across nodes: two publishing nodes and a silent observer, each with its own
 * connections, all subscribed to the same rooms (spread over the shards of a cluster). Whatever the
 * interleaving, every node delivers each room's messages as seqs 1..n, once each, with the content
 * the stream holds; a publisher hears `done` before its own message comes back; and the messages
 * queued in one event-loop turn go to Redis as one script call per room.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { RoomMessage } from '../../src/core/events.js';
import { stopAllRedis } from '../helpers/redis.js';
import { clusterTopology, commandCalls, deliveredUpTo, freshRoom, openBrokerNode, seqs, singleTopology, type BrokerNode, type Topology } from './nodes.js';

after(stopAllRedis);

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

for (const [name, start] of [['single redis-server', singleTopology], ['3-master Redis Cluster', clusterTopology]] as const) {
  describe(`Order across nodes on ${name}`, () => {
    let topology: Topology;
    let nodes: BrokerNode[];
    before(async () => {
      topology = await start();
      nodes = [await openBrokerNode(topology.target), await openBrokerNode(topology.target), await openBrokerNode(topology.target)];
    });
    after(async () => {
      await Promise.all(nodes.map((n) => n.close()));
      await topology.destroy();
    });

    test('concurrent publishers on two nodes: every node delivers the same sequence per room, each seq once, done before its own publication', async () => {
      const step = fc.record({ node: fc.integer({ min: 0, max: 1 }), room: fc.integer({ min: 0, max: 2 }), burst: fc.integer({ min: 1, max: 5 }), yieldAfter: fc.boolean() });
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
          const rooms = [freshRoom('order'), freshRoom('order'), freshRoom('order')];
          for (const node of nodes) for (const room of rooms) assert.equal(await node.broker.subscribe(room), 0);
          const answers: Promise<RoomMessage | Error>[] = [];
          let counter = 0;
          for (const { node, room, burst, yieldAfter } of steps) {
            for (let i = 0; i < burst; i++) answers.push(nodes[node]!.publish(rooms[room]!, `n${node}-${++counter}`));
            if (yieldAfter) await turn();
          }
          const stored = await Promise.all(answers);
          for (const result of stored) if (result instanceof Error) assert.fail(`refused: ${result.message}`);
          for (const room of rooms) {
            const expected = (stored as RoomMessage[]).filter((m) => m.room === room).sort((a, b) => a.seq - b.seq);
            assert.deepEqual(seqs(expected), expected.map((_, i) => i + 1), 'seqs 1..n, none skipped, none twice');
            assert.deepEqual((await nodes[2]!.broker.read(room, { after: 0, limit: 1000 })).messages, expected, 'the stream holds what was acknowledged');
            for (const node of nodes) {
              const delivered = expected.length > 0 ? await deliveredUpTo(node, room, expected.length) : [];
              assert.deepEqual(delivered, expected, `${node.name} delivered #${room} in seq order, once each`);
            }
          }
          // A publisher's `done` comes before its message comes back through the subscription.
          for (const node of nodes.slice(0, 2)) {
            const seen = new Set<string>();
            for (const event of node.events.items) {
              if (event.kind === 'done' && !(event.result instanceof Error)) seen.add(`${event.result.room}:${event.result.seq}`);
              if (event.kind === 'publication' && event.message.text.startsWith(node === nodes[0] ? 'n0-' : 'n1-') && rooms.includes(event.message.room)) {
                assert.ok(seen.has(`${event.message.room}:${event.message.seq}`), `done before publication for ${event.message.text}`);
              }
            }
          }
          for (const node of nodes) for (const room of rooms) node.broker.unsubscribe(room);
        }),
        { numRuns: 12 },
      );
    });

    test('messages queued in one turn leave as one script call per room', async () => {
      const rooms = [freshRoom('batch'), freshRoom('batch'), freshRoom('batch')];
      const [publisher] = nodes;
      const before = await commandCalls(topology, 'evalsha', 'eval');
      const answers = rooms.flatMap((room) => Array.from({ length: 40 }, (_, i) => publisher!.publish(room, `m${i}`)));
      const stored = await Promise.all(answers);
      assert.equal(stored.filter((m) => m instanceof Error).length, 0);
      assert.equal((await commandCalls(topology, 'evalsha', 'eval')) - before, rooms.length, '120 messages in 3 rooms: 3 script calls');
      for (const room of rooms) assert.equal(await publisher!.broker.lastSeq(room), 40);
    });

    test('an unsubscribed node receives nothing more of the room; subscribing again starts after the last seq', async () => {
      const room = freshRoom('unsub');
      const [publisher, leaver] = nodes;
      await publisher!.broker.subscribe(room);
      await leaver!.broker.subscribe(room);
      await deliveredUpTo(leaver!, room, (await publisher!.publish(room, 'one'), 1));
      leaver!.broker.unsubscribe(room);
      for (let i = 0; i < 3; i++) await publisher!.publish(room, `while away ${i}`);
      assert.equal(await leaver!.broker.subscribe(room), 4);
      await publisher!.publish(room, 'five');
      await deliveredUpTo(publisher!, room, 5);
      const seen = await deliveredUpTo(leaver!, room, 5);
      assert.deepEqual(seqs(seen), [1, 5], 'nothing from while it was away, then live again');
      publisher!.broker.unsubscribe(room);
      leaver!.broker.unsubscribe(room);
    });
  });
}
