import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERRORS } from '../../src/core/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

test('docs/errors.md lists exactly the codes in the registry, with their grade and close status', () => {
  const rows = new Map<string, { grade: string; close: string }>();
  for (const match of doc.matchAll(/^\| `([a-z0-9_]+)` \| (stays|closes) \| ([^|]+) \|/gm)) {
    rows.set(match[1]!, { grade: match[2]!, close: match[3]!.trim() });
  }
  assert.deepEqual([...rows.keys()].sort(), Object.keys(ERRORS).sort());
  for (const [code, spec] of Object.entries(ERRORS)) {
    const row = rows.get(code)!;
    assert.equal(row.grade, spec.fatal ? 'closes' : 'stays', code);
    assert.equal(row.close, 'wsClose' in spec ? String(spec.wsClose) : '—', code);
  }
});
