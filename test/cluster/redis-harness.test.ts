/**
 * The test harness itself: a port already in use is detected from the server's own failure and
 * another one is taken; a restart keeps the port and, with an AOF, the data; a frozen server
 * answers nothing until it is thawed.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisServer, stopAllRedis } from '../helpers/redis.js';

after(stopAllRedis);

test('a port in use is detected from redis-server failing to bind, and another is taken', async () => {
  const squatter = createServer();
  squatter.listen(0, '127.0.0.1');
  await once(squatter, 'listening');
  const taken = (squatter.address() as AddressInfo).port;
  try {
    const server = await RedisServer.start({ tryPorts: [taken] });
    assert.notEqual(server.port, taken);
    assert.equal((await server.cli('ping')).trim(), 'PONG');
    await server.destroy();
  } finally {
    squatter.close();
  }
});

test('restart keeps the port and, with appendfsync always, what was written before a SIGKILL', async () => {
  const server = await RedisServer.start({ appendfsync: 'always' });
  const port = server.port;
  await server.cli('set', 'kept', 'yes');
  await server.kill();
  assert.equal(server.alive, false);
  await server.restart();
  assert.equal(server.port, port);
  assert.equal((await server.cli('get', 'kept')).trim(), 'yes');
  await server.destroy();
});

test('a frozen server answers nothing until thawed', async () => {
  const server = await RedisServer.start();
  const client = new Redis({ host: server.host, port: server.port, lazyConnect: true });
  await client.connect();
  try {
    server.freeze();
    let answered = false;
    const pong = client.ping().then((reply) => {
      answered = true;
      return reply;
    });
    // Two round trips of the event loop with a live socket and no answer: the process is stopped.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(answered, false);
    server.thaw();
    assert.equal(await pong, 'PONG');
  } finally {
    client.disconnect();
    await server.destroy();
  }
});
