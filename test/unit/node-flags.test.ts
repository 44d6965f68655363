import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SERVER_NODE_FLAGS } from '../../src/cli/node-flags.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

test('the shebang of bin/hubbub.js and npm start pass exactly the server node flags', () => {
  const shebang = read('bin/hubbub.js').split('\n')[0]!;
  assert.equal(shebang, `#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}`);
  const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
  assert.equal(start, `node ${SERVER_NODE_FLAGS.join(' ')} bin/hubbub.js serve`);
});
