/**
 * The RoomRulesStore contract, the same tests against every store: memory, SQLite, and Redis (a
 * real single redis-server and a real 3-master Redis Cluster, where each room's rules live on its
 * shard by hash tag); and the Redis store's failure, which reads as `unavailable`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { RedisLink } from '../../src/cluster/redis-link.js';
import { roomKeys } from '../../src/cluster/redis-keys.js';
import { RedisRoomRules } from '../../src/cluster/redis-room-rules.js';
import { HubError } from '../../src/core/errors.js';
import { DEFAULT_RULES, type RoomRules } from '../../src/core/room-rules.js';
import { MemoryRoomRules, type RoomRulesStore } from '../../src/core/room-rules-store.js';
import { SqliteRoomRules } from '../../src/store/sqlite-room-rules.js';
import { RedisServer, stopAllRedis } from '../helpers/redis.js';
import { clusterTopology, freshRoom, singleTopology, TestLogger, type Topology } from '../cluster/nodes.js';

after(stopAllRedis);

/** A store under test. */
interface Subject {
  readonly store: RoomRulesStore;
  close(): Promise<void>;
}

/** A store kept outside this process (a file, Redis), and what only such a store can be asked. */
interface BackedSubject extends Subject {
  /** A second store on the same backing, as another process or a restart would open it. */
  reopen(): RoomRulesStore;
  /** Stores a room's rules as raw JSON, as an older version might have written them. */
  writeRaw(room: string, json: string): Promise<void>;
}

const SET: RoomRules = {
  ...DEFAULT_RULES,
  topic: { text: 'plans 你好 "q"', by: 'op', ts: 7 },
  topicLocked: false,
  moderated: true,
  inviteOnly: true,
  key: 'k',
  memberLimit: 3,
  slowSeconds: 5,
  operators: ['ann'],
  bans: [
    { nick: 'eve', by: 'op', at: 5, until: 10, reason: 'spam' },
    { id: 42, by: 'op', at: 6 },
  ],
};

/** The tests every store passes; `backed` adds those of a store kept outside this process. */
function contract<S extends Subject>(name: string, open: () => Promise<S>, backed?: (subject: () => S) => void): void {
  describe(`RoomRulesStore contract: ${name}`, () => {
    let subject: S;
    before(async () => {
      subject = await open();
    });
    after(() => subject.close());

    test('a room never stored has no rules', async () => {
      assert.equal(await subject.store.load(freshRoom('never')), undefined);
    });

    test('what is saved loads back whole, every field; saving again replaces it', async () => {
      const room = freshRoom('saved');
      await subject.store.save(room, SET);
      assert.deepEqual(await subject.store.load(room), SET);
      const changed: RoomRules = { ...SET, moderated: false, bans: [] };
      await subject.store.save(room, changed);
      assert.deepEqual(await subject.store.load(room), changed);
    });

    test('rooms are independent, and saving undefined forgets only that room', async () => {
      const [a, b] = [freshRoom('a'), freshRoom('b')];
      await subject.store.save(a, SET);
      await subject.store.save(b, { ...DEFAULT_RULES, slowSeconds: 1 });
      await subject.store.save(a, undefined);
      assert.equal(await subject.store.load(a), undefined);
      assert.deepEqual(await subject.store.load(b), { ...DEFAULT_RULES, slowSeconds: 1 });
    });

    backed?.(() => subject);
  });
}

function backedContract(subject: () => BackedSubject): void {
  test('another store on the same backing reads what this one saved, and what it forgot', async () => {
    const [kept, forgotten] = [freshRoom('kept'), freshRoom('forgotten')];
    await subject().store.save(kept, SET);
    await subject().store.save(forgotten, SET);
    await subject().store.save(forgotten, undefined);
    const other = subject().reopen();
    assert.deepEqual(await other.load(kept), SET);
    assert.equal(await other.load(forgotten), undefined);
  });

  test("stored rules lacking newer fields read with a new room's values", async () => {
    const room = freshRoom('old');
    await subject().writeRaw(room, '{"moderated":true}');
    assert.deepEqual(await subject().store.load(room), { ...DEFAULT_RULES, moderated: true });
  });
}

contract('memory', () => Promise.resolve({ store: new MemoryRoomRules(), close: () => Promise.resolve() }));

contract<BackedSubject>(
  'SQLite',
  () => {
    const db = new Database(':memory:');
    return Promise.resolve({
      store: new SqliteRoomRules(db),
      reopen: () => new SqliteRoomRules(db),
      writeRaw: (room: string, json: string) => Promise.resolve(void db.prepare('INSERT INTO room_rules (room, rules) VALUES (?, ?)').run(room, json)),
      close: () => {
        db.close();
        return Promise.resolve();
      },
    });
  },
  backedContract,
);

for (const [name, start] of [['Redis (single redis-server)', singleTopology], ['Redis (3-master Redis Cluster)', clusterTopology]] as const) {
  contract<BackedSubject>(
    name,
    async () => {
      const topology: Topology = await start();
      const links: RedisLink[] = [];
      const logger = new TestLogger();
      const link = async (): Promise<RedisLink> => {
        const opened = await RedisLink.open({ target: topology.target, name: `test-rules-${links.length}`, logger });
        links.push(opened);
        return opened;
      };
      const [first, second] = [await link(), await link()];
      return {
        store: new RedisRoomRules(first, logger),
        reopen: () => new RedisRoomRules(second, logger),
        writeRaw: async (room: string, json: string) => {
          // Straight to the shard that holds the room: the key's hash tag puts it there.
          await (await topology.serverFor(room)).cli('set', roomKeys(room).rules, json);
        },
        close: async () => {
          await Promise.all(links.map((l) => l.close()));
          await topology.destroy();
        },
      };
    },
    backedContract,
  );
}

test('the Redis store with Redis gone: load and save answer unavailable', async () => {
  const server = await RedisServer.start();
  const logger = new TestLogger();
  const link = await RedisLink.open({ target: { url: server.url }, name: 'test-rules-gone', logger });
  try {
    const store = new RedisRoomRules(link, logger);
    await server.stop();
    const unavailable = (err: unknown): boolean => err instanceof HubError && err.code === 'unavailable';
    await assert.rejects(store.load('gone'), unavailable);
    await assert.rejects(store.save('gone', SET), unavailable);
    await assert.rejects(store.save('gone', undefined), unavailable);
  } finally {
    await link.close();
    await server.destroy();
  }
});
