import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFrame } from '../../src/cli/chat-format.js';
import { createStyle } from '../../src/cli/chat-style.js';
import { leavesByReason, listNames } from '../../src/core/presence-text.js';

test('names: all of up to ten, then a count', () => {
  assert.equal(listNames(['a', 'b']), 'a, b');
  const twelve = Array.from({ length: 12 }, (_, i) => `n${i + 1}`);
  assert.equal(listNames(twelve), 'n1, n2, n3, n4, n5, n6, n7, n8, n9, n10 and 2 more');
});

test('leaves are grouped by reason, in the order reasons first appear', () => {
  const left = [
    { id: 1, reason: 'quit' },
    { id: 2, reason: 'disconnected' },
    { id: 3, reason: 'quit' },
  ];
  assert.deepEqual(leavesByReason(left), [
    ['quit', [left[0], left[2]]],
    ['disconnected', [left[1]]],
  ]);
});

test('hubbub chat prints a presence notice as a line of joins and a line per kind of leave', () => {
  const text = formatFrame(
    { type: 'presence', room: 'dev', joined: [{ id: 1, nick: 'ann' }, { id: 2, nick: 'ben' }], left: [{ id: 3, nick: 'cy', reason: 'quit' }] },
    { style: createStyle(false), mode: 'lines' },
  );
  assert.deepEqual(text?.split('\n'), ['-!- ann, ben joined #dev', '-!- cy left #dev (quit)']);
});
