/** End to end on the real binary: a configuration file, its errors, and SIGHUP reloads. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { resolveConfig } from '../../src/config/options.js';
import { TcpClient, WsClient } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';
import { HUBBUB_BIN, spawnServer } from '../helpers/spawn-server.js';

const run = promisify(execFile);

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'hubbub-config-')), name);
  writeFileSync(path, text);
  return path;
}

const maxRooms = (ws: WsClient): number => (ws.welcome.limits as { maxRoomsPerConn: number }).maxRoomsPerConn;
const logMessage = (line: string): string => {
  try {
    return (JSON.parse(line) as { msg?: string }).msg ?? '';
  } catch {
    return line;
  }
};

test('a configuration file sets options; a flag and a variable win over it', async () => {
  const path = tempFile('hubbub.yaml', 'server-name: from-file\nmax-rooms: 4\nmax-text-bytes: 1000\nlog-level: warn\n');
  const server = await spawnServer(['--config', path, '--server-name', 'from-flag'], { HUBBUB_MAX_ROOMS: '3' });
  try {
    const ws = await WsClient.connect(server.httpPort);
    assert.equal(ws.welcome.server, 'from-flag', 'a flag wins over the file');
    assert.equal(maxRooms(ws), 3, 'a variable wins over the file');
    assert.equal((ws.welcome.limits as { maxTextBytes: number }).maxTextBytes, 1000, 'from the file');
    ws.close();
  } finally {
    await server.stop();
  }
});

test('HUBBUB_CONFIG names the file too', async () => {
  const path = tempFile('hubbub.json', '{"server-name": "json-file", "log-level": "warn"}');
  const server = await spawnServer([], { HUBBUB_CONFIG: path });
  try {
    const ws = await WsClient.connect(server.httpPort);
    assert.equal(ws.welcome.server, 'json-file');
    ws.close();
  } finally {
    await server.stop();
  }
});

test('a bad file stops start-up with one line naming the file, the line and the key', async () => {
  const unknown = tempFile('hubbub.yaml', 'max-rooms: 4\n\nmax-romos: 5\n');
  const invalid = tempFile('hubbub.yaml', 'max-rooms: 4\nflood-rate: fast\n');
  const cases: [string[], RegExp][] = [
    [['--config', unknown], new RegExp(`^hubbub: ${unknown}:3: unknown key "max-romos"`)],
    [['--config', invalid], new RegExp(`^hubbub: ${invalid}:2: flood-rate: expected a number ≥ 0, got "fast"$`)],
    [['--config', '/nonexistent/hubbub.yaml'], /^hubbub: cannot read the configuration file \/nonexistent\/hubbub\.yaml: /],
  ];
  for (const [args, expected] of cases) {
    await assert.rejects(run(process.execPath, [HUBBUB_BIN, 'serve', '--tcp-port', '0', '--http-port', '0', ...args]), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.equal(err.stderr.trim().split('\n').length, 1, err.stderr);
      assert.match(err.stderr.trim(), expected);
      return true;
    });
  }
  await assert.rejects(run(process.execPath, [HUBBUB_BIN, 'config', '--check', invalid]), new RegExp(`${invalid}:2: flood-rate`));
  const { stdout } = await run(process.execPath, [HUBBUB_BIN, 'config', '--check', tempFile('ok.yaml', 'max-rooms: 4\n')]);
  assert.match(stdout, /: ok$/m);
});

test('SIGHUP applies live keys, logs restart-only ones as not applied, and keeps everyone connected', async () => {
  const path = tempFile('hubbub.yaml', 'max-rooms: 2\nserver-name: before\nlog-level: info\n');
  const server = await spawnServer(['--config', path]);
  try {
    const early = await TcpClient.text(server.tcpPort);
    const before = await WsClient.connect(server.httpPort);
    assert.equal(maxRooms(before), 2);

    writeFileSync(path, 'max-rooms: 3\nserver-name: after\nlog-level: debug\n');
    server.child.kill('SIGHUP');
    // In the option table's order: server-name comes first.
    await server.logs.next((l) => logMessage(l) === 'config: server-name: "before" → "after" needs a restart; not applied', 5000, 'the restart notice');
    await server.logs.next((l) => logMessage(l) === 'config: max-rooms: 2 → 3', 5000, 'the max-rooms change');
    const after = await WsClient.connect(server.httpPort);
    assert.equal(maxRooms(after), 3, 'live: a new connection is told the new limit');
    assert.equal(after.welcome.server, 'before', 'restart-only: not applied');
    // The log level changed live: a connection is now logged at debug level.
    await server.logs.next((l) => logMessage(l) === 'connected', 5000, 'a debug line');

    writeFileSync(path, 'max-rooms: lots\n');
    server.child.kill('SIGHUP');
    const refused = await server.logs.next((l) => logMessage(l).startsWith('configuration not reloaded'), 5000, 'the refused reload');
    assert.ok(logMessage(refused).endsWith(`${path}:1: max-rooms: expected a whole number ≥ 0, got "lots"`), refused);
    const later = await WsClient.connect(server.httpPort);
    assert.equal(maxRooms(later), 3, 'the running configuration is kept');

    early.send('/who');
    await early.lines.next((l) => l.includes('guest-'), 5000, 'an answer on the connection opened before the reloads');
    for (const c of [before, after, later]) c.close();
    early.close();
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('a reload applies flood control and the connection caps to what comes next', async () => {
  const server = await startTestServer({ floodBurst: 0 });
  try {
    const before = await TcpClient.text(server.tcpPort);
    const config = resolveConfig({ 'flood-burst': '1', 'flood-rate': '0.001', 'max-connections-per-ip': '2' }, {});
    Object.assign(config, { host: '127.0.0.1', tcpPort: 0, httpPort: 0, store: 'memory' });
    server.reload(config);
    const after = await TcpClient.text(server.tcpPort);
    after.send('one');
    after.send('two');
    await after.lines.next((l) => l.endsWith('[rate_limited]'), 5000, 'flood control, switched on by the reload');
    const third = await TcpClient.connect(server.tcpPort);
    await third.lines.next((l) => l.endsWith('[too_many_from_ip]'), 5000, 'the lowered per-address cap');
    for (const c of [before, after]) c.close();
  } finally {
    await server.close();
  }
});
