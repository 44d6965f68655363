/**
 * TLS on both ports with certificates the tests make themselves: text and JSON over TLS, WSS and
 * HTTPS, openssl s_client, handshakes that fail or never finish, and certificates renewed by
 * SIGHUP without dropping anyone.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { makeCertificate, tempDir, type Certificate } from '../helpers/certificates.js';
import { TcpClient, TcpJsonClient, WsClient, isType } from '../helpers/clients.js';
import { Inbox } from '../helpers/inbox.js';
import { startTestServer } from '../helpers/server.js';
import { HUBBUB_BIN, spawnServer } from '../helpers/spawn-server.js';

const run = promisify(execFile);

function tlsConfig(certificate: Certificate) {
  return { tlsCert: certificate.certPath, tlsKey: certificate.keyPath };
}

function httpsGet(port: number, path: string, ca: Buffer): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path, ca, servername: 'localhost', agent: false }, (res) => {
      const fingerprint = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint }));
    });
    req.on('error', reject);
  });
}

/** The fingerprint of the certificate the TLS port presents now. */
async function presented(port: number, ca: Buffer): Promise<string> {
  const socket = tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost' });
  await once(socket, 'secureConnect');
  const fingerprint = socket.getPeerCertificate().fingerprint256;
  socket.destroy();
  return fingerprint;
}

/** Resolves when the server closes the socket (a failed expectation after `ms`, never a sleep). */
function closedWithin(socket: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    socket.on('error', () => {});
    // Read (and drop) what the server sends, a TLS alert say, so the end of the stream is seen.
    socket.resume();
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

test('over TLS: text and JSON on the TCP port, WSS and HTTPS on the HTTP port, all in one room', async () => {
  const certificate = makeCertificate(tempDir());
  const server = await startTestServer({}, tlsConfig(certificate));
  try {
    const ca = certificate.cert;
    const text = await TcpClient.text(server.tcpPort, ca);
    const json = await TcpJsonClient.connect(server.tcpPort, ca);
    const ws = await WsClient.connect(server.httpPort, ca);
    text.send('hello from a terminal');
    json.send({ type: 'say', room: 'lobby', text: 'hello from a program', ref: 'p1' });
    assert.equal((await ws.frames.next(isType('message', { text: 'hello from a terminal' }))).from, `guest-${text.id}`);
    await ws.frames.next(isType('message', { text: 'hello from a program' }));
    await text.lines.next((l) => l.endsWith('hello from a program'));
    assert.equal((await json.frames.next(isType('message', { ref: 'p1' }))).text, 'hello from a program');
    ws.send({ type: 'say', room: 'lobby', text: 'hello from a browser' });
    await text.lines.next((l) => l.endsWith('hello from a browser'));

    const health = await httpsGet(server.httpPort, '/healthz', ca);
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.body) as { connections: number }).connections, 3);
    assert.equal(health.fingerprint, certificate.fingerprint);
    for (const c of [text, json, ws]) c.close();
  } finally {
    await server.close();
  }
});

test('over TLS, a client that shuts down its sending side still reads its replies and its goodbye', async () => {
  const certificate = makeCertificate(tempDir());
  const server = await startTestServer({}, tlsConfig(certificate));
  try {
    const client = await TcpClient.text(server.tcpPort, certificate.cert);
    client.send('/nick halfclosed');
    client.socket.end('last words\n');
    await client.lines.next((l) => l.includes('is now known as halfclosed'));
    await client.lines.next((l) => l.endsWith('<halfclosed> last words'));
    await client.lines.next((l) => l.includes('bye') && l.endsWith('[quit]'));
    await client.lines.ended();
  } finally {
    await server.close();
  }
});

test('openssl s_client speaks text mode to the TLS port, verifying the certificate', async () => {
  const certificate = makeCertificate(tempDir());
  const server = await startTestServer({}, tlsConfig(certificate));
  const client = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${server.tcpPort}`, '-CAfile', certificate.certPath, '-verify_return_error', '-servername', 'localhost', '-quiet'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    const lines = new Inbox<string>();
    let partial = '';
    client.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      parts.forEach((l) => lines.push(l));
    });
    client.once('exit', () => lines.close());
    await lines.next((l) => l.includes('Welcome to hubbub'), 10_000, 'the welcome through s_client');
    client.stdin.write('/nick sclient\n');
    await lines.next((l) => l.includes('is now known as sclient'), 5000, 'the nick change');
    client.stdin.write('/quit\n');
    await lines.next((l) => l.endsWith('[quit]'), 5000, 'the goodbye');
  } finally {
    client.kill();
    await server.close();
  }
});

test('a plain-text client on a TLS port, a bad hello or a handshake that never finishes is dropped; the server carries on', async () => {
  const certificate = makeCertificate(tempDir());
  const server = await startTestServer({ handshakeTimeoutMs: 300 }, tlsConfig(certificate));
  try {
    for (const port of [server.tcpPort, server.httpPort]) {
      const plain = await TcpClient.connect(port);
      plain.send('/nick plaintext');
      await plain.lines.ended(5000);

      const garbage = net.connect(port, '127.0.0.1');
      await once(garbage, 'connect');
      garbage.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff]));
      await closedWithin(garbage, 5000);

      // Connects and says nothing: cut at the handshake timeout, not held forever.
      const silent = net.connect(port, '127.0.0.1');
      await once(silent, 'connect');
      await closedWithin(silent, 5000);

      // Half a hello, then silence.
      const stalled = net.connect(port, '127.0.0.1');
      await once(stalled, 'connect');
      stalled.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
      await closedWithin(stalled, 5000);
    }
    const text = await TcpClient.text(server.tcpPort, certificate.cert);
    const health = await httpsGet(server.httpPort, '/healthz', certificate.cert);
    assert.equal((JSON.parse(health.body) as { connections: number }).connections, 1);
    text.close();
  } finally {
    await server.close();
  }
});

test('a certificate that does not load stops start-up with one line', async () => {
  const dir = tempDir();
  const good = makeCertificate(dir);
  const other = makeCertificate(dir, 'other', 'other');
  const garbage = join(dir, 'garbage.pem');
  writeFileSync(garbage, 'not a certificate\n');
  const cases: [string, string, RegExp][] = [
    [garbage, good.keyPath, /^hubbub: the TLS certificate .*garbage\.pem and key .* do not load: .*no start line/],
    [good.certPath, other.keyPath, /^hubbub: the TLS certificate .* do not load: .*key values mismatch/],
    [join(dir, 'missing.pem'), good.keyPath, /^hubbub: cannot read the TLS certificate .*missing\.pem: ENOENT/],
  ];
  for (const [cert, key, expected] of cases) {
    await assert.rejects(
      run(process.execPath, [HUBBUB_BIN, 'serve', '--store', 'memory', '--tcp-port', '0', '--http-port', '0', '--tls-cert', cert, '--tls-key', key]),
      (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 1);
        assert.equal(err.stderr.trim().split('\n').length, 1, err.stderr);
        assert.match(err.stderr.trim(), expected);
        return true;
      },
    );
  }
});

test('SIGHUP re-reads the certificate: open connections stay up, new ones see the new one, a bad one is refused and the old kept', async () => {
  const dir = tempDir();
  const first = makeCertificate(dir, 'first', 'first');
  const second = makeCertificate(dir, 'second', 'second');
  const live = { certPath: join(dir, 'live.pem'), keyPath: join(dir, 'live-key.pem') };
  copyFileSync(first.certPath, live.certPath);
  copyFileSync(first.keyPath, live.keyPath);
  // A client trusting both certificates, as during a planned renewal.
  const ca = Buffer.concat([first.cert, second.cert]);
  const server = await spawnServer(['--store', 'memory', '--log-level', 'info', '--tls-cert', live.certPath, '--tls-key', live.keyPath]);
  try {
    assert.equal(await presented(server.tcpPort, ca), first.fingerprint);
    const before = await TcpClient.text(server.tcpPort, ca);
    const wsBefore = await WsClient.connect(server.httpPort, ca);

    copyFileSync(second.certPath, live.certPath);
    copyFileSync(second.keyPath, live.keyPath);
    server.child.kill('SIGHUP');
    const reloaded = await server.logs.next((l) => l.includes('"TLS certificate reloaded"'), 5000, 'the reload');
    assert.equal((JSON.parse(reloaded) as { fingerprint: string }).fingerprint, second.fingerprint);

    assert.equal(await presented(server.tcpPort, ca), second.fingerprint, 'a new TCP connection sees the new certificate');
    assert.equal((await httpsGet(server.httpPort, '/healthz', ca)).fingerprint, second.fingerprint, 'so does a new HTTPS one');
    before.send('still here');
    await wsBefore.frames.next(isType('message', { text: 'still here' }), 5000, 'a message across connections opened before the reload');
    wsBefore.send({ type: 'say', room: 'lobby', text: 'me too' });
    await before.lines.next((l) => l.endsWith('me too'));

    writeFileSync(live.certPath, 'renewal went wrong\n');
    server.child.kill('SIGHUP');
    const refused = await server.logs.next((l) => l.includes('TLS certificate not reloaded'), 5000, 'the refused reload');
    assert.match(refused, /no start line/);
    assert.equal(await presented(server.tcpPort, ca), second.fingerprint, 'the certificate in use is kept');
    before.send('and still here');
    await wsBefore.frames.next(isType('message', { text: 'and still here' }));
    before.close();
    wsBefore.close();
  } finally {
    assert.equal(await server.stop(), 0);
  }
});
