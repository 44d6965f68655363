import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseConfigText } from '../../src/config/config-file.js';
import { exampleConfig } from '../../src/config/example-config.js';
import { DEFAULT_CONFIG, OPTIONS, cloneDefaults, configChanges, envName, optionsHelp, resolveConfig, showValue } from '../../src/config/options.js';

const file = (text: string) => parseConfigText(text, 'hubbub.yaml');

test('defaults, then the file, then environment, then flags', () => {
  assert.equal(resolveConfig({}, {}).tcpPort, DEFAULT_CONFIG.tcpPort);
  assert.equal(resolveConfig({}, {}, file('tcp-port: 3500')).tcpPort, 3500);
  assert.equal(resolveConfig({}, { HUBBUB_TCP_PORT: '4000' }, file('tcp-port: 3500')).tcpPort, 4000);
  assert.equal(resolveConfig({ 'tcp-port': '5000' }, { HUBBUB_TCP_PORT: '4000' }, file('tcp-port: 3500')).tcpPort, 5000);
  assert.equal(resolveConfig({ 'flood-rate': '0.5' }, {}).limits.floodRate, 0.5);
  assert.equal(resolveConfig({}, { HUBBUB_OUTBOX_BYTES: '2048' }).limits.outboxBytes, 2048);
  assert.equal(resolveConfig({}, {}, file('retention-days: 1.5')).limits.retentionAgeMs, 1.5 * 86_400_000);
});

test('a JSON file reads the same as YAML', () => {
  const config = resolveConfig({}, {}, file('{"tcp-port": 3500, "trust-proxy": ["10.0.0.0/8", "::1"], "log-level": "warn"}'));
  assert.equal(config.tcpPort, 3500);
  assert.deepEqual(config.trustProxy, ['10.0.0.0/8', '::1']);
  assert.equal(config.logLevel, 'warn');
});

test('lists: comma-separated in a flag, variable or file string; a list in a file', () => {
  assert.deepEqual(resolveConfig({ 'trust-proxy': '10.0.0.0/8, 192.168.1.7' }, {}).trustProxy, ['10.0.0.0/8', '192.168.1.7']);
  assert.deepEqual(resolveConfig({}, { HUBBUB_TRUST_PROXY: '::1/128' }).trustProxy, ['::1/128']);
  assert.deepEqual(resolveConfig({}, {}, file('trust-proxy:\n  - 127.0.0.1\n  - fd00::/8\n')).trustProxy, ['127.0.0.1', 'fd00::/8']);
  assert.deepEqual(resolveConfig({}, {}, file('trust-proxy: 127.0.0.1,10.0.0.0/8')).trustProxy, ['127.0.0.1', '10.0.0.0/8']);
});

test('bad values are refused with the flag, variable or file line named', () => {
  assert.throws(() => resolveConfig({ 'tcp-port': 'abc' }, {}), /^Error: --tcp-port: expected a whole number/);
  assert.throws(() => resolveConfig({ 'max-rooms': '1.5' }, {}), /--max-rooms/);
  assert.throws(() => resolveConfig({}, { HUBBUB_HTTP_PORT: '-1' }), /HUBBUB_HTTP_PORT/);
  assert.throws(() => resolveConfig({ 'log-level': 'loud' }, {}), /--log-level: expected trace or debug or info/);
  assert.throws(() => resolveConfig({ 'trust-proxy': '10.0.0.0/33' }, {}), /--trust-proxy: "10.0.0.0\/33" has a bad prefix length/);
  assert.throws(() => resolveConfig({ 'trust-proxy': 'proxy.local' }, {}), /--trust-proxy: "proxy.local" is not an IPv4 or IPv6 address/);
  const text = '# a comment\nhost: 127.0.0.1\n\nflood-rate: fast\n';
  assert.throws(() => resolveConfig({}, {}, file(text)), { message: 'hubbub.yaml:4: flood-rate: expected a number ≥ 0, got "fast"' });
  assert.throws(() => resolveConfig({}, {}, file('host: 1\nmax-rooms:\n')), { message: 'hubbub.yaml:1: host: expected text, got 1' });
  assert.throws(() => resolveConfig({}, {}, file('max-rooms:\n')), { message: 'hubbub.yaml:1: max-rooms: expected a whole number ≥ 0, got no value' });
  assert.throws(() => resolveConfig({}, {}, file('store: [sqlite]')), { message: 'hubbub.yaml:1: store: expected text, got ["sqlite"]' });
  // A flag that is given wins, so the bad file value is never read.
  assert.equal(resolveConfig({ 'flood-rate': '2' }, {}, file(text)).limits.floodRate, 2);
});

test('an unknown key, a duplicate or broken YAML stops with the file and line', () => {
  assert.throws(() => file('host: x\n\ntcp-prot: 1\n'), { message: 'hubbub.yaml:3: unknown key "tcp-prot" (hubbub config --example lists every key)' });
  assert.throws(() => file('limits:\n  max-rooms: 3\n'), /^Error: hubbub\.yaml:1: unknown key "limits"/);
  assert.throws(() => file('tcp-port: 1\ntcp-port: 2\n'), /^Error: hubbub\.yaml:2: Map keys must be unique$/);
  assert.throws(() => file('host: [1,\n'), /^Error: hubbub\.yaml:\d+: /);
  assert.throws(() => file('- tcp-port\n'), { message: 'hubbub.yaml:1: expected a mapping of option names to values' });
  assert.throws(() => file('{"tcp-port": 1, "nope": 2}'), /^Error: hubbub\.yaml:1: unknown key "nope"/);
  assert.equal(file('').size, 0);
  assert.equal(file('# nothing but a comment\n').size, 0);
});

test('TLS needs both the certificate and the key', () => {
  assert.throws(() => resolveConfig({ 'tls-cert': 'c.pem' }, {}), /--tls-cert and --tls-key go together/);
  assert.equal(resolveConfig({ 'tls-cert': 'c.pem', 'tls-key': 'k.pem' }, {}).tlsKey, 'k.pem');
});

test('whatever a file holds, reading it gives a config or one line naming the file and line, never anything else', () => {
  const key = fc.constantFrom(...OPTIONS.map((s) => s.flag), 'nope', '1', 'tcp port');
  const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }));
  const fromObject = fc.dictionary(key, value, { maxKeys: 6 }).map((o) => JSON.stringify(o));
  fc.assert(
    fc.property(fc.oneof(fromObject, fc.string()), (text) => {
      try {
        resolveConfig({}, {}, file(text));
      } catch (err) {
        assert.ok(err instanceof Error);
        assert.match(err.message, /^(hubbub\.yaml:\d+: |--tls-cert and --tls-key)/);
        assert.equal(err.message.includes('\n'), false, err.message);
      }
    }),
    { numRuns: 500 },
  );
});

test('hubbub.example.yaml is exactly `hubbub config --example`, and reads back as the defaults', () => {
  const example = readFileSync(new URL('../../hubbub.example.yaml', import.meta.url), 'utf8');
  assert.equal(example, exampleConfig(), 'hubbub.example.yaml is out of date: regenerate it with `node bin/hubbub.js config --example > hubbub.example.yaml`');
  const entries = file(example);
  assert.deepEqual([...entries.keys()], OPTIONS.map((s) => s.flag), 'every key, in table order');
  assert.deepEqual(resolveConfig({}, {}, entries), cloneDefaults());
  for (const spec of OPTIONS) assert.ok(example.includes(`# ${spec.help}\n`), `${spec.flag}'s help`);
});

test('docs/config.md lists every key with its flag, variable, default and reload behaviour', () => {
  const doc = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
  const defaults = cloneDefaults();
  for (const spec of OPTIONS) {
    const row = `| \`${spec.flag}\` | \`--${spec.flag}\` | \`${envName(spec.flag)}\` | ${showValue(spec, spec.get(defaults))} | ${spec.reload} | ${spec.help} |`;
    assert.ok(doc.includes(row), `docs/config.md should have the row\n${row}`);
  }
  const rows = doc.split('\n').filter((line) => /^\| `[a-z-]+` \| `--/.test(line));
  assert.equal(rows.length, OPTIONS.length, 'no row for an option that does not exist');
});

test('help lists every option with its variable', () => {
  const help = optionsHelp();
  for (const spec of OPTIONS) {
    assert.ok(help.includes(`--${spec.flag}`), spec.flag);
    assert.ok(help.includes(envName(spec.flag)), spec.flag);
  }
});

test('configChanges lists exactly the options that differ', () => {
  const current = cloneDefaults();
  const next = resolveConfig({ 'flood-rate': '9', 'tcp-port': '1', 'trust-proxy': '::1' }, {});
  assert.deepEqual(
    configChanges(current, next).map((c) => [c.spec.flag, c.from, c.to]),
    [
      ['tcp-port', 3000, 1],
      ['trust-proxy', [], ['::1']],
      ['flood-rate', 5, 9],
    ],
  );
  assert.deepEqual(configChanges(current, cloneDefaults()), []);
  assert.equal(showValue(OPTIONS.find((s) => s.flag === 'metrics-token')!, 'hunter2'), '(set)');
});

test('resolving does not modify the defaults', () => {
  resolveConfig({ 'max-rooms': '3', 'trust-proxy': '::1' }, {});
  assert.equal(DEFAULT_CONFIG.limits.maxRoomsPerConn, 32);
  assert.deepEqual(DEFAULT_CONFIG.trustProxy, []);
});
