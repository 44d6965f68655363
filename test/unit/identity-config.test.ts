/** The identity and API options as the config reads them, and the settings that cannot go together. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessFor } from '../../src/auth/access.js';
import { parseConfigText } from '../../src/config/config-file.js';
import { resolveConfig } from '../../src/config/options.js';
import { originAllowed } from '../../src/transports/ws/origin-check.js';
import { parseChatArgs } from '../../src/cli/chat-args.js';

const KEY = 'k-0123456789abcdef';

test('API keys: key=nick pairs from a flag, a map in a file; a bad one is refused without repeating the key', () => {
  assert.deepEqual(resolveConfig({ 'api-keys': `${KEY}=deploybot, ${KEY}x=alertbot` }, {}).apiKeys, [`${KEY}=deploybot`, `${KEY}x=alertbot`]);
  const file = parseConfigText(`api-keys:\n  ${KEY}: deploybot\n`, 'hubbub.yaml');
  assert.deepEqual(resolveConfig({}, {}, file).apiKeys, [`${KEY}=deploybot`]);
  assert.throws(() => resolveConfig({ 'api-keys': 'short=bot' }, {}), (err: Error) => /at least 16 characters/.test(err.message) && !err.message.includes('short'));
  assert.throws(() => resolveConfig({ 'api-keys': `${KEY}=not a nick` }, {}), /is not a nick/);
  assert.throws(() => resolveConfig({}, {}, parseConfigText(`api-keys: [${KEY}]\n`, 'hubbub.yaml')), /hubbub.yaml:1: api-keys: expected a map/);
});

test('--allowed-origins takes origins only; the page\'s own origin and requests without Origin always pass', () => {
  assert.deepEqual(resolveConfig({ 'allowed-origins': 'https://chat.example.org,http://localhost:8080' }, {}).allowedOrigins, ['https://chat.example.org', 'http://localhost:8080']);
  for (const bad of ['https://chat.example.org/', 'chat.example.org', 'https://Chat.example.org', 'https://x.org/path']) {
    assert.throws(() => resolveConfig({ 'allowed-origins': bad }, {}), /is not an origin/, bad);
  }
  const allowed = ['https://chat.example.org'];
  assert.equal(originAllowed('https://chat.example.org', 'hubbub.internal:8080', allowed), true);
  assert.equal(originAllowed('https://evil.example', 'hubbub.internal:8080', allowed), false);
  assert.equal(originAllowed('https://hubbub.internal:8080', 'hubbub.internal:8080', allowed), true, 'its own page (any scheme)');
  assert.equal(originAllowed('null', 'hubbub.internal:8080', allowed), false, 'a sandboxed page');
  assert.equal(originAllowed(undefined, 'hubbub.internal:8080', allowed), true, 'not a browser');
  assert.equal(originAllowed('https://evil.example', 'x', []), true, 'no list: any');
});

test('settings that would lock everyone out, or contradict each other, stop start-up', () => {
  assert.throws(() => accessFor(resolveConfig({ guests: 'off' }, {})), /--guests off needs --auth-secret/);
  assert.throws(() => accessFor(resolveConfig({ guests: 'off', 'auth-secret': 's', password: 'p' }, {})), /--password admits guests/);
  assert.throws(() => accessFor(resolveConfig({ 'auth-secret': 's', 'auth-jwks-file': '/x.json' }, {})), /exclude each other/);
  assert.throws(() => accessFor(resolveConfig({ 'auth-jwks-file': '/nonexistent/jwks.json' }, {})), /--auth-jwks-file \/nonexistent\/jwks.json/);
  assert.throws(() => resolveConfig({ guests: 'maybe' }, {}), /expected on or off/);
  const open = accessFor(resolveConfig({ password: 'pw' }, {}));
  assert.equal(open.openToGuests, false, 'a password closes the door to guests who do not give it');
  assert.equal(open.password?.('pw'), true);
  assert.equal(open.password?.('PW'), false);
  assert.equal(open.tokens, undefined);
});

test('hubbub chat signs in with --token, HUBBUB_TOKEN or --password, never two of them', () => {
  const auth = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const parsed = parseChatArgs(argv, env);
    return parsed === 'help' ? 'help' : parsed.auth;
  };
  assert.deepEqual(auth(['--token', 'a.b.c']), { token: 'a.b.c' });
  assert.deepEqual(auth([], { HUBBUB_TOKEN: 'x.y.z' }), { token: 'x.y.z' });
  assert.deepEqual(auth(['--token', 'a.b.c'], { HUBBUB_TOKEN: 'x.y.z' }), { token: 'a.b.c' }, 'the flag wins');
  assert.deepEqual(auth(['--password', 'pw']), { password: 'pw' });
  assert.equal(auth([]), undefined);
  assert.throws(() => parseChatArgs(['--token', 't', '--password', 'p']), /not both/);
});
