/**
 * The registry across nodes, against a single redis-server and a 3-master Redis Cluster: serial ids
 * never repeat (across nodes and restarts), a nick has one holder however claims race, presence is
 * shared, and a node that dies (a real process, SIGKILLed) leaves no ghost members or claims
 * behind within the lease bound; one that was only cut off (SIGSTOP) puts its members back.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { IDS_KEY, nickClaimKey } from '../../src/cluster/redis-keys.js';
import type { Member } from '../../src/core/events.js';
import { Inbox } from '../helpers/inbox.js';
import { stopAllRedis } from '../helpers/redis.js';
import { clusterTopology, freshRoom, openRegistryNode, singleTopology, type RegistryEvent, type RegistryNode, type Topology } from './nodes.js';
import type { RegistryProcessConfig } from './registry-process.js';

after(stopAllRedis);

/** Short leases so a death is noticed in a few seconds: within LEASE + SWEEP after the last renewal. */
const LEASE = { leaseMs: 2000, renewMs: 500, sweepMs: 500 };

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface RegistryProcess {
  child: ChildProcess;
  events: Inbox<{ event: string; [key: string]: unknown }>;
  nodeId: string;
}

const PROCESS_SCRIPT = fileURLToPath(new URL('./registry-process.ts', import.meta.url));

async function spawnRegistry(config: RegistryProcessConfig): Promise<RegistryProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', PROCESS_SCRIPT, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events = new Inbox<{ event: string; [key: string]: unknown }>();
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) events.push(JSON.parse(line) as { event: string });
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.once('exit', () => events.close());
  const ready = await events.next((e) => e.event === 'ready', 20_000, 'the registry process to be ready').catch((err: Error) => {
    throw new Error(`${err.message}\n${stderr}`);
  });
  return { child, events, nodeId: String(ready.nodeId) };
}

async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

const byId = (members: readonly Member[]): Member[] => [...members].sort((a, b) => a.id - b.id);

for (const [name, start] of [['single redis-server', singleTopology], ['3-master Redis Cluster', clusterTopology]] as const) {
  describe(`Registry on ${name}`, () => {
    let topology: Topology;
    const open: RegistryNode[] = [];
    const children: ChildProcess[] = [];
    before(async () => {
      topology = await start();
    });
    after(async () => {
      await Promise.all(children.map(killProcess));
      await Promise.all(open.map((n) => n.close().catch(() => {})));
      await topology.destroy();
    });
    async function node(options: Parameters<typeof openRegistryNode>[1] = LEASE): Promise<RegistryNode> {
      const opened = await openRegistryNode(topology.target, options);
      open.push(opened);
      return opened;
    }

    test('serial ids are unique across nodes taking them at once, and a node started later counts on from the highest', async () => {
      const nodes = [await node({ ...LEASE, idBlockSize: 7 }), await node({ ...LEASE, idBlockSize: 7 }), await node({ ...LEASE, idBlockSize: 7 })];
      const ids: number[] = [];
      /** An id, waiting out a block on its way: the refill's INCRBY went before this GET on the same connection. */
      const take = async (n: RegistryNode): Promise<number> => {
        for (let attempt = 0; attempt < 5; attempt++) {
          const id = n.registry.nextId();
          if (id !== undefined) return id;
          await n.link.commands.get(IDS_KEY);
          await turn();
        }
        throw new Error('no id after waiting for a refill');
      };
      for (let round = 0; round < 100; round++) {
        ids.push(...(await Promise.all(nodes.flatMap((n) => [take(n), take(n), take(n)]))));
      }
      assert.equal(ids.length, 900);
      assert.equal(new Set(ids).size, ids.length, 'no id handed out twice');
      assert.ok(ids.every((id) => Number.isSafeInteger(id) && id > 0));
      for (const n of nodes) await n.close();
      open.splice(open.indexOf(nodes[0]!), 3);
      const later = await node({ ...LEASE, idBlockSize: 7 });
      assert.ok(later.registry.nextId()! > Math.max(...ids), 'a restarted node never reuses an id');
    });

    test('racing nick claims: exactly one holder per nick, and only the holder can release it', async () => {
      const nodes = [await node(), await node(), await node()];
      const claim = fc.record({ owner: fc.integer({ min: 1, max: 6 }), key: fc.integer({ min: 0, max: 2 }) });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(claim, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }), fc.array(fc.boolean(), { maxLength: 6 }), async (rounds, releases) => {
          const keys = [freshRoom('nick'), freshRoom('nick'), freshRoom('nick')];
          // Owner o lives on node o % 3, as a session lives on one node.
          const on = (owner: number): RegistryNode => nodes[owner % 3]!;
          const holder = new Map<string, number>();
          for (const [r, round] of rounds.entries()) {
            const answers = await Promise.all(round.map(({ owner, key }) => on(owner).registry.claimNick(keys[key]!, owner)));
            for (const [k, key] of keys.entries()) {
              const claimants = round.map((c, i) => ({ ...c, won: answers[i]! })).filter((c) => c.key === k);
              if (claimants.length === 0) continue;
              const winners = new Set(claimants.filter((c) => c.won).map((c) => c.owner));
              const held = holder.get(key);
              if (held !== undefined) {
                assert.deepEqual([...winners], claimants.some((c) => c.owner === held) ? [held] : [], 'a held nick stays with its holder');
              } else {
                assert.equal(winners.size, 1, 'a free nick goes to exactly one of those racing for it');
                holder.set(key, [...winners][0]!);
              }
              const value = await nodes[0]!.link.commands.get(nickClaimKey(key));
              assert.equal(value?.split(' ')[1], String(holder.get(key)));
            }
            if (releases[r]) {
              // Someone who does not hold it cannot release it; the holder can.
              for (const key of keys) {
                const held = holder.get(key);
                if (held === undefined) continue;
                await on(held + 1).registry.releaseNick(key, held + 1);
                assert.notEqual(await nodes[0]!.link.commands.get(nickClaimKey(key)), null);
                await on(held).registry.releaseNick(key, held);
                assert.equal(await nodes[0]!.link.commands.get(nickClaimKey(key)), null);
                holder.delete(key);
              }
            }
          }
          for (const [key, owner] of holder) await on(owner).registry.releaseNick(key, owner);
        }),
        { numRuns: 25 },
      );
    });

    test('presence is shared: members and rooms across nodes, renames, leaves', async () => {
      const [a, b, c] = [await node(), await node(), await node()];
      const [room, other] = [freshRoom('presence'), freshRoom('presence')];
      await a.registry.join(room, { id: 1, nick: 'alice' });
      await a.registry.join(room, { id: 2, nick: 'bob' });
      await b.registry.join(room, { id: 3, nick: 'carol' });
      await b.registry.join(other, { id: 3, nick: 'carol' });
      assert.deepEqual(await c.registry.members(room), [
        { id: 1, nick: 'alice' },
        { id: 2, nick: 'bob' },
        { id: 3, nick: 'carol' },
      ]);
      const listed = (await c.registry.rooms()).filter((r) => r.room === room || r.room === other);
      assert.deepEqual(listed, [
        { room, members: 3 },
        { room: other, members: 1 },
      ].sort((x, y) => (x.room < y.room ? -1 : 1)));
      await a.registry.join(room, { id: 2, nick: 'robert' });
      assert.deepEqual((await c.registry.members(room)).find((m) => m.id === 2), { id: 2, nick: 'robert' });
      await a.registry.leave(room, 1);
      await b.registry.leave(other, 3);
      assert.deepEqual(
        (await c.registry.members(room)).map((m) => m.id),
        [2, 3],
      );
      assert.equal((await c.registry.rooms()).some((r) => r.room === other), false, 'a room nobody is in is not listed');
    });

    test('a node killed with SIGKILL: its members and nick claims are gone and every node is told, within lease + sweep', async () => {
      const [a, b] = [await node(), await node()];
      const [room, own] = [freshRoom('death'), freshRoom('death')];
      await a.registry.join(room, { id: 100, nick: 'anna' });
      const nick = freshRoom('dave');
      const dying = await spawnRegistry({
        target: topology.target,
        ...LEASE,
        rooms: { [room]: [{ id: 201, nick: 'dave' }, { id: 202, nick: 'dora' }], [own]: [{ id: 201, nick: 'dave' }] },
        nicks: [[nick, 201]],
      });
      children.push(dying.child);
      assert.deepEqual((await b.registry.members(room)).map((m) => m.id), [100, 201, 202]);
      assert.equal(await a.registry.claimNick(nick, 100), false, 'held by the live node');

      await killProcess(dying.child);
      const died = (e: RegistryEvent) => e.kind === 'died' && e.node === dying.nodeId;
      const deadline = LEASE.leaseMs + LEASE.sweepMs + 3000;
      const [onA, onB] = (await Promise.all([a.events.next(died, deadline, 'nodeDied on a'), b.events.next(died, deadline, 'nodeDied on b')])) as Extract<RegistryEvent, { kind: 'died' }>[];
      for (const event of [onA!, onB!]) {
        assert.deepEqual(byId(event.left.get(room) ?? []), [{ id: 201, nick: 'dave' }, { id: 202, nick: 'dora' }]);
        assert.deepEqual(event.left.get(own), [{ id: 201, nick: 'dave' }]);
      }
      assert.deepEqual(await b.registry.members(room), [{ id: 100, nick: 'anna' }], 'no ghost members');
      assert.equal((await b.registry.rooms()).some((r) => r.room === own), false);
      assert.equal(await a.registry.claimNick(nick, 100), true, 'the nick of the dead node is free again');
    });

    test('a node cut off (SIGSTOP) for longer than its lease: the others remove it; when it runs again it puts its members back and learns which nicks were taken', async () => {
      const [a] = [await node()];
      const room = freshRoom('stopped');
      const [kept, lost] = [freshRoom('kept'), freshRoom('lost')];
      const sleeper = await spawnRegistry({ target: topology.target, ...LEASE, rooms: { [room]: [{ id: 301, nick: 'sam' }] }, nicks: [[kept, 301], [lost, 301]] });
      children.push(sleeper.child);
      sleeper.child.kill('SIGSTOP');
      await a.events.next((e) => e.kind === 'died' && e.node === sleeper.nodeId, LEASE.leaseMs + LEASE.sweepMs + 3000, 'nodeDied for the stopped node');
      assert.deepEqual(await a.registry.members(room), []);
      assert.equal(await a.registry.claimNick(lost, 1), true, 'its nick was free while it was gone');
      sleeper.child.kill('SIGCONT');
      const back = await sleeper.events.next((e) => e.event === 'leaseLost', 10_000, 'leaseLost in the stopped process');
      assert.notEqual(back.nodeId, sleeper.nodeId, 'it goes on under a new node id');
      assert.deepEqual(back.taken, [{ key: lost, owner: 301 }]);
      assert.equal(
        sleeper.events.items.some((e) => e.event === 'nodeDied' && e.node === sleeper.nodeId),
        false,
        'the notice of its own old id is not news of others leaving',
      );
      assert.deepEqual(await a.registry.members(room), [{ id: 301, nick: 'sam' }], 'its members are back');
      assert.equal(await a.registry.claimNick(kept, 1), false, 'the nick nobody took is its again');
    });

    test('a node that closes cleanly removes its members and claims, and the others are told', async () => {
      const [a, b] = [await node(), await node()];
      const room = freshRoom('close');
      const nick = freshRoom('nick');
      await b.registry.join(room, { id: 7, nick: 'gus' });
      assert.equal(await b.registry.claimNick(nick, 7), true);
      const gone = b.registry.nodeId;
      await b.close();
      open.splice(open.indexOf(b), 1);
      const event = (await a.events.next((e) => e.kind === 'died' && e.node === gone, 5000, 'the notice of the closed node')) as Extract<RegistryEvent, { kind: 'died' }>;
      assert.deepEqual(event.left.get(room), [{ id: 7, nick: 'gus' }]);
      assert.deepEqual(await a.registry.members(room), []);
      assert.equal(await a.registry.claimNick(nick, 1), true);
    });
  });
}

test('ids run out only when Redis is unreachable and the leased block is used up: nextId answers undefined, it does not throw or wait', async () => {
  const topology = await singleTopology();
  const n = await openRegistryNode(topology.target, { ...LEASE, idBlockSize: 4 });
  try {
    await topology.servers[0]!.stop();
    const ids: (number | undefined)[] = [];
    for (let i = 0; i < 10; i++) ids.push(n.registry.nextId());
    assert.deepEqual(ids.slice(0, 4), [1, 2, 3, 4]);
    assert.ok(ids.slice(4).every((id) => id === undefined));
  } finally {
    await n.link.close();
    await topology.destroy();
  }
});
