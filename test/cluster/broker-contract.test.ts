/**
 * The room log's contract (test/contract/room-log.test.ts), where it applies to a broker: seqs,
 * every field kept, paging, retention, the epoch. Publishing is asynchronous here, so there is
 * no "uncommitted" state: a message can be read once its publish was acknowledged. Run against a
 * single redis-server and a 3-master Redis Cluster.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RoomMessage } from '../../src/core/events.js';
import type { Retention } from '../../src/core/room-log.js';
import { stopAllRedis } from '../helpers/redis.js';
import { clusterTopology, freshRoom, openBrokerNode, published, seqs, singleTopology, type BrokerNode, type Topology } from './nodes.js';

const KEEP_ALL: Retention = { maxMessages: 100_000, maxAgeMs: 0 };

after(stopAllRedis);

for (const [name, start] of [['single redis-server', singleTopology], ['3-master Redis Cluster', clusterTopology]] as const) {
  describe(`Broker contract on ${name}`, () => {
    let topology: Topology;
    const open: BrokerNode[] = [];
    before(async () => {
      topology = await start();
    });
    after(async () => {
      await Promise.all(open.map((n) => n.close()));
      await topology.destroy();
    });
    async function node(retention: Retention = KEEP_ALL): Promise<BrokerNode> {
      const opened = await openBrokerNode(topology.target, { retention });
      open.push(opened);
      return opened;
    }
    /** Publishes in order, each after the last was acknowledged. */
    async function postAll(n: BrokerNode, room: string, texts: string[], ts = (i: number) => 1000 + i): Promise<RoomMessage[]> {
      const stored: RoomMessage[] = [];
      for (const [i, text] of texts.entries()) stored.push(await published(n, room, text, ts(i)));
      return stored;
    }

    test('seq is 1, 2, 3… per room, independent across rooms', async () => {
      const n = await node();
      const [a, b, nowhere] = [freshRoom('a'), freshRoom('b'), freshRoom('none')];
      const got = [await published(n, a, 'x'), await published(n, a, 'y'), await published(n, b, 'z'), await published(n, a, 'w')];
      assert.deepEqual(seqs(got), [1, 2, 1, 3]);
      assert.equal(await n.broker.lastSeq(a), 3);
      assert.equal(await n.broker.lastSeq(nowhere), 0);
      assert.equal(await n.broker.firstSeq(nowhere), 1);
    });

    test('reads return every field, unicode and /me included', async () => {
      const n = await node();
      const room = freshRoom('fields');
      const stored = await new Promise<RoomMessage | Error>((resolve) => n.broker.publish({ room, from: 'bob', fromId: 2, text: '你好 😀 "quoted" \\ ]', ts: 5, action: true }, resolve));
      assert.deepEqual(stored, { room, seq: 1, from: 'bob', fromId: 2, text: '你好 😀 "quoted" \\ ]', ts: 5, action: true });
      await published(n, room, 'two');
      const page = await n.broker.read(room, { latest: true, limit: 10 });
      assert.deepEqual(page.messages[0], stored);
      assert.deepEqual(seqs(page.messages), [1, 2]);
      assert.equal(page.more, false);
    });

    test('paging: latest, before and after, ascending, with "more"', async () => {
      const n = await node();
      const room = freshRoom('paging');
      await postAll(n, room, Array.from({ length: 30 }, (_, i) => `m${i + 1}`));
      const read = (query: Parameters<typeof n.broker.read>[1]) => n.broker.read(room, query);
      assert.deepEqual(seqs((await read({ latest: true, limit: 5 })).messages), [26, 27, 28, 29, 30]);
      assert.equal((await read({ latest: true, limit: 5 })).more, true);
      assert.deepEqual(seqs((await read({ before: 15, limit: 5 })).messages), [10, 11, 12, 13, 14]);
      assert.deepEqual(await read({ before: 4, limit: 5 }), { messages: (await read({ after: 0, limit: 3 })).messages, more: false });
      assert.deepEqual(await read({ before: 1, limit: 5 }), { messages: [], more: false });
      assert.deepEqual(seqs((await read({ after: 10, limit: 5 })).messages), [11, 12, 13, 14, 15]);
      assert.equal((await read({ after: 10, limit: 5 })).more, true);
      assert.deepEqual(seqs((await read({ after: 27, limit: 5 })).messages), [28, 29, 30]);
      assert.equal((await read({ after: 27, limit: 5 })).more, false);
      assert.equal((await read({ after: 30, limit: 5 })).messages.length, 0);
    });

    test('batches published in one turn are stored in order and page exactly across their edges', async () => {
      const n = await node({ maxMessages: 30, maxAgeMs: 0 });
      const room = freshRoom('batches');
      for (let start = 1; start <= 40; start += 7) {
        // Up to seven messages queued in one event-loop turn travel as one batch.
        const batch = await Promise.all(Array.from({ length: Math.min(7, 41 - start) }, (_, i) => n.publish(room, `m${start + i}`, 1000 + start + i)));
        assert.deepEqual(batch.map((m) => (m instanceof Error ? m.message : m.text)), batch.map((_, i) => `m${start + i}`));
      }
      const read = (query: Parameters<typeof n.broker.read>[1]) => n.broker.read(room, query);
      assert.deepEqual(seqs((await read({ before: 20, limit: 9 })).messages), [11, 12, 13, 14, 15, 16, 17, 18, 19]);
      assert.deepEqual(seqs((await read({ after: 12, limit: 10 })).messages), [13, 14, 15, 16, 17, 18, 19, 20, 21, 22]);
      assert.deepEqual(seqs((await read({ latest: true, limit: 3 })).messages), [38, 39, 40]);
      await n.broker.prune(2000);
      assert.equal(await n.broker.firstSeq(room), 11, 'count retention cut inside a batch');
      assert.deepEqual(seqs((await read({ before: 14, limit: 10 })).messages), [11, 12, 13]);
      assert.equal((await read({ before: 14, limit: 10 })).more, false);
      assert.deepEqual((await read({ after: 10, limit: 1 })).messages[0], { room, seq: 11, from: 'tester', fromId: 1, text: 'm11', ts: 1011 });
    });

    test('count retention drops the oldest; firstSeq says where history starts; seq never restarts', async () => {
      const n = await node({ maxMessages: 10, maxAgeMs: 0 });
      const room = freshRoom('count');
      await postAll(n, room, Array.from({ length: 25 }, (_, i) => `m${i + 1}`));
      await n.broker.prune(2000);
      assert.equal(await n.broker.firstSeq(room), 16);
      assert.deepEqual(seqs((await n.broker.read(room, { after: 0, limit: 100 })).messages), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
      assert.equal((await published(n, room, 'next')).seq, 26);
    });

    test('age retention drops old messages, and an emptied room keeps its counter', async () => {
      const n = await node({ maxMessages: 1000, maxAgeMs: 500 });
      const room = freshRoom('age');
      await postAll(n, room, ['old', 'old', 'fresh'], (i) => [1000, 1100, 1900][i]!);
      await n.broker.prune(2000);
      assert.deepEqual(seqs((await n.broker.read(room, { after: 0, limit: 10 })).messages), [3]);
      await n.broker.prune(5000);
      assert.equal((await n.broker.read(room, { after: 0, limit: 10 })).messages.length, 0);
      assert.equal(await n.broker.firstSeq(room), 4, 'nothing stored: history starts after the last seq');
      assert.equal((await published(n, room, 'again', 5000)).seq, 4);
    });

    test('the epoch names the history, and every node of a cluster has the same one', async () => {
      const [first, second] = [await node(), await node()];
      assert.match(first.broker.epoch, /^[\w-]{4,}$/);
      assert.equal(second.broker.epoch, first.broker.epoch);
    });
  });
}

test('a new Redis is a new history: another epoch', async () => {
  const [one, two] = [await singleTopology(), await singleTopology()];
  const [a, b] = [await openBrokerNode(one.target), await openBrokerNode(two.target)];
  assert.notEqual(a.broker.epoch, b.broker.epoch);
  await Promise.all([a.close(), b.close()]);
  await Promise.all([one.destroy(), two.destroy()]);
});

test('a room name that cannot be a hash tag is refused with an error, not a crash', async () => {
  const topology = await singleTopology();
  const node = await openBrokerNode(topology.target);
  try {
    const refused = await node.publish('a}b{c', 'x');
    assert.ok(refused instanceof Error);
    assert.match(refused.message, /hash tag/);
    await assert.rejects(node.broker.subscribe('{x}'), /hash tag/);
  } finally {
    await node.close();
    await topology.destroy();
  }
});
