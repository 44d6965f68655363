import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG, OPTIONS, envName, optionsHelp, resolveConfig } from '../../src/config/options.js';

test('defaults, then environment, then flags', () => {
  assert.equal(resolveConfig({}, {}).tcpPort, DEFAULT_CONFIG.tcpPort);
  assert.equal(resolveConfig({}, { HUBBUB_TCP_PORT: '4000' }).tcpPort, 4000);
  assert.equal(resolveConfig({ 'tcp-port': '5000' }, { HUBBUB_TCP_PORT: '4000' }).tcpPort, 5000);
  assert.equal(resolveConfig({ 'flood-rate': '0.5' }, {}).limits.floodRate, 0.5);
  assert.equal(resolveConfig({}, { HUBBUB_OUTBOX_BYTES: '2048' }).limits.outboxBytes, 2048);
});

test('bad numbers are refused with the flag or variable named', () => {
  assert.throws(() => resolveConfig({ 'tcp-port': 'abc' }, {}), /--tcp-port/);
  assert.throws(() => resolveConfig({ 'max-rooms': '1.5' }, {}), /--max-rooms/);
  assert.throws(() => resolveConfig({}, { HUBBUB_HTTP_PORT: '-1' }), /HUBBUB_HTTP_PORT/);
});

test('help lists every option with its variable', () => {
  const help = optionsHelp();
  for (const spec of OPTIONS) {
    assert.ok(help.includes(`--${spec.flag}`), spec.flag);
    assert.ok(help.includes(envName(spec.flag)), spec.flag);
  }
});

test('resolving does not modify the defaults', () => {
  resolveConfig({ 'max-rooms': '3' }, {});
  assert.equal(DEFAULT_CONFIG.limits.maxRoomsPerConn, 32);
});
