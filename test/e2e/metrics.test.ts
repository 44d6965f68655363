/** GET /metrics scraped and parsed after scripted traffic: exact counters, the token, and sockets counted. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { resolveConfig } from '../../src/config/options.js';
import { ERRORS } from '../../src/core/errors.js';
import { makeCertificate, tempDir } from '../helpers/certificates.js';
import { TcpClient, TcpJsonClient, WsClient, isType } from '../helpers/clients.js';
import { parseMetrics, sample, scrape } from '../helpers/prometheus.js';
import { startTestServer } from '../helpers/server.js';

async function metrics(port: number, ca?: Buffer): Promise<Map<string, number>> {
  const res = await scrape(port, {}, ca);
  assert.equal(res.status, 200);
  assert.match(res.contentType, /^text\/plain; version=0\.0\.4/);
  return parseMetrics(res.text);
}

/** Scrapes until `key` reads `expected` (the server sees a socket close a moment after the client does). */
async function metricReaches(port: number, ca: Buffer, key: string, expected: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  let last: number | undefined;
  while (Date.now() < deadline) {
    last = (await metrics(port, ca)).get(key);
    if (last === expected) return;
  }
  throw new Error(`${key} is ${last}, expected ${expected}`);
}

test('after N messages to M members: messages in N, out N×M; errors by code; connections by door; store latencies', async () => {
  const server = await startTestServer();
  try {
    const alice = await TcpClient.text(server.tcpPort);
    const bob = await TcpClient.text(server.tcpPort);
    const program = await TcpJsonClient.connect(server.tcpPort);
    const browser = await WsClient.connect(server.httpPort);
    const members = 4;
    const messages = 5;
    for (let i = 0; i < messages; i++) alice.send(`m${i}`);
    await alice.lines.next((l) => l.endsWith(`m${messages - 1}`));
    await bob.lines.next((l) => l.endsWith(`m${messages - 1}`));
    await program.frames.next(isType('message', { text: `m${messages - 1}` }));
    await browser.frames.next(isType('message', { text: `m${messages - 1}` }));
    browser.sendRaw('not json');
    await browser.frames.next(isType('error', { code: 'bad_json' }));
    browser.send({ type: 'no-such-type' });
    await browser.frames.next(isType('error', { code: 'unknown_type' }));
    browser.send({ type: 'history', room: 'lobby' });
    await browser.frames.next(isType('history'));

    const m = await metrics(server.httpPort);
    assert.equal(sample(m, 'hubbub_messages_in_total'), messages);
    assert.equal(sample(m, 'hubbub_messages_out_total'), messages * members);
    assert.equal(sample(m, 'hubbub_errors_total{code="bad_json"}'), 1);
    assert.equal(sample(m, 'hubbub_errors_total{code="unknown_type"}'), 1);
    assert.equal(sample(m, 'hubbub_errors_total{code="rate_limited"}'), 0);
    for (const code of Object.keys(ERRORS).filter((c) => !ERRORS[c as keyof typeof ERRORS].fatal)) {
      assert.ok(m.has(`hubbub_errors_total{code="${code}"}`), `every error code has a series: ${code}`);
    }
    assert.equal(sample(m, 'hubbub_connections{door="tcp"}'), 2);
    assert.equal(sample(m, 'hubbub_connections{door="tcp-json"}'), 1);
    assert.equal(sample(m, 'hubbub_connections{door="ws"}'), 1);
    assert.equal(sample(m, 'hubbub_rooms'), 1);
    assert.equal(sample(m, 'hubbub_store_healthy'), 1);
    assert.ok(sample(m, 'hubbub_store_commit_seconds_count') >= 1, 'commits were timed');
    assert.equal(sample(m, 'hubbub_store_read_seconds_count'), 1, 'the one history read was timed');
    assert.ok(sample(m, 'hubbub_bytes_out_total') > 0);
    assert.ok(sample(m, 'hubbub_outbox_bytes') >= 0);
    assert.ok(sample(m, 'nodejs_eventloop_lag_seconds') >= 0, 'event-loop lag');
    assert.ok(m.has('nodejs_eventloop_lag_p99_seconds'));
    assert.equal(sample(m, 'hubbub_disconnects_total{code="quit"}'), 0);

    bob.send('/quit');
    await bob.lines.ended();
    const after = await metrics(server.httpPort);
    assert.equal(sample(after, 'hubbub_disconnects_total{code="quit"}'), 1);
    assert.equal(sample(after, 'hubbub_connections{door="tcp"}'), 1);
    for (const c of [alice, program, browser]) c.close();
  } finally {
    await server.close();
  }
});

test('bytes out are exactly the bytes the clients read, goodbyes included', async () => {
  const server = await startTestServer({ presenceBatchMs: 0 });
  try {
    const alice = await TcpClient.text(server.tcpPort);
    const bob = await TcpClient.text(server.tcpPort);
    for (let i = 0; i < 3; i++) alice.send(`hello ${i}`);
    await bob.lines.next((l) => l.endsWith('hello 2'));
    bob.send('/quit');
    await bob.lines.ended();
    alice.send('/quit');
    await alice.lines.ended();
    const m = await metrics(server.httpPort);
    assert.equal(sample(m, 'hubbub_bytes_out_total'), alice.socket.bytesRead + bob.socket.bytesRead);
  } finally {
    await server.close();
  }
});

test('flood control is counted: rate-limited commands, then the kick', async () => {
  const server = await startTestServer({ floodBurst: 2, floodRate: 0.001, floodKickAfter: 3 });
  try {
    const flooder = await TcpClient.text(server.tcpPort);
    for (let i = 0; i < 5; i++) flooder.send(`spam ${i}`);
    await flooder.lines.next((l) => l.endsWith('[excess_flood]'));
    await flooder.lines.ended();
    const m = await metrics(server.httpPort);
    assert.equal(sample(m, 'hubbub_errors_total{code="rate_limited"}'), 2);
    assert.equal(sample(m, 'hubbub_disconnects_total{code="excess_flood"}'), 1);
    assert.equal(sample(m, 'hubbub_disconnects_total{code="slow_reader"}'), 0);
    assert.equal(sample(m, 'hubbub_messages_in_total'), 2);
  } finally {
    await server.close();
  }
});

test('--metrics-token: 401 without the bearer token or with a wrong one; a reload changes it', async () => {
  const server = await startTestServer({}, { metricsToken: 's3cret' });
  try {
    const none = await scrape(server.httpPort);
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="hubbub metrics"');
    assert.equal((JSON.parse(none.text) as { error: string }).error, 'unauthorized');
    assert.doesNotMatch(none.text, /hubbub_/);
    assert.equal((await scrape(server.httpPort, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await scrape(server.httpPort, { authorization: 's3cret' })).status, 401);
    const ok = await scrape(server.httpPort, { authorization: 'Bearer s3cret' });
    assert.equal(ok.status, 200);
    assert.ok(parseMetrics(ok.text).has('hubbub_messages_in_total'));

    const config = resolveConfig({}, {});
    Object.assign(config, { host: '127.0.0.1', tcpPort: 0, httpPort: 0, store: 'memory', metricsToken: '' });
    server.reload(config);
    assert.equal((await scrape(server.httpPort)).status, 200, 'open once the token is removed');
  } finally {
    await server.close();
  }
});

test('open sockets include TLS handshakes in progress and fall back when they go', async () => {
  const certificate = makeCertificate(tempDir());
  const server = await startTestServer({}, { tlsCert: certificate.certPath, tlsKey: certificate.keyPath });
  try {
    // Sockets on the TLS port that never start their handshake: counted (the scrape's own socket is the 1).
    const pending = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const socket = net.connect(server.tcpPort, '127.0.0.1');
        await once(socket, 'connect');
        socket.on('error', () => {});
        return socket;
      }),
    );
    await metricReaches(server.httpPort, certificate.cert, 'hubbub_open_sockets', 1 + pending.length);
    pending.forEach((s) => s.destroy());
    await metricReaches(server.httpPort, certificate.cert, 'hubbub_open_sockets', 1);
  } finally {
    await server.close();
  }
});

test('docs/operations.md lists every hubbub metric /metrics serves', async () => {
  const server = await startTestServer();
  try {
    const res = await scrape(server.httpPort);
    const names = [...res.text.matchAll(/^# TYPE (hubbub_\w+) /gm)].map((m) => m[1]!);
    assert.ok(names.length >= 10, names.join());
    const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    for (const name of names) assert.match(doc, new RegExp(`^\\| \`${name}[{\`]`, 'm'), `docs/operations.md has a row for ${name}`);
  } finally {
    await server.close();
  }
});
