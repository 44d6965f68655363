/** End to end on the real binary: --help, configuration, the address line, /healthz, signals. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { OPTIONS, envName } from '../../src/config/options.js';
import { TcpClient, WsClient, isType } from '../helpers/clients.js';
import { HUBBUB_BIN, spawnServer } from '../helpers/spawn-server.js';

const run = promisify(execFile);
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const MAIN_SOURCE = new URL('../../src/cli/main.ts', import.meta.url).pathname;

test('hubbub --version and hubbub version print package.json\'s version, built or from the sources', async () => {
  assert.match(PACKAGE_VERSION, /^\d+\.\d+\.\d+/);
  for (const args of [[HUBBUB_BIN, '--version'], [HUBBUB_BIN, 'version'], ['--import', 'tsx', MAIN_SOURCE, '--version']]) {
    const { stdout } = await run(process.execPath, args);
    assert.equal(stdout, `hubbub ${PACKAGE_VERSION}\n`, args.join(' '));
  }
});

test('hubbub serve --help lists every flag and its environment variable', async () => {
  const { stdout } = await run(process.execPath, [HUBBUB_BIN, 'serve', '--help']);
  for (const option of OPTIONS) {
    assert.ok(stdout.includes(`--${option.flag}`), option.flag);
    assert.ok(stdout.includes(envName(option.flag)), envName(option.flag));
  }
});

test('unknown flags and bad values fail with one line and a non-zero exit', async () => {
  await assert.rejects(run(process.execPath, [HUBBUB_BIN, 'serve', '--no-such-flag']), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr, /^hubbub: .*no-such-flag/);
    assert.equal(err.stderr.trim().split('\n').length, 1);
    return true;
  });
  await assert.rejects(run(process.execPath, [HUBBUB_BIN, 'serve', '--tcp-port', 'x']), /--tcp-port: expected a whole number/);
  await assert.rejects(run(process.execPath, [HUBBUB_BIN, 'launch']), /unknown command "launch"/);
});

test('a history store that cannot be opened stops start-up with one clear line', async () => {
  await assert.rejects(run(process.execPath, [HUBBUB_BIN, 'serve', '--tcp-port', '0', '--http-port', '0', '--data-dir', '/dev/null/nope']), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr, /^hubbub: cannot open the history database \/dev\/null\/nope\/hubbub\.db: /);
    return true;
  });
  await assert.rejects(
    run(process.execPath, [HUBBUB_BIN, 'serve', '--tcp-port', '0', '--http-port', '0', '--store', 'memory', '--retention-messages', '0']),
    /--store memory needs --retention-messages above 0/,
  );
  await assert.rejects(run(process.execPath, [HUBBUB_BIN, 'serve', '--store', 'mongo']), /--store: expected sqlite or memory/);
});

test('the server prints the addresses it bound, serves /healthz, and takes settings from HUBBUB_*', async () => {
  const server = await spawnServer([], { HUBBUB_SERVER_NAME: 'envhub', HUBBUB_MAX_ROOMS: '2' });
  try {
    assert.ok(server.tcpPort > 0 && server.httpPort > 0);
    const ws = await WsClient.connect(server.httpPort);
    assert.equal(ws.welcome.server, 'envhub');
    assert.equal(ws.welcome.version, PACKAGE_VERSION, 'the welcome says which software it is');
    assert.equal((ws.welcome.limits as { maxRoomsPerConn: number }).maxRoomsPerConn, 2);
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/healthz`);
    assert.equal(res.status, 200);
    const health = (await res.json()) as { status: string; version: string; connections: number; rooms: number; uptimeSeconds: number };
    assert.equal(health.status, 'ok');
    assert.equal(health.version, PACKAGE_VERSION);
    assert.equal(health.connections, 1);
    assert.equal(health.rooms, 1);
    assert.equal(typeof health.uptimeSeconds, 'number');
    assert.equal((await fetch(`http://127.0.0.1:${server.httpPort}/nope`)).status, 404);
    ws.close();
  } finally {
    await server.stop();
  }
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: clients are told the server is shutting down, and it exits 0`, async () => {
    const server = await spawnServer();
    const text = await TcpClient.text(server.tcpPort);
    const ws = await WsClient.connect(server.httpPort);
    const code = server.stop(signal);
    assert.equal((await ws.frames.next(isType('bye'))).code, 'shutting_down');
    await text.lines.next((l) => l.endsWith('[shutting_down]'));
    await Promise.all([ws.frames.ended(), text.lines.ended()]);
    assert.equal(await code, 0);
  });
}
