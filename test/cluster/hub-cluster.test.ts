/**
 * Many hubbub processes, one hub: real `hubbub serve --redis` nodes on real redis-server processes
 * (one instance, and a 3-master Redis Cluster), with clients of every kind spread over the nodes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { TcpClient, TcpJsonClient, WsClient, isType, presenceEntry, type Frame, type JsonClient } from '../helpers/clients.js';
import { stopAllRedis } from '../helpers/redis.js';
import { HUBBUB_BIN, type ServerProcess } from '../helpers/spawn-server.js';
import { ask, eventually, healthz, startNode } from './hub-nodes.js';
import { clusterTopology, singleTopology, type Topology } from './nodes.js';

after(() => stopAllRedis());

/** How long the freeze test keeps Redis stopped with SIGSTOP. */
const FREEZE_MS = 10_000;

const isMessage = (room: string) => (f: Frame) => f.type === 'message' && f.room === room && f.history !== true;

/** Every client joins the room; resolves once each has its answer. */
async function joinAll(clients: JsonClient[], room: string): Promise<void> {
  for (const c of clients) assert.equal((await ask(c, { type: 'join', room })).type, 'joined');
}

async function withNodes(topology: Topology, count: number, run: (nodes: ServerProcess[]) => Promise<void>): Promise<void> {
  const nodes = await Promise.all(Array.from({ length: count }, () => startNode(topology)));
  try {
    await run(nodes);
  } finally {
    await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
  }
}

/** Concurrent senders on different nodes; every observer, on every node, sees the same sequence. */
async function oneOrder(topology: Topology): Promise<void> {
  await withNodes(topology, 2, async ([a, b]) => {
    const senders = [await TcpJsonClient.connect(a!.tcpPort), await WsClient.connect(b!.httpPort)];
    const observers = [await WsClient.connect(a!.httpPort), await TcpJsonClient.connect(b!.tcpPort)];
    const all = [...senders, ...observers];
    await joinAll(all, 'order');
    const perSender = 25;
    for (let i = 0; i < perSender; i++) senders.forEach((s, n) => s.send({ type: 'say', room: 'order', text: `s${n}-${i}` }));
    const seen = await Promise.all(all.map((c) => c.frames.take(perSender * senders.length, isMessage('order'), 15_000)));
    const sequence = (frames: Frame[]) => frames.map((f) => `${String(f.seq)} ${String(f.text)}`);
    for (const frames of seen.slice(1)) assert.deepEqual(sequence(frames), sequence(seen[0]!), 'one order everywhere');
    const seqs = seen[0]!.map((f) => f.seq as number);
    assert.deepEqual(seqs, seqs.map((_, i) => seqs[0]! + i), 'no gaps, no doubles');
    // Each sender's own messages in the order it sent them.
    for (let n = 0; n < senders.length; n++) {
      const own = seen[0]!.filter((f) => String(f.text).startsWith(`s${n}-`)).map((f) => f.text);
      assert.deepEqual(own, Array.from({ length: perSender }, (_, i) => `s${n}-${i}`));
    }
    for (const c of all) c.close();
  });
}

/** Ids, presence, who, rooms, nicks and whispers across two nodes. */
async function acrossNodes(topology: Topology): Promise<void> {
  await withNodes(topology, 2, async ([a, b]) => {
    const alice = await WsClient.connect(a!.httpPort);
    const bob = await TcpJsonClient.connect(b!.tcpPort);
    assert.notEqual(alice.welcome.id, bob.welcome.id, 'ids are unique across nodes');
    assert.equal(alice.welcome.epoch, bob.welcome.epoch, 'one history');
    await joinAll([alice], 'x');
    await joinAll([bob], 'x');
    // Alice hears that bob, on the other node, joined.
    await alice.frames.next((f) => f.type === 'presence' && f.room === 'x' && presenceEntry(f, 'joined', { id: bob.welcome.id }) !== undefined);
    for (const c of [alice, bob]) {
      const who = await ask(c, { type: 'who', room: 'x' });
      assert.deepEqual((who.members as { id: number }[]).map((m) => m.id).sort(), [alice.welcome.id, bob.welcome.id].sort());
      const rooms = await ask(c, { type: 'rooms' });
      assert.deepEqual((rooms.rooms as { room: string; members: number }[]).find((r) => r.room === 'x'), { room: 'x', members: 2 });
    }
    // Nicks are unique cluster-wide, folded.
    assert.equal((await ask(alice, { type: 'nick', nick: 'Alice' })).type, 'nick');
    const renamed = await bob.frames.next((f) => f.type === 'nick' && f.nick === 'Alice');
    assert.equal(renamed.id, alice.welcome.id, 'bob was told of the rename on the other node');
    const taken = await ask(bob, { type: 'nick', nick: 'ALICE' });
    assert.equal(taken.code, 'nick_taken');
    // Whispers reach the other node, by nick and by guest nick.
    const sent = await ask(bob, { type: 'whisper', to: 'alice', text: 'psst' });
    assert.equal(sent.type, 'whisper');
    const got = await alice.frames.next(isType('whisper'));
    assert.deepEqual([got.text, got.fromId, got.toId, got.to], ['psst', bob.welcome.id, alice.welcome.id, 'Alice']);
    await ask(alice, { type: 'whisper', to: `guest-${String(bob.welcome.id)}`, text: 'back' });
    assert.equal((await bob.frames.next(isType('whisper'))).text, 'back');
    assert.equal((await ask(bob, { type: 'whisper', to: 'nobody-here', text: 'x' })).code, 'no_such_nick');
    // A nick given up is free again for anyone.
    alice.close();
    await bob.frames.next((f) => f.type === 'presence' && f.room === 'x' && presenceEntry(f, 'left', { id: alice.welcome.id }) !== undefined);
    assert.equal((await ask(bob, { type: 'nick', nick: 'alice' })).type, 'nick');
    bob.close();
  });
}

describe('nodes on one Redis', () => {
  let topology: Topology;
  test('start Redis', async () => {
    topology = await singleTopology({ appendfsync: 'everysec' });
  });

  test('concurrent senders on two nodes: every observer sees the same sequence', () => oneOrder(topology));

  test('ids, presence, who, rooms, nicks and whispers across nodes', () => acrossNodes(topology));

  test('a node killed: the others see its members leave within the lease, and its clients resume on another node', async () => {
    await withNodes(topology, 2, async ([a, b]) => {
      const stayer = await TcpJsonClient.connect(a!.tcpPort);
      const goner = await TcpJsonClient.connect(b!.tcpPort);
      await joinAll([stayer, goner], 'k');
      const said = await ask(stayer, { type: 'say', room: 'k', text: 'before the kill' });
      const seen = await goner.frames.next((f) => f.type === 'message' && f.text === 'before the kill');
      await b!.stop('SIGKILL');
      // The lease is 10 s and the sweep every 2 s: told within ~15 s.
      const notice = await stayer.frames.next((f) => f.type === 'presence' && f.room === 'k' && presenceEntry(f, 'left', { id: goner.welcome.id }) !== undefined, 20_000);
      assert.ok(notice);
      const who = await ask(stayer, { type: 'who', room: 'k' });
      assert.deepEqual((who.members as { id: number }[]).map((m) => m.id), [stayer.welcome.id], 'no ghost');
      await ask(stayer, { type: 'say', room: 'k', text: 'while it was gone' });
      // Its client comes back on the surviving node and resumes where it was.
      const back = await TcpJsonClient.connect(a!.tcpPort);
      back.send({ type: 'resume', epoch: goner.welcome.epoch, rooms: { k: seen.seq } });
      const missed = await back.frames.next((f) => f.type === 'message' && f.room === 'k', 5000, 'the missed message');
      assert.deepEqual([missed.text, missed.seq], ['while it was gone', (said.seq as number) + 1]);
      for (const c of [stayer, back]) c.close();
    });
  });

  test('Redis stopped and restarted: unavailable (never a silent drop), 503, then everything works again', async () => {
    await withNodes(topology, 2, async ([a, b]) => {
      const sender = await TcpJsonClient.connect(a!.tcpPort);
      const other = await WsClient.connect(b!.httpPort);
      await joinAll([sender, other], 'f');
      const server = topology.servers[0]!;
      await server.stop();
      const refused = await ask(sender, { type: 'say', room: 'f', text: 'into the void' });
      assert.equal(refused.code, 'unavailable');
      const newcomer = await WsClient.open(b!.httpPort);
      const turnedAway = await newcomer.frames.next(isType('bye'), 10_000, 'the goodbye of a newcomer');
      assert.deepEqual([turnedAway.code, turnedAway.message], ['unavailable', 'the cluster cannot reach Redis right now; connect again shortly']);
      const sick = await eventually('/healthz to fail', async () => ((await healthz(a!)).status === 503 ? (await healthz(a!)).body : undefined), 10_000);
      assert.match(String(sick.reason), /redis/i);
      await server.restart();
      await eventually('/healthz to recover', async () => ((await healthz(a!)).status === 200 ? true : undefined), 15_000);
      await eventually('a message to go through', async () => {
        const answer = await ask(sender, { type: 'say', room: 'f', text: 'back again' });
        return answer.type === 'message' ? answer : undefined;
      }, 15_000);
      const got = await other.frames.next((f) => f.type === 'message' && f.text === 'back again', 10_000);
      assert.equal(got.room, 'f');
      for (const c of [sender, other]) c.close();
    });
  });

  test('Redis frozen (SIGSTOP) for 10 s: unavailable after the command timeout, 503, then delivery resumes with no gap and no refused message', async () => {
    await withNodes(topology, 2, async ([a, b]) => {
      const sender = await WsClient.connect(a!.httpPort);
      const receiver = await TcpJsonClient.connect(b!.tcpPort);
      await joinAll([sender, receiver], 'z');
      assert.equal((await ask(sender, { type: 'say', room: 'z', text: 'before' })).type, 'message');
      const server = topology.servers[0]!;
      const frozenAt = Date.now();
      server.freeze();
      try {
        const refused = await ask(sender, { type: 'say', room: 'z', text: 'frozen' }, 10_000);
        assert.equal(refused.code, 'unavailable');
        const sick = await eventually('/healthz to fail', async () => ((await healthz(a!)).status === 503 ? true : undefined), 10_000);
        assert.equal(sick, true);
        // The fault lasts as long as the scenario (10 s): a duration of the fault, not a wait for the server.
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, FREEZE_MS - (Date.now() - frozenAt))));
      } finally {
        server.thaw();
      }
      await eventually('a message to go through', async () => {
        const answer = await ask(sender, { type: 'say', room: 'z', text: 'after' }, 10_000);
        return answer.type === 'message' ? answer : undefined;
      }, 20_000);
      const got: Frame[] = [];
      do got.push(await receiver.frames.next(isMessage('z'), 10_000));
      while (got.at(-1)!.text !== 'after');
      assert.deepEqual(got.map((f) => f.text), ['before', 'after'], 'the refused message was never delivered');
      assert.equal(got[1]!.seq, (got[0]!.seq as number) + 1, 'no gap');
      for (const c of [sender, receiver]) c.close();
    });
  });

  test('text clients on two nodes talk in lobby', async () => {
    await withNodes(topology, 2, async ([a, b]) => {
      const one = await TcpClient.text(a!.tcpPort);
      const two = await TcpClient.text(b!.tcpPort);
      one.send('hello from one');
      await two.lines.next((l) => l.includes('hello from one'));
      one.close();
      two.close();
    });
  });

  test('/metrics of a node shows how long its Redis commands took, by command and outcome', async () => {
    await withNodes(topology, 1, async ([a]) => {
      const sender = await WsClient.connect(a!.httpPort);
      assert.equal((await ask(sender, { type: 'say', room: 'lobby', text: 'counted', ref: 'm' })).type, 'message');
      const text = await (await fetch(`http://127.0.0.1:${a!.httpPort}/metrics`)).text();
      const count = (command: string) => Number(new RegExp(`^hubbub_redis_command_seconds_count\\{command="${command}",outcome="ok"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      assert.ok(count('publish') >= 1, `the publish script was timed:\n${text.split('\n').filter((l) => l.startsWith('hubbub_redis')).join('\n')}`);
      assert.ok(count('claim nick') >= 1, 'so was the claim of the guest nick on connecting');
      sender.close();
    });
  });

  test('--workers 2: two processes share the ports as nodes of one hub', async () => {
    const node = await startNode(topology, ['--workers', '2']);
    try {
      // Each worker says it listens; the first line was the one spawnServer read.
      await node.stdout.next((l) => l.startsWith('hubbub listening'), 15_000, 'the second worker listening');
      const clients: TcpJsonClient[] = [];
      for (let i = 0; i < 4; i++) clients.push(await TcpJsonClient.connect(node.tcpPort));
      // Each worker leases its own block of 1,000 ids, and new connections go round the workers.
      const blocks = new Set(clients.map((c) => Math.floor(((c.welcome.id as number) - 1) / 1000)));
      assert.ok(blocks.size >= 2, `connections reached both workers (ids ${clients.map((c) => String(c.welcome.id)).join(', ')})`);
      await joinAll(clients, 'w');
      assert.equal((await ask(clients[0]!, { type: 'say', room: 'w', text: 'to every worker' })).type, 'message');
      for (const c of clients.slice(1)) assert.equal((await c.frames.next(isMessage('w'))).text, 'to every worker');
      for (const c of clients) c.close();
    } finally {
      assert.equal(await node.stop('SIGTERM'), 0, 'the primary stops its workers and exits cleanly');
    }
  });

  test('stop Redis', () => topology.destroy());
});

test('--workers without Redis stops start-up with a clear message', async () => {
  const run = promisify(execFile);
  const failed = await run(process.execPath, [HUBBUB_BIN, 'serve', '--workers', '2', '--tcp-port', '0', '--http-port', '0', '--store', 'memory']).then(
    () => assert.fail('start-up should have stopped'),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /--workers above 1 needs --redis or --redis-cluster/);
});

test('appendfsync always: Redis SIGKILLed mid-traffic and restarted loses no message any client saw', async () => {
  const topology = await singleTopology({ appendfsync: 'always' });
  try {
    await withNodes(topology, 2, async ([a, b]) => {
      const sender = await TcpJsonClient.connect(a!.tcpPort);
      const watcher = await WsClient.connect(b!.httpPort);
      await joinAll([sender, watcher], 'durable');
      // A stream of messages, and Redis killed while they flow: some are acknowledged, some refused.
      for (let i = 0; i < 200; i++) sender.send({ type: 'say', room: 'durable', text: `m${i}`, ref: `m${i}` });
      const answersM = (f: Frame) => typeof f.ref === 'string' && f.ref.startsWith('m');
      const first = await sender.frames.next(answersM, 10_000, 'a first answer');
      await topology.servers[0]!.kill();
      const answers = [first, ...(await sender.frames.take(199, answersM, 20_000))];
      const acknowledged = answers.filter((f) => f.type === 'message');
      assert.ok(acknowledged.length > 0, 'some were acknowledged before the kill');
      assert.ok(answers.every((f) => f.type === 'message' || f.code === 'unavailable'), 'every other one was refused unavailable, none dropped');
      // What the other client had been shown by now counts as seen too.
      const seenByWatcher = watcher.frames.items.filter(isMessage('durable'));
      await topology.servers[0]!.restart();
      // Until the node has reconnected, a newcomer is refused; once in, it reads the room's history.
      const reader = await eventually('a newcomer to be admitted', () => WsClient.connect(a!.httpPort).catch(() => undefined), 20_000);
      const page = await eventually('the history to be readable again', async () => {
        const answer = await ask(reader, { type: 'history', room: 'durable', after: 0, limit: 200 });
        return answer.type === 'history' ? answer : undefined;
      }, 20_000);
      const stored = new Map((page.messages as Frame[]).map((m) => [m.seq, m.text]));
      for (const seen of [...acknowledged, ...seenByWatcher]) assert.equal(stored.get(seen.seq), seen.text, `seq ${String(seen.seq)} (${String(seen.text)}) survived`);
      for (const c of [sender, watcher, reader]) c.close();
    });
  } finally {
    await topology.destroy();
  }
});

describe('nodes on a 3-master Redis Cluster', () => {
  let topology: Topology;
  test('start the cluster', async () => {
    topology = await clusterTopology();
  });
  test('concurrent senders on two nodes: every observer sees the same sequence', () => oneOrder(topology));
  test('ids, presence, who, rooms, nicks and whispers across nodes', () => acrossNodes(topology));
  test('stop the cluster', () => topology.destroy());
});
