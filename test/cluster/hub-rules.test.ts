/**
 * Rooms' rules across real hubbub nodes on one real redis-server: an operator on one node sets a
 * topic, moderation and a ban; a member on the other node is told in the frames of one node,
 * refused and put out; and the rules stand after both nodes restart.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TcpJsonClient, WsClient, isType, type Frame, type JsonClient } from '../helpers/clients.js';
import { stopAllRedis } from '../helpers/redis.js';
import type { ServerProcess } from '../helpers/spawn-server.js';
import { ask, startNode } from './hub-nodes.js';
import { singleTopology } from './nodes.js';

after(() => stopAllRedis());

const topicText = (frame: Frame): unknown => (frame.topic as Frame | undefined)?.text;

test('an operator on node A sets a topic, moderation and a ban; a member on node B is told, refused and put out; the rules stand after both nodes restart', async () => {
  const topology = await singleTopology();
  const nodes: ServerProcess[] = [];
  const clients: JsonClient[] = [];
  const node = async (): Promise<ServerProcess> => {
    const started = await startNode(topology);
    nodes.push(started);
    return started;
  };
  const named = async (connecting: Promise<JsonClient>, nick: string): Promise<JsonClient> => {
    const client = await connecting;
    clients.push(client);
    assert.equal((await ask(client, { type: 'nick', nick })).type, 'nick');
    return client;
  };
  try {
    const [a, b] = [await node(), await node()];
    const alice = await named(WsClient.connect(a.httpPort), 'alice');
    assert.equal((await ask(alice, { type: 'join', room: 'ops' })).role, 'operator');
    assert.equal((await ask(alice, { type: 'topic', room: 'ops', topic: 'on call: alice' })).type, 'topic');

    const bob = await named(TcpJsonClient.connect(b.tcpPort), 'bob');
    const joined = await ask(bob, { type: 'join', room: 'ops' });
    assert.equal(topicText(joined), 'on call: alice', 'node B read the rules node A stored');
    assert.equal(joined.role, undefined, 'the room has stored rules: its first member on node B did not create it');

    // Node B has the room open now: what alice does on node A reaches bob as on one node.
    await ask(alice, { type: 'topic', room: 'ops', topic: 'release friday' });
    const topic = await bob.frames.next(isType('topic', { room: 'ops' }));
    assert.deepEqual([topicText(topic), (topic.topic as Frame).by], ['release friday', 'alice']);
    assert.equal(topicText(await ask(bob, { type: 'topic', room: 'ops' })), 'release friday');

    assert.equal((await ask(alice, { type: 'moderated', room: 'ops', on: true })).moderated, true);
    const modes = await bob.frames.next(isType('modes', { room: 'ops' }));
    assert.deepEqual([modes.moderated, modes.by], [true, 'alice']);
    assert.equal((await ask(bob, { type: 'say', room: 'ops', text: 'hello?' })).code, 'moderated');

    // A kick from node A of a member on node B: node B puts it out, and each node tells its own.
    const carol = await named(WsClient.connect(b.httpPort), 'carol');
    assert.equal((await ask(carol, { type: 'join', room: 'ops' })).type, 'joined');
    const kick = await ask(alice, { type: 'kick', room: 'ops', target: 'carol', reason: 'off topic' });
    assert.deepEqual([kick.type, kick.nick, kick.by, kick.reason], ['kicked', 'carol', 'alice', 'off topic']);
    const carolLeft = await carol.frames.next(isType('left', { room: 'ops' }));
    assert.deepEqual([carolLeft.reason, carolLeft.by, carolLeft.message], ['kicked', 'alice', 'off topic']);
    const carolKicked = await bob.frames.next(isType('kicked', { room: 'ops' }));
    assert.deepEqual([carolKicked.nick, carolKicked.by], ['carol', 'alice']);
    const who = await ask(bob, { type: 'who', room: 'ops' });
    assert.deepEqual((who.members as Frame[]).map((m) => m.nick).sort(), ['alice', 'bob']);
    assert.equal((await ask(alice, { type: 'kick', room: 'ops', target: 'nobody' })).code, 'no_such_nick');

    assert.equal((await ask(alice, { type: 'ban', room: 'ops', target: 'bob', reason: 'flooding' })).type, 'ban');
    const ban = await bob.frames.next(isType('ban', { room: 'ops' }));
    assert.deepEqual([(ban.ban as Frame).nick, (ban.ban as Frame).by], ['bob', 'alice']);
    const left = await bob.frames.next(isType('left', { room: 'ops' }));
    assert.deepEqual([left.reason, left.by, left.message], ['kicked', 'alice', 'flooding'], 'node B put its banned member out');
    const kicked = await alice.frames.next(isType('kicked', { room: 'ops' }));
    assert.deepEqual([kicked.nick, kicked.by, kicked.reason], ['bob', 'alice', 'flooding'], 'node A heard that node B put bob out');
    const refused = await ask(bob, { type: 'join', room: 'ops' });
    assert.equal(refused.code, 'banned');

    for (const client of clients.splice(0)) client.close();
    for (const stopped of nodes.splice(0)) assert.equal(await stopped.stop(), 0);

    const [a2, b2] = [await node(), await node()];
    const bobAgain = await named(TcpJsonClient.connect(b2.tcpPort), 'bob');
    const stillBanned = await ask(bobAgain, { type: 'join', room: 'ops' });
    assert.equal(stillBanned.code, 'banned');
    assert.match(String(stillBanned.message), /flooding/);
    for (const [port, nick] of [[a2.httpPort, 'carol'], [b2.httpPort, 'dave']] as const) {
      const member = await named(WsClient.connect(port), nick);
      const rejoined = await ask(member, { type: 'join', room: 'ops' });
      assert.equal(topicText(rejoined), 'release friday');
      assert.equal(rejoined.role, undefined);
      assert.equal((await ask(member, { type: 'say', room: 'ops', text: 'hi' })).code, 'moderated');
    }
  } finally {
    for (const client of clients) client.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await topology.destroy();
  }
});
