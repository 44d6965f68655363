/**
 * A client meets a server of another protocol version: a peer on a real TCP socket that answers
 * `/json` with a welcome of the version under test. HubClient refuses to connect, saying which side
 * is too old, and does not hang until its timeout.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { ConnectError } from '../../src/clients/engine/link.js';
import { parseHubUrl } from '../../src/clients/hub-url.js';
import { hubClientFor } from '../../src/clients/node-client.js';

/** A server that welcomes every JSON connection with `protocol` (or none, when undefined). */
async function serverSpeaking(protocol: number | undefined): Promise<{ url: string; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      const welcome = { type: 'welcome', ...(protocol !== undefined && { protocol }), id: 1, nick: 'guest-1', rooms: ['lobby'], server: 'old', epoch: 'e' };
      socket.write(JSON.stringify({ ...welcome, limits: { maxTextBytes: 4096, maxLineBytes: 16384, maxRoomsPerConn: 32 } }) + '\n');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `tcp://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

for (const [protocol, expected] of [
  [2, /^the server is too new for this client: it speaks protocol 2, this client 1$/],
  [undefined, /^the server is too old for this client: it speaks protocol none, this client 1$/],
] as const) {
  test(`HubClient refuses a server speaking protocol ${protocol ?? 'none'}`, async () => {
    const server = await serverSpeaking(protocol);
    const client = hubClientFor(parseHubUrl(server.url), { timing: { connectTimeoutMs: 30_000 } });
    try {
      await assert.rejects(client.start(), (err: Error) => err instanceof ConnectError && expected.test(err.message));
      assert.equal(client.state.kind, 'closed');
    } finally {
      await server.close();
    }
  });
}
