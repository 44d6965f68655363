/**
 * Behind reverse proxies (`--trust-proxy`): the PROXY protocol on the TCP port (plain and TLS) and
 * X-Forwarded-For on the HTTP port name the client, for the per-address caps, only when the peer is
 * trusted; malformed headers from a trusted peer are refused with a reason.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { resolveConfig } from '../../src/config/options.js';
import { makeCertificate, tempDir } from '../helpers/certificates.js';
import { TcpClient, WsClient, isType } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';

const LOCAL = ['127.0.0.1'];

/** A TCP connection that opens with `header` (as a proxy would), then reads lines. */
async function proxied(port: number, header: string | Buffer, firstLine = ''): Promise<TcpClient> {
  const client = await TcpClient.connect(port);
  client.writeRaw(Buffer.concat([Buffer.from(header), Buffer.from(firstLine)]));
  return client;
}

const proxyLine = (client: string) => `PROXY TCP4 ${client} 127.0.0.1 40000 3000\r\n`;
const welcomed = (c: TcpClient) => c.lines.next((l) => l.includes('Welcome'), undefined, 'welcome');

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

test('PROXY v1 from a trusted peer: the per-address cap counts the client it names, the line after it is the first line', async () => {
  const server = await startTestServer({ maxConnectionsPerIp: 1 }, { trustProxy: LOCAL });
  try {
    const alice = await proxied(server.tcpPort, proxyLine('203.0.113.7'), '/nick alice\n');
    await welcomed(alice);
    await alice.lines.next((l) => l.includes('is now known as alice'), undefined, 'the line sent right behind the header');
    const bob = await proxied(server.tcpPort, proxyLine('203.0.113.8'));
    await welcomed(bob);
    const again = await proxied(server.tcpPort, proxyLine('203.0.113.7'));
    await again.lines.next((l) => l.endsWith('[too_many_from_ip]'), undefined, 'the cap of 203.0.113.7');
    await again.lines.ended();
    // The header may also arrive in pieces.
    const slow = await TcpClient.connect(server.tcpPort);
    for (const piece of ['PROX', 'Y TCP6 2001:db8::', '9 ::1 1 2\r', '\n']) slow.writeRaw(piece);
    await welcomed(slow);
    for (const c of [alice, bob, slow]) c.close();
  } finally {
    await server.close();
  }
});

test('PROXY v2 (binary), then TLS: the header is read before the handshake', async () => {
  const certificate = makeCertificate(tempDir());
  const server = await startTestServer({ maxConnectionsPerIp: 1 }, { trustProxy: LOCAL, tlsCert: certificate.certPath, tlsKey: certificate.keyPath });
  try {
    const header = (a: number) =>
      Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c, 198, 51, 100, a, 127, 0, 0, 1, 0x9c, 0x40, 0x0b, 0xb8]);
    const connect = async (a: number): Promise<TcpClient> => {
      const raw = net.connect(server.tcpPort, '127.0.0.1');
      await once(raw, 'connect');
      raw.write(header(a));
      const secure = tls.connect({ socket: raw, ca: certificate.cert, servername: 'localhost' });
      await once(secure, 'secureConnect');
      return TcpClient.wrap(secure);
    };
    const first = await connect(1);
    await welcomed(first);
    const second = await connect(2);
    await welcomed(second);
    const third = await connect(1);
    await third.lines.next((l) => l.endsWith('[too_many_from_ip]'), undefined, 'the cap of 198.51.100.1');
    first.close();
    second.close();
  } finally {
    await server.close();
  }
});

test('a trusted peer without a PROXY header, or with a malformed one, is refused with bad_proxy_header', async () => {
  const server = await startTestServer({}, { trustProxy: LOCAL });
  try {
    for (const opening of ['/nick sneaky\n', 'PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\nhi\n', 'PROXY TCP4 not-an-ip 5.6.7.8 1 1\r\n', `PROXY ${'x'.repeat(200)}`]) {
      const client = await proxied(server.tcpPort, opening);
      const bye = await client.lines.next((l) => l.endsWith('[bad_proxy_header]'), undefined, `the refusal of ${JSON.stringify(opening.slice(0, 30))}`);
      assert.match(bye, /PROXY/);
      await client.lines.ended();
    }
    const ok = await proxied(server.tcpPort, proxyLine('192.0.2.1'));
    await welcomed(ok);
    ok.close();
  } finally {
    await server.close();
  }
});

test('an untrusted peer: its PROXY line is just a first line, and the cap counts its own address', async () => {
  const server = await startTestServer({ maxConnectionsPerIp: 1 }, { trustProxy: ['10.0.0.0/8'] });
  try {
    const first = await TcpClient.text(server.tcpPort);
    first.send(proxyLine('203.0.113.9').trimEnd());
    await first.lines.next((l) => l.includes('<guest-') && l.endsWith('PROXY TCP4 203.0.113.9 127.0.0.1 40000 3000'), undefined, 'the line said as a message');
    const second = await proxied(server.tcpPort, proxyLine('203.0.113.10'));
    await second.lines.next((l) => l.endsWith('[too_many_from_ip]'), undefined, 'counted as 127.0.0.1');
    first.close();
  } finally {
    await server.close();
  }
});

test('a trusted proxy is held to the total socket cap only, not to the per-address one', async () => {
  // The gate cuts an address at max-connections-per-ip + 16 sockets; 20 clients behind one proxy all get in.
  const server = await startTestServer({ maxConnectionsPerIp: 1 }, { trustProxy: LOCAL });
  try {
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => proxied(server.tcpPort, proxyLine(`192.0.2.${i + 1}`))));
    await Promise.all(clients.map(welcomed));
    assert.equal(server.hub.stats().connections, 20);
    clients.forEach((c) => c.close());
  } finally {
    await server.close();
  }
});

test('X-Forwarded-For from a trusted peer names the WebSocket client; from anyone else it is ignored', async () => {
  const server = await startTestServer({ maxConnectionsPerIp: 1 }, { trustProxy: LOCAL });
  try {
    const a = await WsClient.connect(server.httpPort, undefined, { 'X-Forwarded-For': '6.6.6.6, 198.51.100.20' });
    const b = await WsClient.connect(server.httpPort, undefined, { 'X-Forwarded-For': '198.51.100.21' });
    const c = await WsClient.open(server.httpPort, undefined, { 'X-Forwarded-For': '7.7.7.7, 198.51.100.20' });
    assert.equal((await c.frames.next(isType('bye'))).code, 'too_many_from_ip', 'the rightmost untrusted address is the client');
    a.close();
    b.close();
  } finally {
    await server.close();
  }
  const untrusting = await startTestServer({ maxConnectionsPerIp: 1 }, { trustProxy: ['10.0.0.0/8'] });
  try {
    const a = await WsClient.connect(untrusting.httpPort, undefined, { 'X-Forwarded-For': '198.51.100.30' });
    const b = await WsClient.open(untrusting.httpPort, undefined, { 'X-Forwarded-For': '198.51.100.31' });
    assert.equal((await b.frames.next(isType('bye'))).code, 'too_many_from_ip', 'both are 127.0.0.1');
    a.close();
  } finally {
    await untrusting.close();
  }
});

test('a malformed X-Forwarded-For from a trusted peer is answered 400 bad_proxy_header, on requests and upgrades', async () => {
  const server = await startTestServer({}, { trustProxy: LOCAL });
  try {
    const page = await get(server.httpPort, '/healthz', { 'X-Forwarded-For': '198.51.100.1, not-an-address' });
    assert.equal(page.status, 400);
    assert.deepEqual(JSON.parse(page.body), {
      error: 'bad_proxy_header',
      message: 'X-Forwarded-For from a trusted proxy names "not-an-address", which is not an IP address',
    });
    await assert.rejects(WsClient.open(server.httpPort, undefined, { 'X-Forwarded-For': 'unknown' }), /Unexpected server response: 400/);
    assert.equal((await get(server.httpPort, '/healthz', { 'X-Forwarded-For': '198.51.100.1' })).status, 200);
    assert.equal((await get(server.httpPort, '/healthz', {})).status, 200, 'no header: the proxy itself');
  } finally {
    await server.close();
  }
});

test('trust-proxy changes on reload, for the next connection', async () => {
  const server = await startTestServer({}, { trustProxy: [] });
  try {
    const before = await proxied(server.tcpPort, proxyLine('203.0.113.50'), '/who\n');
    await welcomed(before);
    const config = resolveConfig({}, {});
    Object.assign(config, { host: '127.0.0.1', tcpPort: 0, httpPort: 0, store: 'memory', trustProxy: LOCAL });
    server.reload(config);
    const refused = await proxied(server.tcpPort, '/nick x\n');
    await refused.lines.next((l) => l.endsWith('[bad_proxy_header]'), undefined, 'now a trusted peer must send the header');
    const after = await proxied(server.tcpPort, proxyLine('203.0.113.51'));
    await welcomed(after);
    before.send('/who');
    await before.lines.next((l) => l.includes('guest-'), undefined, 'the connection from before the reload carries on');
    before.close();
    after.close();
  } finally {
    await server.close();
  }
});
